namespace Go1Sync.Deployment.Tests;

/// <summary>
/// The callers' credentials as deployed: the LMS launch secret from Key Vault, readers' and
/// operators' tokens from the tenant's Entra ID, and no development escape hatch left open.
/// </summary>
public sealed class CallerCredentialsTemplateTests(CompiledInfrastructure infra) : IClassFixture<CompiledInfrastructure>
{
    private Dictionary<string, string> Settings() =>
        infra.FunctionAppSettings().ToDictionary(s => s.Key, s => s.Value?.GetValue<string>() ?? "", StringComparer.Ordinal);

    [Fact]
    public void LaunchSecret_InAzure_IsAKeyVaultReferenceToLaunchSecret0InTheAppVault()
    {
        var value = infra.AssertAppVaultReference("Launch__Secrets__0", "LaunchSecret0");
        Assert.Contains(".outputs.uri.value", value, StringComparison.Ordinal);
    }

    [Fact]
    public void LaunchSecretParameter_InTheTemplate_IsSecureRequiredAndWrittenOnlyToTheVault()
    {
        var parameter = infra.Main.Parameters.Single(p => p.Key == "launchSecret0").Value!;
        Assert.Equal("securestring", parameter["type"]?.GetValue<string>());

        var (template, secret) = Assert.Single(infra.ResourcesOfType("Microsoft.KeyVault/vaults/secrets"),
            s => s.Template.ExpandStringVariables(s.Resource["name"]?.GetValue<string>() ?? "").Contains("'LaunchSecret0'", StringComparison.Ordinal));
        Assert.Same(infra.Main, template);
        Assert.Equal("[parameters('launchSecret0')]", secret["properties"]?["value"]?.GetValue<string>());
        // Required, like the webhook secret: an unresolvable reference would keep the whole app from starting.
        Assert.Null(secret["condition"]);
        Assert.Null(parameter["defaultValue"]);
        Assert.Equal(24, parameter["minLength"]?.GetValue<int>());
        Assert.Contains("variables('keyVaultName')", secret["name"]?.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Webhook__AllowUnsigned")]
    [InlineData("Launch__AllowUnsigned")]
    [InlineData("Auth__AllowUnauthenticated")]
    public void DevelopmentEscapeHatch_InAzure_IsFalse(string setting) =>
        Assert.Equal("false", Settings()[setting]);

    [Fact]
    public void TokenAuthority_ByDefault_IsTheDeploymentTenantsV2Authority()
    {
        var authority = infra.FunctionAppSettings().Single(s => s.Key == "Auth__Authority").Value;
        Assert.Equal("authAuthority", infra.Main.MainParameterName(authority));
        var defaultValue = infra.Main.Resolve(authority)?.GetValue<string>() ?? "";
        Assert.Equal("[format('{0}{1}/v2.0', environment().authentication.loginEndpoint, tenant().tenantId)]", defaultValue);
    }

    [Theory]
    [InlineData("Auth__Audience", "authAudience")]
    [InlineData("Launch__MaxAge", "launchMaxAge")]
    public void CallerSetting_InAzure_IsAParameter(string setting, string parameter) =>
        Assert.Equal(parameter, infra.Main.MainParameterName(infra.FunctionAppSettings().Single(s => s.Key == setting).Value));

    [Fact]
    public void LaunchMaxAge_ByDefault_Is7DaysAsInTheApp()
    {
        var parameter = infra.Main.Parameters.Single(p => p.Key == "launchMaxAge").Value!;
        Assert.Equal("7.00:00:00", parameter["defaultValue"]?.GetValue<string>());
    }
}
