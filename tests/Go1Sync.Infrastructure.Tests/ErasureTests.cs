using System.Diagnostics.Metrics;
using Azure.Data.Tables;
using Go1Sync.Infrastructure.Erasure;

namespace Go1Sync.Infrastructure.Tests;

/// <summary>
/// The right to erasure: <c>go1sync forget</c> and <c>POST /api/ops/forget</c> remove one learner from
/// every table and from parked and poison messages, on Azurite, and a tombstone drops their later events.
/// </summary>
public sealed class ErasureTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private const string Course = "erasure-course";

    /// <summary>Writes the learner everywhere: launch and completion through the pipeline (aggregate,
    /// stats, open index, delivery records), a parked and a poison message, and the Go1 user cache row.</summary>
    private static async Task WriteEverywhereAsync(Go1SyncTestHost host, string email, string tag)
    {
        var hash = host.Ids.Id(email);
        await host.PostCourseAsync($$"""{"courseId":"{{Course}}","durationMinutes":60}""");
        Assert.Equal(202, (await host.PostLaunchAsync($"{tag}-a1", email, Course, "web", "2025-07-01T08:00:00Z")).Status);
        Assert.Equal(202, (await host.PostLaunchAsync($"{tag}-a2", email, Course + "-2", "web", "2025-07-01T09:00:00Z")).Status);
        Assert.Equal(202, (await host.PostCompletionAsync($"{tag}-enr", email, Course, "2025-07-01T08:30:00Z", passed: true)).Status);
        await host.DrainAsync();
        Assert.NotEmpty(await host.AttemptsAsync(email, Course));
        Assert.Contains(await host.OpenIndexRowsAsync(), r => r.GetString("LearnerHash") == hash);

        // Spelt differently from the stored one: the comparison is on the normalised email.
        await host.Get<IParkedStore>().ParkAsync(new ParkedMessage(ParkCategories.Unmatched, $"{tag}-parked", "test",
            $$$"""{"payload":{"email":"  {{{email.ToUpperInvariant()}}} "}}""", DateTimeOffset.UtcNow), CancellationToken.None);
        await host.Poison.CreateIfNotExistsAsync();
        await host.Poison.SendMessageAsync(EventEnvelope.ForLaunch(
            new LaunchMessage($"{tag}-p", email, Course, Platform.Web, DateTimeOffset.Parse("2025-07-02T08:00:00Z")), $"{tag}-poison-id", DateTimeOffset.UtcNow).ToJson());
        await host.Get<TableServiceClient>().GetTableClient(TableNames.Go1Users)
            .UpsertEntityAsync(new TableEntity("user", hash) { ["UserId"] = "go1-user-1" });
        // An outbound webhook parked after its retries ran out: its body is the attempt, email included.
        await host.Get<Core.Outbound.IOutboundStore>().ParkAsync(new Core.Outbound.ParkedWebhook(
            Core.Outbound.WebhookIds.For(new Core.Reporting.ChangePosition(0, Course, $"chg_{tag}")),
            $$$"""{"type":"attempt.updated","data":{"email":"{{{email}}}","courseId":"{{{Course}}}"}}""", "", DateTimeOffset.UtcNow, 10, 500, "answered 500", DateTimeOffset.UtcNow), CancellationToken.None);
    }

    /// <summary>Another learner's data, which erasure must leave alone (bob@ is inside jimbob@).</summary>
    private const string NeighbourWebhookId = "chg_0000000000000000000000000000beef";

    private static async Task WriteNeighbourAsync(Go1SyncTestHost host, string neighbour)
    {
        await host.Get<Core.Outbound.IOutboundStore>().ParkAsync(new Core.Outbound.ParkedWebhook(NeighbourWebhookId,
            $$$"""{"type":"attempt.updated","data":{"email":"{{{neighbour}}}"}}""", "", DateTimeOffset.UtcNow, 10, 500, "answered 500", DateTimeOffset.UtcNow), CancellationToken.None);
        await host.PostLaunchAsync("neighbour-a", neighbour, Course, "web", "2025-07-01T08:00:00Z");
        await host.DrainAsync();
        await host.Get<IParkedStore>().ParkAsync(new ParkedMessage(ParkCategories.Unmatched, "neighbour-parked", "test",
            $$$"""{"payload":{"email":"{{{neighbour}}}"}}""", DateTimeOffset.UtcNow), CancellationToken.None);
        await host.Poison.CreateIfNotExistsAsync();
        await host.Poison.SendMessageAsync($$"""{"email":"{{neighbour}}"}""");
    }

    /// <summary>
    /// Every property of every row of every table but <c>Tombstones</c>, and every message of both queues, that mentions the needle;
    /// except the tombstone aggregates erasure leaves in the learner's course partitions, which must hold nothing but the erasure time.
    /// </summary>
    private static async Task<List<string>> TracesAsync(Go1SyncTestHost host, string email)
    {
        var hash = host.Ids.Id(email);
        var normalized = LearnerEmail.Normalize(email);
        // A whole address or hash, not one inside another (the neighbour jimbob@ holds bob@).
        var needle = new System.Text.RegularExpressions.Regex($@"(?<![\w.%+@-])({System.Text.RegularExpressions.Regex.Escape(normalized)}|{hash})(?![\w.%+@-])",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        bool Mentions(string? text) => text is not null && needle.IsMatch(text);
        var traces = new List<string>();
        var tables = host.Get<TableServiceClient>();
        foreach (var name in TableNames.All.Where(t => t != TableNames.Tombstones))
            await foreach (var row in tables.GetTableClient(name).QueryAsync<TableEntity>())
            {
                if (name == TableNames.AttemptStats && row.RowKey == CourseRows.Aggregate(hash) && IsBareTombstone(row)) continue;
                foreach (var (key, value) in row)
                    if (Mentions(value is byte[] ? null : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)))
                        traces.Add($"{name} {row.PartitionKey}/{row.RowKey} {key}");
            }
        foreach (var queue in new[] { host.Queue, host.Poison })
            foreach (var message in (await queue.PeekMessagesAsync(32)).Value)
                if (Mentions(message.Body.ToString())) traces.Add($"queue {queue.Name} {message.MessageId}");
        return traces;
    }

    /// <summary>A tombstone aggregate: the erasure time and the row's own keys and metadata, nothing else (no email, no history).</summary>
    private static bool IsBareTombstone(TableEntity row) =>
        row.GetDateTimeOffset(TableAttemptStore.ErasedProperty) is not null
        && row.Keys.All(k => k is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag" or TableAttemptStore.ErasedProperty);

    /// <summary>The learner's tombstone aggregates, by course partition.</summary>
    private static async Task<List<string>> TombstoneAggregatesAsync(Go1SyncTestHost host, string email)
    {
        var partitions = new List<string>();
        await foreach (var row in host.Get<TableServiceClient>().GetTableClient(TableNames.AttemptStats).QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"RowKey eq {CourseRows.Aggregate(host.Ids.Id(email))}")))
        {
            Assert.True(IsBareTombstone(row), string.Join(", ", row.Keys));
            partitions.Add(row.PartitionKey);
        }
        partitions.Sort(StringComparer.Ordinal);
        return partitions;
    }

    [Fact]
    public async Task Forget_LearnerWrittenEverywhere_LeavesNoTraceOfEmailOrHashInAnyTableOrQueueAndCountsEachPlace()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        const string email = "bob@erasure.example.com";
        await WriteEverywhereAsync(host, email, "e1");
        await WriteNeighbourAsync(host, "jimbob@erasure.example.com");
        Assert.NotEmpty(await TracesAsync(host, email));

        var report = await host.Get<LearnerErasure>().EraseAsync("Bob@Erasure.Example.com ", CancellationToken.None);

        Assert.Empty(await TracesAsync(host, email));
        // Each aggregate became a tombstone in its course partition, and holds nothing else.
        Assert.Equal([Course, Course + "-2"], await TombstoneAggregatesAsync(host, email));
        // Two courses: two (learner, course) pairs (course-list rows deleted, aggregates tombstoned) and two stats rows; the second course's attempt is still open.
        Assert.Equal((2, 2, 1, 1, 3, 1, 1), (report.Attempts, report.AttemptStats, report.OpenAttempts, report.Go1Users, report.Deliveries, report.Parked, report.Poison));
        var tombstone = Assert.Single(host.Get<TableServiceClient>().GetTableClient(TableNames.Tombstones).Query<TableEntity>(
            $"PartitionKey eq '{TableLearnerTombstones.Partition}' and RowKey eq '{host.Ids.Id(email)}'"));
        Assert.Equal(host.Ids.CurrentKeyId, tombstone.GetString("LearnerIdKey"));
        Assert.DoesNotContain(tombstone, p => p.Value is string s && s.Contains('@', StringComparison.Ordinal));
        // The neighbour keeps everything.
        Assert.Single(await host.AttemptsAsync("jimbob@erasure.example.com", Course));
        Assert.Contains(await host.Get<IParkedStore>().ListAsync(null, CancellationToken.None), p => p.MessageId == "neighbour-parked");
        Assert.Single((await host.Poison.PeekMessagesAsync(32)).Value);
        Assert.Contains(await host.Get<Core.Outbound.IOutboundStore>().ListParkedAsync(CancellationToken.None), p => p.WebhookId == NeighbourWebhookId);
    }

    [Fact]
    public async Task LaunchOnANewCourse_AfterForget_IsDroppedAndLeavesNoTrace()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        const string email = "newcourse@erasure.example.com";
        await WriteEverywhereAsync(host, email, "e3");
        await host.Get<LearnerErasure>().EraseAsync(email, CancellationToken.None);

        // A course the learner never had: no tombstone aggregate there, so the writer lists the
        // pair, finds the learner tombstone, drops the event and takes the listing back.
        Assert.Equal(202, (await host.PostLaunchAsync("e3-new", email, "erasure-new-course", "web", "2025-07-04T08:00:00Z")).Status);
        Assert.Equal(0, (await host.DrainAsync()).FailedCount);

        Assert.Empty(await host.AttemptsAsync(email, "erasure-new-course"));
        Assert.Empty(await TracesAsync(host, email));
    }

    [Fact]
    public async Task FirstEventsRacingAnErasure_TheOneThatSeesTheTombstone_ErasesThePairSoTheOtherCannotInsert()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        const string email = "race@erasure.example.com";
        const string course = "erasure-race-course";
        var store = host.Get<IAttemptStore>();
        var key = LearnerCourseKey.For(host.Ids, email, course);
        // W1, a first event on the course, lists the pair and finds no tombstone yet…
        await store.RegisterAsync(key, course, CancellationToken.None);
        Assert.False(await host.Get<ILearnerTombstones>().IsErasedAsync(email, CancellationToken.None));
        var w1 = host.Rules.Accept(LearnerCourseHistory.Empty(email, course), new Launch("race-a", email, course, Platform.Web, DateTimeOffset.Parse("2025-07-05T08:00:00Z")));
        // …the erasure writes its tombstone (its first step)…
        await host.Get<TableLearnerTombstones>().RecordAsync(host.Ids.Id(email), DateTimeOffset.UtcNow, CancellationToken.None);
        // …W2, another first event, finds no aggregate, lists the pair (already listed) and meets the tombstone…
        Assert.Equal(202, (await host.PostLaunchAsync("race-b", email, course, "web", "2025-07-05T09:00:00Z")).Status);
        Assert.Equal(0, (await host.DrainAsync()).FailedCount);
        // …then the erasure reads the course list and goes on to its end.
        await host.Get<LearnerErasure>().EraseAsync(email, CancellationToken.None);

        // W1's insert comes last: it must fail, and its re-read sees a tombstone.
        Assert.Null(await store.TryCommitAsync(new AggregateWrite(key, w1.History, null, null, []), CancellationToken.None));
        Assert.True((await store.GetAsync(key, CancellationToken.None))!.Erased);
        Assert.Empty(await TracesAsync(host, email));
    }

    [Fact]
    public async Task LateCompletion_AfterForget_IsDroppedCountedAndLoggedAsErasedNotApplied()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        const string email = "late@erasure.example.com";
        var hash = host.Ids.Id(email);
        await WriteEverywhereAsync(host, email, "e2");
        await host.Get<LearnerErasure>().EraseAsync(email, CancellationToken.None);
        long erased = 0;
        using var listener = new MeterListener();
        var meterFactory = host.Get<IMeterFactory>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "go1sync.events.erased" && instrument.Meter.Scope == meterFactory) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref erased, value));
        listener.Start();
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);

        Assert.Equal(202, (await host.PostCompletionAsync("e2-late", email, Course, "2025-07-03T08:30:00Z", passed: true)).Status);
        var drained = await host.DrainAsync();

        Assert.Equal(0, drained.FailedCount);
        Assert.Empty(await host.AttemptsAsync(email, Course));
        Assert.DoesNotContain(await host.StatsRowsAsync(Course), r => r.GetString("LearnerHash") == hash);
        Assert.DoesNotContain(await host.Get<IParkedStore>().ListAsync(null, CancellationToken.None), p => p.Body.Contains(email, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(1, erased);
        var record = Assert.Single(await host.Get<IDeliveryLog>().FindAsync(new DeliveryQuery(since, "e2-late"), CancellationToken.None));
        Assert.Equal(DeliveryOutcomes.Erased, record.Outcome);
        // The receipt in the message named the learner; the erased learner's record does not.
        Assert.Null(record.LearnerHash);
    }

    [Fact]
    public async Task OpsForget_EmailInTheBody_ErasesAnswersCountsPerPlaceAndNeverLogsTheEmail()
    {
        var capture = new CapturingLoggerProvider();
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite, services: s => s.AddLogging(b => b.AddProvider(capture).SetMinimumLevel(LogLevel.Trace)));
        const string email = "ops.forget@erasure.example.com";
        await WriteEverywhereAsync(host, email, "e3");

        var answer = await Go1SyncTestHost.InvokeAsync(r => host.Function<OperationsFunctions>().ForgetLearner(r, CancellationToken.None), $$"""{"email":"{{email}}"}""");

        Assert.Equal(200, answer.Status);
        var body = JsonDocument.Parse(answer.Body).RootElement;
        Assert.Equal(2, body.GetProperty("attempts").GetInt32());
        Assert.Equal(1, body.GetProperty("poison").GetInt32());
        Assert.Empty(await TracesAsync(host, email));
        Assert.DoesNotContain(capture.Lines, l => l.Contains(email, StringComparison.OrdinalIgnoreCase));
        Assert.Contains(capture.Lines, l => l.Contains("Erased learner o***@erasure.example.com", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpsForget_NoEmailInTheBody_Is400NamingEmail()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var answer = await Go1SyncTestHost.InvokeAsync(r => host.Function<OperationsFunctions>().ForgetLearner(r, CancellationToken.None), """{"learner":"x"}""");
        Assert.Equal(400, answer.Status);
        Assert.Contains("email", answer.Body, StringComparison.Ordinal);
    }
}
