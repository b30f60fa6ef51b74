using System.Text.Json.Nodes;

namespace Go1Sync.Deployment.Tests;

/// <summary>The app settings the app reads, as listed in local.settings.sample.json.</summary>
internal static class SampleSettings
{
    /// <summary>Settings that exist locally but are not app settings in Azure.</summary>
    /// <remarks>
    /// FUNCTIONS_WORKER_RUNTIME: Flex Consumption sets the runtime in functionAppConfig.
    /// AzureWebJobsStorage: replaced by the identity-based AzureWebJobsStorage__* settings.
    /// </remarks>
    public static readonly IReadOnlySet<string> LocalOnly = new HashSet<string>(StringComparer.Ordinal)
    {
        "FUNCTIONS_WORKER_RUNTIME",
        "AzureWebJobsStorage",
    };

    /// <summary>Every key of "Values" in local.settings.sample.json at the repository root.</summary>
    public static IReadOnlyList<string> LoadKeys()
    {
        var path = RepoPaths.InRepo("local.settings.sample.json");
        var root = JsonNode.Parse(File.ReadAllText(path))
            ?? throw new InvalidOperationException($"{path} is empty.");
        var values = root["Values"] as JsonObject
            ?? throw new InvalidOperationException($"{path} has no \"Values\" object.");
        return values.Select(p => p.Key).ToList();
    }

    /// <summary>The keys of local.settings.sample.json that must be app settings in Azure.</summary>
    public static IReadOnlyList<string> LoadKeysDeployedToAzure() =>
        LoadKeys().Where(k => !LocalOnly.Contains(k)).ToList();
}
