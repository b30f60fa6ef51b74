using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Go1Sync.Deployment.Tests;

/// <summary>
/// What infra/main.bicep deploys, read from the ARM JSON the real Bicep CLI compiles it to.
/// </summary>
public sealed partial class InfrastructureTemplateTests(CompiledInfrastructure infra) : IClassFixture<CompiledInfrastructure>
{
    private static readonly string[] IdentityBasedStorageSettings =
    [
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
        "AzureWebJobsStorage__blobServiceUri",
        "AzureWebJobsStorage__queueServiceUri",
        "AzureWebJobsStorage__tableServiceUri",
    ];

    /// <summary>Built-in role definition ids the app identity must hold, and nothing else.</summary>
    private static readonly IReadOnlyDictionary<string, string> ExpectedRoles = new Dictionary<string, string>
    {
        ["b7e6dc6d-f1e8-4753-8033-0f276bb0955b"] = "Storage Blob Data Owner",
        ["974c5e8b-45b9-4653-ba55-5f855dd0fb88"] = "Storage Queue Data Contributor",
        ["0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"] = "Storage Table Data Contributor",
        ["3913510d-42f4-4e42-8a64-420c390055eb"] = "Monitoring Metrics Publisher",
        ["4633458b-17de-408a-b874-0445c86b69e6"] = "Key Vault Secrets User",
    };

    [Fact]
    public void MainTemplate_WithTheRestoredBicepCli_CompilesWithoutAnyWarningOrError()
    {
        Assert.Equal(0, infra.Build.ExitCode);
        Assert.True(infra.Build.Output.Length == 0, $"bicep build printed diagnostics:\n{infra.Build.Output}");
    }

    [Fact]
    public void FunctionApp_EverySettingInLocalSettingsSample_HasAnAppSetting()
    {
        var deployed = infra.FunctionAppSettings().Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        var sampleKeys = SampleSettings.LoadKeysDeployedToAzure();

        Assert.NotEmpty(sampleKeys);
        var missing = sampleKeys.Where(k => !deployed.Contains(k)).ToList();
        Assert.True(missing.Count == 0, $"Settings in local.settings.sample.json with no app setting in infra/main.bicep: {string.Join(", ", missing)}");
    }

    [Fact]
    public void FunctionAppSettings_InTheTemplate_AreDeclaredOnceEach()
    {
        var duplicates = infra.FunctionAppSettings()
            .GroupBy(s => s.Key, StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Count() > 1)
            .Select(g => g.Key)
            .ToList();
        Assert.Empty(duplicates);
    }

    [Fact]
    public void FunctionApp_ReachingStorage_UsesItsManagedIdentityAndNoConnectionString()
    {
        var settings = infra.FunctionAppSettings().ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);

