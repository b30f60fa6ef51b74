using System.Text.Json.Nodes;
using Go1Sync.Core.Outbound;
using Go1Sync.Core.Reporting;
using Go1Sync.Functions.Http;
using Go1Sync.Infrastructure.Outbound;

namespace Go1Sync.ContractTests;

/// <summary>
/// The outbound webhooks' contract with the LMS: each body (<c>attempt.updated</c>, the change's instant,
/// the feed entry as <c>GET /api/attempts/changes</c> writes it) and each <c>webhook-id</c>, for the
/// scenario's changes, pinned in a golden file; and the id's derivation pinned on a known position.
/// </summary>
[Collection(ContractCollection.Name)]
public sealed class OutboundContractTests(ContractScenario scenario)
{
    [Fact]
    public async Task Outbound_ScenarioChanges_BodiesAndWebhookIdsMatchGolden()
    {
        await using var host = await scenario.StartHostAsync(s => s["Feed:SafeLag"] = "00:00:00");
        var (page, _) = await host.Get<ChangeFeed>().ReadPositionedAsync(null, ChangeFeed.MaxLimit, CancellationToken.None);
        var entries = page!.Entries.Where(e => e.Change.Report.Attempt.CourseId.StartsWith(ContractScenario.Course, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(entries);

        var messages = new JsonArray();
        foreach (var entry in entries)
        {
            var body = OutboundPayload.Body(entry.Change);
            // data is byte for byte the entry the HTTP feed writes.
            using var document = JsonDocument.Parse(body);
            Assert.Equal(JsonSerializer.Serialize(entry.Change, ApiJson.Options), document.RootElement.GetProperty("data").GetRawText());
            messages.Add(new JsonObject { ["webhook-id"] = WebhookIds.For(entry.Position), ["body"] = JsonNode.Parse(body) });
        }
        GoldenFiles.Checked.Verify("outbound/attempt-updated.json", GoldenJson.Pretty(messages));
    }

    [Fact]
    public void WebhookId_KnownPosition_IsChgAndTheFirst16BytesOfSha256OfCourseNewlineRowKeyInLowercaseHex()
    {
        var position = new ChangePosition(638772848002500000, "go1-course-golden", "chg_0638772848002500000_abc");

        Assert.Equal("chg_6bcadf0b6896de6fd37c12464446e4ae", WebhookIds.For(position));
        // The ticks are not part of it: the course and row key name the change.
        Assert.Equal(WebhookIds.For(position), WebhookIds.For(position with { Ticks = 1 }));
    }
}
