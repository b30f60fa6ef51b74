using Azure.Data.Tables;
using Go1Sync.Infrastructure.Health;
using Go1Sync.Infrastructure.Configuration;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Go1Sync.Functions.Tests;

/// <summary>What operators rely on: health, the delivery log, metrics and correlated logs.</summary>
public sealed class ObservabilityTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private static async Task<JsonElement> HealthAsync(Go1SyncTestHost host, int expectedStatus)
    {
        var answer = await Go1SyncTestHost.GetAsync(r => host.Function<HealthFunction>().Run(r, CancellationToken.None));
        Assert.Equal(expectedStatus, answer.Status);
        return JsonDocument.Parse(answer.Body).RootElement;
    }

    [Fact]
    public async Task Health_WithStorageUpAndNothingStuck_Is200()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var health = await HealthAsync(host, 200);
        Assert.Equal("Healthy", health.GetProperty("checks").GetProperty("storage").GetProperty("status").GetString());
        Assert.Equal(0, health.GetProperty("checks").GetProperty("backlog").GetProperty("data").GetProperty("poisonDepth").GetInt32());
    }

    [Fact]
    public async Task Health_WithAMessageInPoison_Is503NamingTheBacklogCheck()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        await host.Poison.SendMessageAsync("{}");
        var health = await HealthAsync(host, 503);
        Assert.Equal(["backlog"], health.GetProperty("failing").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("poison", health.GetProperty("checks").GetProperty("backlog").GetProperty("description").GetString());
    }

    [Fact]
    public async Task Health_WithStorageDown_Is503NamingTheStorageCheck()
    {
        var own = await Azurite.StartInMemoryAsync();
        await using var host = await Go1SyncTestHost.StartAsync(own, s => s["AzureWebJobsStorage"] = own.ConnectionString);
        await own.DisposeAsync();
        var health = await HealthAsync(host, 503);
        Assert.Contains("storage", health.GetProperty("failing").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task HealthAnswer_WithStorageDown_NamesTheFailingCheckWithoutExceptionTextAndTheLogHasTheException()
    {
        var capture = new CapturingLoggerProvider();
        var own = await Azurite.StartInMemoryAsync();
        await using var host = await Go1SyncTestHost.StartAsync(own, s => s["AzureWebJobsStorage"] = own.ConnectionString,
            services => services.AddLogging(b => b.AddProvider(capture).SetMinimumLevel(LogLevel.Trace)));
        await own.DisposeAsync();

        var answer = await Go1SyncTestHost.GetAsync(r => host.Function<HealthFunction>().Run(r, CancellationToken.None));

        Assert.Equal(503, answer.Status);
        var health = JsonDocument.Parse(answer.Body).RootElement;
        Assert.Contains("storage", health.GetProperty("failing").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("storage does not answer", health.GetProperty("checks").GetProperty("storage").GetProperty("description").GetString());
        Assert.DoesNotContain("Exception", answer.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", answer.Body, StringComparison.Ordinal);
        Assert.Contains(capture.Lines, l => l.Contains("storage", StringComparison.Ordinal) && l.Contains("Exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HealthAnswer_AfterAFailedSweep_NamesTheSweepCheckWithoutTheFailureText()
    {
        await using var own = await Azurite.StartInMemoryAsync();
        await using var host = await Go1SyncTestHost.StartAsync(own, s => s["AzureWebJobsStorage"] = own.ConnectionString);
        await host.Get<TableServiceClient>().GetTableClient(TableNames.Go1Users).UpsertEntityAsync(new TableEntity(
            Go1Sync.Infrastructure.Sweep.ReconciliationSweep.StatePartition, Go1Sync.Infrastructure.Sweep.ReconciliationSweep.StateRow)
        {
            ["LastRunAt"] = DateTimeOffset.UtcNow,
            ["Outcome"] = "failed: InvalidOperationException: token endpoint said internal-detail-7731",
            ["Recovered"] = 0,
        });

        var answer = await Go1SyncTestHost.GetAsync(r => host.Function<HealthFunction>().Run(r, CancellationToken.None));

        Assert.Equal(503, answer.Status);
        var health = JsonDocument.Parse(answer.Body).RootElement;
        Assert.Equal(["sweep"], health.GetProperty("failing").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("the last sweep failed", health.GetProperty("checks").GetProperty("sweep").GetProperty("description").GetString());
        Assert.DoesNotContain("internal-detail-7731", answer.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", answer.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeliveryLog_AnswersWhatHappened_ForAppliedDuplicateParkedRefusedAndFailedDeliveriesWithoutEmails()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite, s => s["Processing:OnlyKnownLearners"] = "true");
        const string email = "Where.Is.My@Completion.example";
        await host.PostLaunchAsync("dl-a", email, "dl-course", "web", "2025-09-01T08:00:00Z");
        await host.DrainAsync();
        await host.PostCompletionAsync("dl-enr", email, "dl-course", "2025-09-01T09:00:00Z", passed: true);
        await host.DrainAsync();
        await host.PostCompletionAsync("dl-enr", email, "dl-course", "2025-09-01T09:00:00Z", passed: true); // Go1 retry
        await host.PostCompletionAsync("dl-stranger", "stranger@example.com", "dl-course", "2025-09-01T09:00:00Z", passed: true);
        await host.PostWebhookAsync("""{"event_type":"enrollment.complete","data":{"lo_id":"x"}}""");
        await host.DrainAsync();
        // A message that fails on every delivery.
        var key = LearnerCourseKey.For(host.Ids, "broken-dl@example.com", "dl-course");
        await host.Get<TableServiceClient>().GetTableClient(TableNames.Attempts).AddEntityAsync(new TableEntity(key.LearnerHash, key.CourseKey) { ["Format"] = "?" });
        await host.PostLaunchAsync("dl-broken", "broken-dl@example.com", "dl-course", "web", "2025-09-01T08:00:00Z");
        await host.DrainAsync();

        var records = await host.Get<IDeliveryLog>().FindAsync(new DeliveryQuery(DateTimeOffset.UtcNow.AddHours(-1)), CancellationToken.None);
        var byId = records.Where(r => !r.Identity.StartsWith("refused:", StringComparison.Ordinal)).ToDictionary(r => r.Identity);
        Assert.Equal(("applied", 202, "unsigned"), (byId["go1:evt-dl-enr"].Outcome, byId["go1:evt-dl-enr"].HttpStatus, byId["go1:evt-dl-enr"].Signature));
        Assert.Contains("dl-a", byId["go1:evt-dl-enr"].OutcomeDetail);
        Assert.Equal("dl-enr", byId["go1:evt-dl-enr"].EnrolmentId);
        Assert.Equal(host.Ids.Id(email), byId["go1:evt-dl-enr"].LearnerHash);
        Assert.Equal("parked", byId["go1:evt-dl-stranger"].Outcome);
        Assert.Equal("failed", byId["launch:dl-broken:2025-09-01T08:00:00.000Z"].Outcome);
        Assert.StartsWith($"delivery {Go1Sync.Testing.HostJson.MaxDequeueCount}:", byId["launch:dl-broken:2025-09-01T08:00:00.000Z"].OutcomeDetail);
        var refused = Assert.Single(records, r => r.Identity.StartsWith("refused:", StringComparison.Ordinal) && r.Kind == "webhook");
        Assert.Equal((400, "data.id"), (refused.HttpStatus, refused.Detail));

        // The Go1 retry of an applied completion: the same record, still saying what the first delivery did, marked as redelivered.
        var retried = Assert.Single(await host.Get<IDeliveryLog>().FindAsync(new DeliveryQuery(DateTimeOffset.UtcNow.AddHours(-1), EnrolmentId: "dl-enr"), CancellationToken.None));
        Assert.Equal("applied", retried.Outcome);
        var raw = host.Get<TableServiceClient>().GetTableClient(TableNames.Deliveries).Query<TableEntity>(e => e.RowKey == "go1:evt-dl-enr").ToList();
        Assert.True(retried.DuplicateAt is not null, string.Join(" | ", raw.Select(e => string.Join(",", e.Select(kv => $"{kv.Key}={kv.Value}")))));
        // An event whose only processing found it already applied says so.
        await host.Queue.SendMessageAsync(EventEnvelope.ForCompletion(new CompletionMessage
        {
            Source = "sweep", EnrolmentId = "dl-enr", Email = email, CourseId = "dl-course", CompletedAt = DateTimeOffset.Parse("2025-09-01T09:00:00Z"), Passed = true,
        }, "sweep:dl-enr", DateTimeOffset.UtcNow).ToJson());
        await host.DrainAsync();
        var sweepRecord = Assert.Single(await host.Get<IDeliveryLog>().FindAsync(new DeliveryQuery(DateTimeOffset.UtcNow.AddHours(-1)), CancellationToken.None), r => r.Identity == "sweep:dl-enr");
        Assert.Equal("duplicate", sweepRecord.Outcome);

        // By learner: the launch, the completion (with its Go1 retry), and the sweep's copy, whose
        // record learnt the learner only when it was processed.
        var byEmail = await host.Get<IDeliveryLog>().FindAsync(new DeliveryQuery(DateTimeOffset.UtcNow.AddHours(-1), LearnerHash: host.Ids.Id(email)), CancellationToken.None);
        Assert.Equal(["go1:evt-dl-enr", "launch:dl-a:2025-09-01T08:00:00.000Z", "sweep:dl-enr"], byEmail.Select(r => r.Identity).Order());
        Assert.DoesNotContain(email.ToLowerInvariant(), JsonSerializer.Serialize(records).ToLowerInvariant(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeliveryLog_OverTime_KeepsRecordsForTheRetentionPeriodOnly()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite, s => s["DeliveryLog:RetentionDays"] = "30");
        var log = host.Get<IDeliveryLog>();
        var now = DateTimeOffset.UtcNow;
        await log.RecordReceiptAsync(new DeliveryReceipt("old-1", "launch", null, now.AddDays(-45), "n/a", 202), CancellationToken.None);
        await log.RecordReceiptAsync(new DeliveryReceipt("old-2", "launch", null, now.AddDays(-31), "n/a", 202), CancellationToken.None);
        await log.RecordReceiptAsync(new DeliveryReceipt("recent", "launch", null, now.AddDays(-29), "n/a", 202), CancellationToken.None);

        await host.Function<HousekeepingFunction>().Run(new Microsoft.Azure.Functions.Worker.TimerInfo(), CancellationToken.None);

        var left = await log.FindAsync(new DeliveryQuery(now.AddDays(-60)), CancellationToken.None);
        Assert.Contains(left, r => r.Identity == "recent");
        Assert.DoesNotContain(left, r => r.Identity is "old-1" or "old-2");
    }

    [Fact]
    public async Task ProcessorLogLine_Any_CarriesTheEventIdOfTheEventItIsAbout()
    {
        var capture = new CapturingLoggerProvider();
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite, services: s => s.AddLogging(b => b.AddProvider(capture).SetMinimumLevel(LogLevel.Trace)));
        await host.PostLaunchAsync("c-a", "corr@example.com", "c-course", "web", "2025-09-03T08:00:00Z");
        await host.DrainAsync();
        await host.PostCompletionAsync("c-enr", "corr@example.com", "c-course", "2025-09-03T09:00:00Z", passed: true);
        await host.PostCompletionAsync("c-enr", "corr@example.com", "c-course", "2025-09-03T09:00:00Z", passed: true);
        await host.DrainAsync();

        // Processing logs from the dispatcher and the use cases and writer it calls: all of them must carry the event's scope.
        string[] processing = [typeof(AttemptEventProcessor).FullName!, typeof(HistoryWriter).FullName!, typeof(ApplyCompletion).FullName!, typeof(Parking).FullName!];
        var processorLines = capture.Lines.Where(l => processing.Any(category => l.Contains(category, StringComparison.Ordinal))).ToList();
        Assert.True(processorLines.Count >= 3, string.Join('\n', processorLines));
        Assert.All(processorLines, l => Assert.Matches("EventId=(launch:c-a|go1:evt-c-enr)", l));
        // Every line of a completion's path names its enrolment; every line of a launch's path its attempt.
        Assert.All(processorLines.Where(l => l.Contains("EventId=go1:evt-c-enr", StringComparison.Ordinal)), l => Assert.Contains("EnrolmentId=c-enr", l));
        Assert.All(processorLines.Where(l => l.Contains("EventId=launch:c-a", StringComparison.Ordinal)), l => Assert.Contains("AttemptId=c-a", l));
        Assert.Contains(processorLines, l => l.Contains("EnrolmentId=c-enr", StringComparison.Ordinal) && l.Contains("AttemptIds=c-a", StringComparison.Ordinal));
    }
}

/// <summary>
/// OpenTelemetry subscribes to meters by name, process-wide: this test runs alone so that other
/// test hosts' "Go1Sync" meters do not add to its counts.
/// </summary>
[Collection(nameof(RunsAlone))]
public sealed class MetricsExportTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Metrics_ForAFullRun_AreExportedThroughOpenTelemetry()
    {
        var exported = new List<Metric>();
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite,
            services: s => s.AddOpenTelemetry().WithMetrics(m => m.AddGo1SyncMetrics().AddInMemoryExporter(exported)));

        await host.PostLaunchAsync("m-a", "metrics@example.com", "m-course", "web", "2025-09-02T08:00:00Z");
        await host.DrainAsync();
        await host.PostCompletionAsync("m-enr", "metrics@example.com", "m-course", "2025-09-02T09:00:00Z", passed: true);
        await host.PostLaunchAsync("{}");
        await host.DrainAsync();
        Assert.True(host.Get<MeterProvider>().ForceFlush(10_000));

        var names = exported.Select(m => m.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "go1sync.events.received", "go1sync.events.processed", "go1sync.events.processing_time", "go1sync.events.lag",
            "go1sync.queue.depth", "go1sync.poison.depth", "go1sync.parked.count", "go1sync.queue.oldest_age" }, names);
        Assert.Equal(1, Sum(exported, "go1sync.events.received", ("kind", "launch"), ("status", 400)));
        Assert.Equal(2, Sum(exported, "go1sync.events.processed", ("outcome", "Applied")));
        var lag = exported.Last(m => m.Name == "go1sync.events.lag");
        foreach (ref readonly var point in lag.GetMetricPoints())
            Assert.True(point.GetHistogramCount() >= 1);
    }

    /// <summary>The last exported value of a counter, summed over the points whose tags include all of <paramref name="tags"/>.</summary>
    private static long Sum(List<Metric> exported, string name, params (string Key, object Value)[] tags)
    {
        long sum = 0;
        foreach (ref readonly var point in exported.Last(m => m.Name == name).GetMetricPoints())
        {
            var pointTags = new Dictionary<string, object?>();
            foreach (var tag in point.Tags) pointTags[tag.Key] = tag.Value;
            if (tags.All(t => pointTags.TryGetValue(t.Key, out var v) && Equals(v?.ToString(), t.Value.ToString())))
                sum += point.GetSumLong();
        }
        return sum;
    }

}

[CollectionDefinition(nameof(RunsAlone), DisableParallelization = true)]
public sealed class RunsAlone;
