using System.Text.Json.Nodes;

namespace Go1Sync.Deployment.Tests;

/// <summary>
/// Issue #12, item 4 "Infra": purge protection, resource logs, private networking of storage and Key
/// Vault, and role assignments at the narrowest scope, read from the compiled template and evaluated for
/// the parameter values that matter.
/// </summary>
public sealed class HardeningTemplateTests(CompiledInfrastructure infra) : IClassFixture<CompiledInfrastructure>
{
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";

    [Fact]
    public void KeyVaultPurgeProtection_ByDefault_IsOn()
    {
        var (template, vault) = infra.Single("Microsoft.KeyVault/vaults");
        var value = infra.Evaluator().Evaluate(template, vault["properties"]?["enablePurgeProtection"]);
        Assert.True(value?.GetValue<bool>(), "A default deployment leaves Key Vault purge protection off.");
    }

    [Theory]
    [InlineData("Microsoft.Storage/storageAccounts/blobServices,")]
    [InlineData("Microsoft.Storage/storageAccounts/queueServices,")]
    [InlineData("Microsoft.Storage/storageAccounts/tableServices,")]
    [InlineData("Microsoft.KeyVault/vaults,")]
    [InlineData("Microsoft.Web/sites,")]
    public void ResourceLogs_OfEachDataAndAppResource_GoToTheLogAnalyticsWorkspace(string target)
    {
        var evaluator = infra.Evaluator();
        var settings = infra.DeployedResourcesOfType(evaluator, "Microsoft.Insights/diagnosticSettings")
            .Where(x => Text(x.Evaluate("scope")).Contains(target, StringComparison.Ordinal))
            .ToList();

        var setting = Assert.Single(settings);
        var properties = setting.Evaluate("properties") as JsonObject;
        Assert.Contains("logAnalyticsWorkspaceId", Text(properties?["workspaceId"]), StringComparison.Ordinal);
        var logs = properties?["logs"] as JsonArray ?? [];
        Assert.Contains(logs, l => l?["categoryGroup"]?.GetValue<string>() == "allLogs" && l["enabled"]?.GetValue<bool>() == true);

        var (monitoringTemplate, _) = infra.Single("Microsoft.OperationalInsights/workspaces");
        Assert.StartsWith("[resourceId('Microsoft.OperationalInsights/workspaces'",
            monitoringTemplate.Template["outputs"]?["logAnalyticsWorkspaceId"]?["value"]?.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void PrivateNetworkingParameter_Declared_IsABoolThatIsOffByDefault()
    {
        var parameter = infra.Main.Template["parameters"]?["privateNetworking"];
        Assert.NotNull(parameter);
        Assert.Equal("bool", parameter["type"]?.GetValue<string>());
        Assert.False(parameter["defaultValue"]?.GetValue<bool>());
        Assert.False(string.IsNullOrWhiteSpace(parameter["metadata"]?["description"]?.GetValue<string>()));
    }

    /// <summary>
    /// Private networking on closes the public endpoint; off, it keeps the public endpoint the app
    /// needs (without VNet integration a Flex app calls from addresses that are neither fixed nor a
    /// trusted service).
    /// </summary>
    [Theory]
    [InlineData("Microsoft.Storage/storageAccounts", true, "Disabled", "Deny")]
    [InlineData("Microsoft.KeyVault/vaults", true, "Disabled", "Deny")]
    [InlineData("Microsoft.Storage/storageAccounts", false, "Enabled", "Allow")]
    [InlineData("Microsoft.KeyVault/vaults", false, "Enabled", "Allow")]
    public void PublicEndpoint_PrivateNetworkingOnOrOff_IsClosedOrKeptOpen(string type, bool privateNetworking, string publicNetworkAccess, string defaultAction)
    {
        var evaluator = privateNetworking ? On() : Off();
        var (template, resource) = infra.Single(type);
        var properties = evaluator.Evaluate(template, resource["properties"]) as JsonObject;

        Assert.Equal(publicNetworkAccess, properties?["publicNetworkAccess"]?.GetValue<string>());
        Assert.Equal(defaultAction, properties?["networkAcls"]?["defaultAction"]?.GetValue<string>());
    }

    [Fact]
    public void PrivateNetworking_On_GivesBlobQueueTableAndVaultAPrivateEndpointWithItsDnsZone()
    {
        var evaluator = On();
        var endpoints = infra.DeployedResourcesOfType(evaluator, "Microsoft.Network/privateEndpoints")
            .Select(x => x.Evaluate("properties")!)
            .ToList();

        var groups = endpoints
            .SelectMany(e => e["privateLinkServiceConnections"]!.AsArray())
            .SelectMany(c => c!["properties"]!["groupIds"]!.AsArray().Select(g => g!.GetValue<string>()))
            .Order()
            .ToArray();
        Assert.Equal(["blob", "queue", "table", "vault"], groups);

        var zones = infra.DeployedResourcesOfType(evaluator, "Microsoft.Network/privateDnsZones").Select(x => x.Name).ToList();
        // The suffixes come from environment() (the cloud), known only to Azure: the vault zone is
        // privatelink + the vault suffix with .vault. turned into .vaultcore.
        Assert.All(zones, z => Assert.StartsWith("privatelink", z, StringComparison.Ordinal));
        foreach (var part in new[] { "privatelink.blob.", "privatelink.queue.", "privatelink.table.", ".vaultcore." })
        {
            Assert.Single(zones, z => z.Contains(part, StringComparison.Ordinal));
        }

        Assert.Equal(zones.Count, infra.DeployedResourcesOfType(evaluator, "Microsoft.Network/privateDnsZones/virtualNetworkLinks").Count);
        Assert.Equal(endpoints.Count, infra.DeployedResourcesOfType(evaluator, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups").Count);
    }

    [Fact]
    public void PrivateNetworking_On_IntegratesTheAppIntoASubnetDelegatedToMicrosoftApp()
    {
        var evaluator = On();
        var (siteTemplate, site) = infra.Single("Microsoft.Web/sites");
        var subnetId = Text(evaluator.Evaluate(siteTemplate, site["properties"]?["virtualNetworkSubnetId"]));
        Assert.False(string.IsNullOrEmpty(subnetId), "The function app is not integrated into a subnet.");

        var vnet = Assert.Single(infra.DeployedResourcesOfType(evaluator, "Microsoft.Network/virtualNetworks"));
        var subnets = vnet.Evaluate("properties")?["subnets"] as JsonArray ?? [];
        var appSubnet = Assert.Single(subnets, s => (s?["properties"]?["delegations"] as JsonArray ?? [])
            .Any(d => d?["properties"]?["serviceName"]?.GetValue<string>() == "Microsoft.App/environments"));
        // The app gets the network module's appSubnetId output, which names that delegated subnet.
        Assert.Contains("outputs.appSubnetId", subnetId, StringComparison.Ordinal);
        var output = Text(evaluator.Evaluate(vnet.Template, vnet.Template.Template["outputs"]?["appSubnetId"]?["value"]));
        Assert.StartsWith("resourceId(Microsoft.Network/virtualNetworks/subnets, ", output, StringComparison.Ordinal);
        Assert.EndsWith($", {appSubnet!["name"]!.GetValue<string>()})", output, StringComparison.Ordinal);
    }

    [Fact]
    public void PrivateNetworking_On_KeepsTheFunctionAppPubliclyReachableForGo1sWebhook()
    {
        var evaluator = On();
        var (siteTemplate, site) = infra.Single("Microsoft.Web/sites");
        var access = evaluator.Evaluate(siteTemplate, site["properties"]?["publicNetworkAccess"]);

        Assert.True(access is null || access.GetValue<string>() == "Enabled", $"The function app's publicNetworkAccess is {access}.");
        Assert.DoesNotContain(infra.DeployedResourcesOfType(evaluator, "Microsoft.Network/privateEndpoints"),
            x => x.Resource.ToJsonString().Contains("'sites'", StringComparison.Ordinal));
    }

    [Fact]
    public void PrivateNetworking_Off_DeploysNoNetworkAndNoSubnetIntegration()
    {
        var evaluator = Off();
        foreach (var type in new[] { "Microsoft.Network/virtualNetworks", "Microsoft.Network/privateEndpoints", "Microsoft.Network/privateDnsZones" })
        {
            Assert.Empty(infra.DeployedResourcesOfType(evaluator, type));
        }

        var (siteTemplate, site) = infra.Single("Microsoft.Web/sites");
        Assert.Null(evaluator.Evaluate(siteTemplate, site["properties"]?["virtualNetworkSubnetId"]));
    }

    [Theory]
    [InlineData("client-id", "client-secret", new[] { "Go1ClientSecret", "LaunchSecret0", "LearnerIdKey", "WebhookSecret0" })]
    [InlineData("", "", new[] { "LaunchSecret0", "LearnerIdKey", "WebhookSecret0" })]
    public void KeyVaultSecretsUser_Scope_IsEachSecretTheAppReadsNeverTheVault(string clientId, string clientSecret, string[] secrets)
    {
        var evaluator = infra.Evaluator(new Dictionary<string, JsonNode?>
        {
            ["go1ClientId"] = JsonValue.Create(clientId),
            ["go1ClientSecret"] = JsonValue.Create(clientSecret),
        });

        var scopes = RoleScopes(evaluator, KeyVaultSecretsUser);

        Assert.Equal(secrets.Length, scopes.Count);
        Assert.All(scopes, s => Assert.Contains("secrets", s, StringComparison.Ordinal));
        foreach (var secret in secrets)
        {
            Assert.Single(scopes, s => s.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void StorageQueueDataContributor_Scope_IsTheEventQueueAndItsPoisonQueueNotTheAccount()
    {
        var scopes = RoleScopes(infra.Evaluator(), StorageQueueDataContributor);

        Assert.Equal(2, scopes.Count);
        Assert.All(scopes, s => Assert.Contains("queues", s, StringComparison.Ordinal));
        Assert.Single(scopes, s => s.EndsWith("attempt-events)", StringComparison.Ordinal) || s.EndsWith("/attempt-events", StringComparison.Ordinal));
        Assert.Single(scopes, s => s.Contains("attempt-events-poison", StringComparison.Ordinal));
    }

    [Fact]
    public void ReadmeWebhookRegistration_ForGo1_GivesAKeyOfTheWebhookFunctionOnly()
    {
        foreach (var readme in new[] { "README.md", "infra/README.md" })
        {
            var text = File.ReadAllText(RepoPaths.InRepo(readme));
            Assert.DoesNotContain("functionKeys.default", text, StringComparison.Ordinal);
            Assert.DoesNotContain("(the `webhookUrl` output plus `az functionapp keys list`)", text, StringComparison.Ordinal);
            Assert.Contains("--function-name Go1Webhook", text, StringComparison.Ordinal);
        }
    }

    private ArmEvaluator On() => infra.Evaluator(new Dictionary<string, JsonNode?> { ["privateNetworking"] = JsonValue.Create(true) });

    private ArmEvaluator Off() => infra.Evaluator(new Dictionary<string, JsonNode?> { ["privateNetworking"] = JsonValue.Create(false) });

    /// <summary>The evaluated scopes of the deployed role assignments of one role.</summary>
    private List<string> RoleScopes(ArmEvaluator evaluator, string roleId) =>
        infra.DeployedResourcesOfType(evaluator, "Microsoft.Authorization/roleAssignments")
            .Where(x => x.Template.ExpandStringVariables(x.Resource["properties"]?["roleDefinitionId"]?.GetValue<string>() ?? "").Contains(roleId, StringComparison.OrdinalIgnoreCase))
            .Select(x => Text(x.Evaluate("scope")))
            .ToList();

    private static string Text(JsonNode? node)
    {
        var text = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node?.ToJsonString() ?? "";
        return text.Length > 0 && text[0] == ArmEvaluator.OpaqueMarker ? text[1..] : text;
    }
}
