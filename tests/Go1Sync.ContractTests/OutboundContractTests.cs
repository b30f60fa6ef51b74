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

    [Fact]
    public async Task OutboundRows_EndpointStateAndAParkedChange_MatchGoldenAndReadBackAsWritten()
    {
        await using var host = await scenario.StartHostAsync();
        var store = host.Get<IOutboundStore>();
        var at = DateTimeOffset.Parse("2025-03-10T12:00:03.250Z", System.Globalization.CultureInfo.InvariantCulture);
        var cursor = ChangeCursor.Encode(new ChangePosition(at.UtcTicks, "go1-course-golden", "~c~0638772848032500000_abc_a1"));
        var state = new OutboundState
        {
            Cursor = cursor,
            Status = OutboundStatus.Retrying,
            ConsecutiveFailures = 2,
            FailingId = "chg_6bcadf0b6896de6fd37c12464446e4ae",
            NextAttemptAt = at.AddMinutes(5),
            LastAttemptAt = at,
            LastStatus = 503,
            LastError = "answered 503",
            LastSuccessAt = at.AddMinutes(-1),
            Delivered = 41,
        };
        var parked = new ParkedWebhook("chg_6bcadf0b6896de6fd37c12464446e4ae", """{"type":"attempt.updated","data":{"email":"golden@example.com"}}""",
            cursor, at, 10, 500, "answered 500", at.AddHours(76));
        var (_, version) = await store.ReadAsync(CancellationToken.None);
        await store.SaveAsync(state, version, CancellationToken.None);
        await store.ParkAsync(parked, CancellationToken.None);

        var rows = new JsonArray();
        foreach (var partition in new[] { TableOutboundStore.StatePartition, TableOutboundStore.FailedPartition })
            foreach (var row in await scenario.RowsAsync(TableNames.Outbound, partition))
                rows.Add(GoldenJson.Entity(TableNames.Outbound, row));
        GoldenFiles.Checked.Verify("tables/outbound.rows.json", GoldenJson.Pretty(rows));
        Assert.Equal(state, (await store.ReadAsync(CancellationToken.None)).State);
        Assert.Equal(parked, await store.GetParkedAsync(parked.WebhookId, CancellationToken.None));
    }
}