        foreach (var name in IdentityBasedStorageSettings)
        {
            Assert.True(settings.ContainsKey(name), $"App setting {name} is missing.");
        }

        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]?.GetValue<string>());
        Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys);
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", settings.Keys);
    }

    [Fact]
    public void Go1AndWebhookSecrets_InAzure_AreKeyVaultReferencesResolvedWithTheAppIdentity()
    {
        var settings = infra.FunctionAppSettings().ToDictionary(s => s.Key, s => s.Value?.ToJsonString() ?? "", StringComparer.Ordinal);

        Assert.Contains("@Microsoft.KeyVault(SecretUri=", settings["Go1__ClientSecret"], StringComparison.Ordinal);
        Assert.Contains("@Microsoft.KeyVault(SecretUri=", settings["Webhook__Secrets__0"], StringComparison.Ordinal);

        var (_, site) = infra.Single("Microsoft.Web/sites");
        Assert.Equal("UserAssigned", site["identity"]?["type"]?.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(site["properties"]?["keyVaultReferenceIdentity"]?.GetValue<string>()));

        var (_, vault) = infra.Single("Microsoft.KeyVault/vaults");
        Assert.True(vault["properties"]?["enableRbacAuthorization"]?.GetValue<bool>());
        Assert.True(vault["properties"]?["enableSoftDelete"]?.GetValue<bool>());
    }

    [Fact]
    public void UnsignedWebhookDeliveries_InAzure_AreRefused()
    {
        var settings = infra.FunctionAppSettings().ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
        Assert.Equal("false", settings["Webhook__AllowUnsigned"]?.GetValue<string>());
    }

    [Fact]
    public void FunctionApp_InAzure_RunsDotnetIsolated10OnFlexConsumptionOverHttpsOnly()
    {
        var (_, plan) = infra.Single("Microsoft.Web/serverfarms");
        Assert.Equal("FC1", plan["sku"]?["name"]?.GetValue<string>());

        var (_, site) = infra.Single("Microsoft.Web/sites");
        var properties = site["properties"]!;
        Assert.Equal("functionapp,linux", site["kind"]?.GetValue<string>());
        Assert.True(properties["httpsOnly"]?.GetValue<bool>());

        var config = properties["functionAppConfig"]!;
        Assert.Equal("dotnet-isolated", config["runtime"]?["name"]?.GetValue<string>());
        Assert.Equal("10.0", config["runtime"]?["version"]?.GetValue<string>());
        Assert.Equal("blobContainer", config["deployment"]?["storage"]?["type"]?.GetValue<string>());
        Assert.Equal("UserAssignedIdentity", config["deployment"]?["storage"]?["authentication"]?["type"]?.GetValue<string>());
    }

    [Fact]
    public void StorageAccount_InAzure_RefusesSharedKeysPublicBlobsAndTlsBelow12()
    {
        var (_, storage) = infra.Single("Microsoft.Storage/storageAccounts");
        var properties = storage["properties"]!;

        Assert.False(properties["allowSharedKeyAccess"]?.GetValue<bool>());
        Assert.Equal("TLS1_2", properties["minimumTlsVersion"]?.GetValue<string>());
        Assert.False(properties["allowBlobPublicAccess"]?.GetValue<bool>());
        Assert.True(properties["supportsHttpsTrafficOnly"]?.GetValue<bool>());
    }

    [Fact]
    public void AppIdentity_RoleAssignments_AreExactlyTheFiveDataPlaneRolesItNeeds()
    {
        var assignments = infra.ResourcesOfType("Microsoft.Authorization/roleAssignments");
        var identityPrincipalId = IdentityPrincipalIdExpression();

        var granted = new List<string>();
        foreach (var (template, assignment) in assignments)
        {
            var roleDefinitionId = template.ExpandStringVariables(assignment["properties"]?["roleDefinitionId"]?.GetValue<string>() ?? "");
            var guid = Guid().Match(roleDefinitionId);
            Assert.True(guid.Success, $"Role assignment in {template.Path} has no role definition GUID: {roleDefinitionId}");
            granted.Add(guid.Value.ToLowerInvariant());

            var principal = template.Resolve(assignment["properties"]?["principalId"])?.GetValue<string>() ?? "";
            Assert.True(principal == identityPrincipalId, $"Role assignment in {template.Path} is for {principal}, not the app identity ({identityPrincipalId}).");
            Assert.Equal("ServicePrincipal", assignment["properties"]?["principalType"]?.GetValue<string>());
        }

        static string Describe(IEnumerable<string> ids) =>
            string.Join(", ", ids.Order().Select(id => ExpectedRoles.TryGetValue(id, out var name) ? name : $"unexpected role {id}"));
        // Roles scoped to each queue or each secret appear once per queue or secret.
        Assert.Equal(Describe(ExpectedRoles.Keys), Describe(granted.Distinct()));
    }

    [Fact]
    public void OutputsAndPlainParameters_AnyName_IsNeverLikeASecret()
    {
        var offenders = new List<string>();
        foreach (var template in infra.AllTemplates)
        {
            offenders.AddRange(template.Outputs
                .Where(o => o.Key.Contains("secret", StringComparison.OrdinalIgnoreCase))
                .Select(o => $"{template.Path}: output {o.Key}"));
            offenders.AddRange(template.Parameters
                .Where(p => p.Key.Contains("secret", StringComparison.OrdinalIgnoreCase))
                .Where(p => !IsSecureType(p.Value?["type"]?.GetValue<string>()))
                .Select(p => $"{template.Path}: parameter {p.Key} ({p.Value?["type"]})"));
        }

        Assert.True(offenders.Count == 0, $"Secret-like names outside secure parameters: {string.Join("; ", offenders)}");
    }

    /// <summary>The expression the main template passes for the identity module's principalId output.</summary>
    private string IdentityPrincipalIdExpression()
    {
        var identityModule = infra.AllTemplates.Single(t =>
            t.Resources.Any(r => ArmTemplate.TypeOf(r) == "Microsoft.ManagedIdentity/userAssignedIdentities"));
        var moduleName = identityModule.Deployment?["name"]?.GetValue<string>()
            ?? throw new InvalidOperationException("The managed identity is expected in its own module.");
        return $"[reference(resourceId('Microsoft.Resources/deployments', '{moduleName}'), '{identityModule.Deployment!["apiVersion"]}').outputs.principalId.value]";
    }

    private static bool IsSecureType(string? type) =>
        string.Equals(type, "securestring", StringComparison.OrdinalIgnoreCase)
        || string.Equals(type, "secureobject", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex Guid();
}
