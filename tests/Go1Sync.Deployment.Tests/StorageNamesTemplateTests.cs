using System.Text.Json.Nodes;

namespace Go1Sync.Deployment.Tests;

/// <summary>
/// infra/storage-names.json is the one list of storage names (the app's TableNames and QueueOptions
/// are held to it by StorageNamesTests in the integration tests): a deployment creates exactly its
/// tables and queues, and tells the app the same queue.
/// </summary>
public sealed class StorageNamesTemplateTests(CompiledInfrastructure infra) : IClassFixture<CompiledInfrastructure>
{
    private static readonly JsonObject Names =
        JsonNode.Parse(File.ReadAllText(RepoPaths.InRepo("infra/storage-names.json"))) as JsonObject
        ?? throw new InvalidOperationException("infra/storage-names.json is not a JSON object.");

    private static string Queue => Names["attemptEventsQueue"]!.GetValue<string>();

    private static string PoisonQueue => Queue + Names["poisonQueueSuffix"]!.GetValue<string>();

    /// <summary>The last segment of a child resource's name (account/default/Attempts gives Attempts).</summary>
    private static string Leaf(DeployedResource resource) => resource.Name.Split('/')[^1];

    [Fact]
    public void Deployment_Tables_AreExactlyThoseOfStorageNamesJson()
    {
        var expected = Names["tables"]!.AsArray().Select(t => t!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
        var tables = infra.DeployedResourcesOfType(infra.Evaluator(), "Microsoft.Storage/storageAccounts/tableServices/tables")
            .Select(Leaf).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, tables);
    }

    [Fact]
    public void Deployment_Queues_AreExactlyTheQueueAndPoisonQueueOfStorageNamesJson()
    {
        var queues = infra.DeployedResourcesOfType(infra.Evaluator(), "Microsoft.Storage/storageAccounts/queueServices/queues")
            .Select(Leaf).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(new[] { Queue, PoisonQueue }.Order(StringComparer.Ordinal), queues);
    }

    [Fact]
    public void AppSettingAttemptEventsQueue_InTheTemplate_IsTheQueueOfStorageNamesJson()
    {
        var settings = infra.EvaluatedAppSettings(infra.Evaluator());
        Assert.Equal(Queue, settings["AttemptEventsQueue"]!.GetValue<string>());
    }
}
