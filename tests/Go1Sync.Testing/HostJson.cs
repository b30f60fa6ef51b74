using System.Text.Json;

namespace Go1Sync.Testing;

/// <summary>The queue settings of the repository's host.json, so the test driver behaves as configured.</summary>
public static class HostJson
{
    private static readonly JsonElement Queues = Load();

    public static int MaxDequeueCount => Queues.GetProperty("maxDequeueCount").GetInt32();
    public static int BatchSize => Queues.GetProperty("batchSize").GetInt32();
    /// <summary>The host fetches another batch when this few messages are still being processed.</summary>
    public static int NewBatchThreshold => Queues.GetProperty("newBatchThreshold").GetInt32();
    public static string MessageEncoding => Queues.GetProperty("messageEncoding").GetString()!;

    private static JsonElement Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")));
        return doc.RootElement.GetProperty("extensions").GetProperty("queues").Clone();
    }
}
