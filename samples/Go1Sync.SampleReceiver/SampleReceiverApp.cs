using System.Text.Json.Nodes;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace Go1Sync.SampleReceiver;

/// <summary>
/// The receiver: <c>POST /webhooks/go1sync</c> takes the app's <c>attempt.updated</c> webhooks;
/// <c>GET /attempts</c> answers what it holds (each attempt's latest <c>data</c>, by course and attempt id).
/// </summary>
public static class SampleReceiverApp
{
    public const string WebhookPath = "/webhooks/go1sync";

    public static WebApplication Build(string[] args, string secret, TextWriter output)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        // StandardWebhook strips the whsec_ prefix and checks the timestamp against the clock (5 minutes either way).
        var verifier = new StandardWebhook(secret);
        var attempts = new ReceivedAttempts();

        app.MapPost(WebhookPath, async (HttpRequest request) =>
        {
            // The signature is over the raw bytes: read them as they came, before any JSON parsing.
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
            try
            {
                verifier.Verify(body, request.Headers);
            }
            catch (WebhookVerificationException)
            {
                // A wrong or missing signature, or a timestamp too old or too new (a replay).
                return Results.Unauthorized();
            }
            var id = request.Headers["webhook-id"].ToString();
            var outcome = attempts.Apply(id, JsonNode.Parse(body)!);
            output.WriteLine($"{id} {outcome}");
            return Results.Ok();
        });
        app.MapGet("/attempts", () => Results.Json(attempts.Snapshot()));
        return app;
    }
}

/// <summary>What the receiver keeps: the webhook-ids seen (a redelivery is acknowledged and ignored) and, per attempt, the entry of the highest version; an attempt whose highest version is a removal is not reported.</summary>
public sealed class ReceivedAttempts
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _latest = new(StringComparer.Ordinal);

    /// <returns>"duplicate", "stale" (an older version than held), "removed" or "applied".</returns>
    public string Apply(string webhookId, JsonNode body)
    {
        var data = body["data"]!.AsObject();
        var key = $"{data["courseId"]!.GetValue<string>()}/{data["attemptId"]!.GetValue<string>()}";
        var version = data["version"]!.GetValue<long>();
        lock (_lock)
        {
            if (!_seen.Add(webhookId)) return "duplicate";
            if (_latest.TryGetValue(key, out var held) && held["version"]!.GetValue<long>() >= version) return "stale";
            // A removal is kept too (with its version, so an older update arriving late stays stale) but
            // is no longer an attempt of the LMS.
            _latest[key] = (JsonObject)data.DeepClone();
            return data["change"]?.GetValue<string>() == "removed" ? "removed" : "applied";
        }
    }

    public IReadOnlyDictionary<string, JsonObject> Snapshot()
    {
        lock (_lock)
            return _latest.Where(p => p.Value["change"]?.GetValue<string>() != "removed")
                .ToDictionary(p => p.Key, p => (JsonObject)p.Value.DeepClone(), StringComparer.Ordinal);
    }
}
