namespace Go1Sync.Functions.Tests;

/// <summary>
/// The delivery receipt of an accepted request travels in the queued message (envelope schema
/// version 2, issue #14): intake writes the queue message only, and the processor writes the
/// receipt with the outcome. Messages of version 1 (no receipt) still apply, their record holding
/// the outcome only.
/// </summary>
public sealed class QueuedReceiptTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task AcceptedLaunch_ReceiptInTheMessage_IsInTheDeliveryLogWithItsOutcomeOnceProcessed()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        Assert.Equal(202, (await host.PostLaunchAsync("qr-a", "receipt@example.com", "qr-course", "web", "2025-06-01T08:00:00Z")).Status);

        var peeked = (await host.Queue.PeekMessageAsync()).Value;
        // The message is the only place the receipt is until processed: it never expires (time to live -1).
        Assert.Equal(DateTimeOffset.MaxValue.Year, peeked.ExpiresOn?.Year);
        var queued = EventEnvelope.FromJson(peeked.Body.ToString());
        Assert.Equal((2, 202, "qr-a", DeliverySources.Http), (queued.SchemaVersion, queued.Receipt!.HttpStatus, queued.Receipt.AttemptId, queued.Receipt.Source));
        Assert.DoesNotContain(await host.Get<IDeliveryLog>().FindAsync(new DeliveryQuery(since), CancellationToken.None), r => r.Identity == queued.Id);

        await host.DrainAsync();

        var record = Assert.Single(await host.Get<IDeliveryLog>().FindAsync(new DeliveryQuery(since), CancellationToken.None), r => r.Identity == queued.Id);
        Assert.Equal((queued.Id, EventKinds.Launch, 202, "qr-a", DeliveryOutcomes.Applied, queued.ReceivedAt),
            (record.Identity, record.Kind, record.HttpStatus, record.AttemptId, record.Outcome, record.ReceivedAt));
        Assert.Equal(host.Ids.Id("receipt@example.com"), record.LearnerHash);
    }

    [Fact]
    public async Task QueuedMessageOfSchemaVersion1_WithoutReceipt_AppliesAndRecordsTheOutcomeOnly()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var receivedAt = DateTimeOffset.UtcNow.AddSeconds(-5);
        var v1 = new System.Text.Json.Nodes.JsonObject
        {
            ["kind"] = "launch",
            ["schemaVersion"] = 1,
            ["id"] = "launch:qr-v1:2025-06-01T08:00:00.000Z",
            ["receivedAt"] = receivedAt.ToString("O"),
            ["payload"] = new System.Text.Json.Nodes.JsonObject
            {
                ["attemptId"] = "qr-v1", ["email"] = "v1@example.com", ["courseId"] = "qr-course-v1", ["platform"] = "web", ["launchedAt"] = "2025-06-01T08:00:00+00:00",
            },
        };
        await host.Queue.SendMessageAsync(v1.ToJsonString());

        Assert.Equal(1, (await host.DrainAsync()).SucceededCount);

        Assert.Single(await host.AttemptsAsync("v1@example.com", "qr-course-v1"));
        var record = Assert.Single(await host.Get<IDeliveryLog>().FindAsync(new DeliveryQuery(receivedAt.AddMinutes(-1)), CancellationToken.None), r => r.Identity == "launch:qr-v1:2025-06-01T08:00:00.000Z");
        Assert.Equal(("launch:qr-v1:2025-06-01T08:00:00.000Z", DeliveryOutcomes.Applied, 0, "n/a"), (record.Identity, record.Outcome, record.HttpStatus, record.Signature));
    }

    [Fact]
    public async Task QueuedReceipt_LearnerIdMadeBeforeAKeyRotation_KeepsTheKeyIdOfThatIdInTheRecord()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var receivedAt = DateTimeOffset.UtcNow.AddSeconds(-5);
        var oldId = new string('b', 64);
        // A launch intake accepted before the rotation, whose payload the processor parks (no attempt id):
        // the outcome knows no learner id of its own, so the record keeps the receipt's, under its key.
        var payload = System.Text.Json.JsonSerializer.SerializeToElement(new { email = "rotated@example.com", courseId = "qr-course-rot", platform = "web", launchedAt = "2025-06-01T08:00:00+00:00" });
        var envelope = new EventEnvelope(EventKinds.Launch, EventEnvelope.CurrentSchemaVersion, "launch:qr-rot:2025-06-01T08:00:00.000Z", receivedAt, payload);
        var queued = envelope.WithReceipt(new DeliveryReceipt(envelope.Id, envelope.Kind, null, receivedAt, "valid", 202, LearnerHash: oldId, LearnerIdKey: "0ld0key1"));
        await host.Queue.SendMessageAsync(queued.ToJson());

        await host.DrainAsync();

        var row = (await host.Get<Azure.Data.Tables.TableServiceClient>().GetTableClient(TableNames.Deliveries)
            .GetEntityAsync<Azure.Data.Tables.TableEntity>(TableDeliveryLog.Day(receivedAt), KeyEncoding.Escape(envelope.Id))).Value;
        Assert.Equal((DeliveryOutcomes.Parked, oldId, "0ld0key1"), (row.GetString("Outcome"), row.GetString("LearnerHash"), row.GetString(TableAttemptStore.LearnerIdKeyProperty)));
        Assert.NotEqual("0ld0key1", host.Ids.CurrentKeyId);
    }
}
