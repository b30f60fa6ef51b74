using System.Text.Json.Nodes;

namespace Go1Sync.Deployment.Tests;

/// <summary>
/// Issue #12, "it deploys and starts": what the compiled template must hold so that a provisioning
/// succeeds on Flex Consumption and every function can start (Key Vault references that resolve).
/// </summary>
public sealed class StartupTemplateTests(CompiledInfrastructure infra) : IClassFixture<CompiledInfrastructure>
{
    [Fact]
    public void FunctionAppSiteConfig_OnFlexConsumption_HoldsOnlyTheAppSettings()
    {
        // Flex rejects ftpsState (error 51021) and has no use for http20Enabled, alwaysOn & co; Microsoft's
        // Flex samples set nothing in siteConfig but the app settings.
        var (_, site) = infra.Single("Microsoft.Web/sites");
        var siteConfig = site["properties"]?["siteConfig"] as JsonObject;
        Assert.NotNull(siteConfig);
        Assert.Equal(["appSettings"], siteConfig.Select(p => p.Key).ToArray());
    }

    [Fact]
    public void WebhookSecretParameter_Declared_IsARequiredSecureStringOf24To64Characters()
    {
        var parameter = infra.Main.Template["parameters"]?["webhookSecret0"] as JsonObject;
        Assert.NotNull(parameter);
        Assert.Equal("securestring", parameter["type"]?.GetValue<string>());
        Assert.False(parameter.ContainsKey("defaultValue"), "webhookSecret0 has a default: a deployment without the secret would start an app that rejects every function.");
        Assert.Equal(24, parameter["minLength"]?.GetValue<int>());
        Assert.Equal(64, parameter["maxLength"]?.GetValue<int>());
    }

    [Fact]
    public void WebhookSecretVaultEntry_AnyDeployment_IsWrittenFromTheParameter()
    {
        var written = infra.DeployedResourcesOfType(infra.Evaluator(), "Microsoft.KeyVault/vaults/secrets");

        var secret = Assert.Single(written, x => x.Name.EndsWith("/WebhookSecret0", StringComparison.Ordinal));
        Assert.Equal("webhookSecret0", secret.Template.MainParameterName(secret.Resource["properties"]?["value"]));
    }

    [Theory]
    [InlineData("client-id", "", "go1ClientSecret")]
    [InlineData("", "client-secret", "go1ClientId")]
    public void Go1Credentials_OneWithoutTheOther_FailTheDeploymentBeforeAnyResource(string clientId, string clientSecret, string missing)
    {
        var evaluator = infra.Evaluator(Go1Credentials(clientId, clientSecret));

        // Main-template variables are evaluated when ARM validates the template, before any resource.
        var failures = MainVariableFailures(evaluator);

        Assert.NotEmpty(failures);
        Assert.All(failures, f => Assert.Contains(missing, f.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("client-id", "client-secret")]
    [InlineData("", "")]
    public void Go1Credentials_BothOrNeither_PassValidation(string clientId, string clientSecret)
    {
        var evaluator = infra.Evaluator(Go1Credentials(clientId, clientSecret));

        Assert.Empty(MainVariableFailures(evaluator));
        var settings = infra.EvaluatedAppSettings(evaluator);
        Assert.Equal(clientId, settings["Go1__ClientId"]?.GetValue<string>());
    }

    [Fact]
    public void Go1Credentials_Neither_LeaveTheSecretSettingEmptyAndWriteNoVaultEntry()
    {
        var evaluator = infra.Evaluator(Go1Credentials("", ""));

        var settings = infra.EvaluatedAppSettings(evaluator);
        Assert.Equal("", settings["Go1__ClientSecret"]?.GetValue<string>());
        Assert.DoesNotContain(
            infra.DeployedResourcesOfType(evaluator, "Microsoft.KeyVault/vaults/secrets"),
            x => x.Name.EndsWith("/Go1ClientSecret", StringComparison.Ordinal));
    }

    [Fact]
    public void Go1Credentials_Both_WriteTheVaultEntryAndReferenceIt()
    {
        var evaluator = infra.Evaluator(Go1Credentials("client-id", "client-secret"));

        var settings = infra.EvaluatedAppSettings(evaluator);
        Assert.StartsWith("@Microsoft.KeyVault(SecretUri=", Unmarked(settings["Go1__ClientSecret"]), StringComparison.Ordinal);
        Assert.Contains(
            infra.DeployedResourcesOfType(evaluator, "Microsoft.KeyVault/vaults/secrets"),
            x => x.Name.EndsWith("/Go1ClientSecret", StringComparison.Ordinal));
    }

    [Fact]
    public void MaximumInstanceCount_Declared_IsBoundedByFlexConsumptionsLimitsOf40To1000()
    {
        foreach (var template in new[] { infra.Main, infra.Single("Microsoft.Web/sites").Template })
        {
            var parameter = template.Template["parameters"]?["maximumInstanceCount"];
            Assert.True(parameter is not null, $"{template.Path} has no maximumInstanceCount parameter.");
            Assert.Equal(40, parameter["minValue"]?.GetValue<int>());
            Assert.Equal(1000, parameter["maxValue"]?.GetValue<int>());
        }

        var (siteTemplate, site) = infra.Single("Microsoft.Web/sites");
        var count = infra.Evaluator().Evaluate(siteTemplate, site["properties"]?["functionAppConfig"]?["scaleAndConcurrency"]?["maximumInstanceCount"]);
        Assert.InRange(count!.GetValue<int>(), 40, 1000);
    }

    private static Dictionary<string, JsonNode?> Go1Credentials(string clientId, string clientSecret) => new()
    {
        ["go1ClientId"] = JsonValue.Create(clientId),
        ["go1ClientSecret"] = JsonValue.Create(clientSecret),
    };

    private List<ArmFailException> MainVariableFailures(ArmEvaluator evaluator)
    {
        var failures = new List<ArmFailException>();
        foreach (var (name, _) in infra.Main.Template["variables"] as JsonObject ?? [])
        {
            try
            {
                evaluator.Evaluate(infra.Main, JsonValue.Create($"[variables('{name}')]"));
            }
            catch (ArmFailException failure)
            {
                failures.Add(failure);
            }
        }

        return failures;
    }

    private static string Unmarked(JsonNode? node)
    {
        var text = node?.GetValue<string>() ?? "";
        return text.Length > 0 && text[0] == ArmEvaluator.OpaqueMarker ? text[1..] : text;
    }
}
