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
    public void Launch_secret_in_Azure_is_a_Key_Vault_reference_to_LaunchSecret0_in_the_app_vault()
    {
        var value = infra.Main.ExpandStringVariables(Settings()["Launch__Secrets__0"]);
        Assert.Contains("@Microsoft.KeyVault(SecretUri=", value, StringComparison.Ordinal);
        Assert.Contains("'LaunchSecret0'", value, StringComparison.Ordinal);
        Assert.Contains("resourceId('Microsoft.Resources/deployments', 'keyVault')", value, StringComparison.Ordinal);
        Assert.Contains(".outputs.uri.value", value, StringComparison.Ordinal);
    }

    [Fact]
    public void Launch_secret_parameter_is_secure_required_and_written_only_to_the_vault()
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
    public void Development_escape_hatch_in_Azure_is_false(string setting) =>
        Assert.Equal("false", Settings()[setting]);

    [Fact]
    public void Token_authority_by_default_is_the_deployment_tenants_v2_authority()
    {
        var authority = infra.FunctionAppSettings().Single(s => s.Key == "Auth__Authority").Value;
        Assert.Equal("authAuthority", infra.Main.MainParameterName(authority));
        var defaultValue = infra.Main.Resolve(authority)?.GetValue<string>() ?? "";
        Assert.Equal("[format('{0}{1}/v2.0', environment().authentication.loginEndpoint, tenant().tenantId)]", defaultValue);
    }

    [Theory]
    [InlineData("Auth__Audience", "authAudience")]
    [InlineData("Launch__MaxAge", "launchMaxAge")]
    public void Caller_setting_in_Azure_is_a_parameter(string setting, string parameter) =>
        Assert.Equal(parameter, infra.Main.MainParameterName(infra.FunctionAppSettings().Single(s => s.Key == setting).Value));

    [Fact]
    public void Launch_max_age_by_default_is_7_days_as_in_the_app()
    {
        var parameter = infra.Main.Parameters.Single(p => p.Key == "launchMaxAge").Value!;
        Assert.Equal("7.00:00:00", parameter["defaultValue"]?.GetValue<string>());
    }
}
