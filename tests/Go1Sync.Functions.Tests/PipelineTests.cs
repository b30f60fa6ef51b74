using System.Diagnostics.Metrics;
using Azure.Data.Tables;

namespace Go1Sync.Functions.Tests;

/// <summary>HTTP function -> real queue -> queue function -> real tables, on Azurite.</summary>
public sealed class PipelineTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private const long Hour = 3_600_000;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>A started host with a new course of <paramref name="durationMinutes"/> and web launches of <paramref name="email"/> on it, processed.</summary>
    private async Task<(Go1SyncTestHost Host, string Course)> CourseWithWebLaunchesAsync(
        int durationMinutes, string email, params (string AttemptId, string LaunchedAt)[] launches)
    {
        var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        try
        {
            var course = Unique("course");
            Assert.Equal(200, (await host.PostCourseAsync($$"""{"courseId":"{{course}}","durationMinutes":{{durationMinutes}}}""")).Status);
            foreach (var (attemptId, launchedAt) in launches)
                Assert.Equal(202, (await host.PostLaunchAsync(attemptId, email, course, "web", launchedAt)).Status);
            await host.DrainAsync();
            return (host, course);
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task Launch_ThroughHttpQueueAndProcessor_GivesAnOpenAttemptAtFiftyPercent()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var course = Unique("course");

        var answer = await host.PostLaunchAsync("a1", "Ada@Example.com ", course, "web", "2024-12-22T08:00:00Z");
        Assert.Equal(202, answer.Status);
        Assert.Equal(1, await host.QueueLengthAsync());
        var drained = await host.DrainAsync();
        Assert.Equal(1, drained.SucceededCount);

        var attempt = Assert.Single(await host.AttemptsAsync("ada@example.com", course));
        Assert.Equal(("a1", AttemptStatus.Open, 50, AttemptOrigin.LmsLaunch, Platform.Web), (attempt.AttemptId, attempt.Status, attempt.Progress, attempt.Origin, attempt.Platform));
        Assert.Equal(DateTimeOffset.Parse("2024-12-22T08:00:00Z"), attempt.FirstActivityAt);

        var row = Assert.Single(await host.StatsRowsAsync(course));
        Assert.Equal("open", row.GetString("Status"));
        Assert.Equal(50, row.GetInt32("Progress"));
        Assert.Equal("ada@example.com", row.GetString("Email"));
        Assert.Single(await OpenIndexRowsFor(host, course));
    }

    [Fact]
    public async Task ArticleExample1_EndToEnd_RecordsFourAndAHalfHoursOnTheOldestOpenAttempt()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var course = Unique("course");
        Assert.Equal(200, (await host.PostCourseAsync($$"""{"courseId":"{{course}}","durationMinutes":300,"title":"Five hours"}""")).Status);
        await host.PostLaunchAsync("ex1-a", "learner1@example.com", course, "web", "2024-12-22T08:00:00Z");
        await host.PostLaunchAsync("ex1-b", "learner1@example.com", course, "web", "2024-12-22T08:30:00Z");
        await host.DrainAsync();

        Assert.Equal(202, (await host.PostCompletionAsync("enr-ex1", "learner1@example.com", course, "2024-12-22T12:30:00Z", passed: true, score: 90)).Status);
        await host.DrainAsync();

        var attempts = await host.AttemptsAsync("learner1@example.com", course);
        var oldest = attempts.Single(a => a.AttemptId == "ex1-a");
        Assert.Equal((AttemptStatus.Completed, 100, AttemptResult.Success, 90, 4 * Hour + Hour / 2),
            (oldest.Status, oldest.Progress, oldest.Result, oldest.Score, oldest.TimeSpentMs));
        Assert.Equal(DateTimeOffset.Parse("2024-12-22T12:30:00Z"), oldest.CompletedAt);
        Assert.Equal(AttemptStatus.Open, attempts.Single(a => a.AttemptId == "ex1-b").Status);

        var row = (await host.StatsRowsAsync(course)).Single(r => r.GetString("AttemptId") == "ex1-a");
        Assert.Equal(4 * Hour + Hour / 2, row.GetInt64("TimeSpentMs"));
        Assert.Equal("success", row.GetString("Result"));
        // The completed attempt left the open index; the other one is still there.
        Assert.Equal(["ex1-b"], (await OpenIndexRowsFor(host, course)).Select(r => r.GetString("AttemptId")));
    }

    [Fact]
    public async Task ArticleExample2_EndToEnd_CapsTimeSpentAtTheFiveHourDuration()
    {
        var (host, course) = await CourseWithWebLaunchesAsync(300, "learner2@example.com", ("ex2-a", "2024-12-22T08:00:00Z"));
        await using var started = host;
        await host.PostCompletionAsync("enr-ex2", "learner2@example.com", course, "2024-12-22T13:30:00Z", passed: false);
        await host.DrainAsync();

        var attempt = Assert.Single(await host.AttemptsAsync("learner2@example.com", course));
        Assert.Equal((AttemptStatus.Completed, AttemptResult.Failed, 5 * Hour), (attempt.Status, attempt.Result, attempt.TimeSpentMs));
    }

    [Fact]
    public async Task ArticleLegacyExample_EndToEnd_RecordsZeroOnTheOldestAttemptAndLeavesTheOthers()
    {
        var (host, course) = await CourseWithWebLaunchesAsync(300, "learner3@example.com", ("leg-a", "2024-12-10T08:00:00Z"), ("leg-b", "2024-12-10T09:00:00Z"));
        await using var started = host;
        await host.PostCompletionAsync("enr-leg", "learner3@example.com", course, "2024-12-10T11:00:00Z", passed: true);
        await host.DrainAsync();

        var attempts = await host.AttemptsAsync("learner3@example.com", course);
        var oldest = attempts.Single(a => a.AttemptId == "leg-a");
        Assert.Equal((AttemptStatus.Completed, 100, 0L), (oldest.Status, oldest.Progress, oldest.TimeSpentMs));
        var other = attempts.Single(a => a.AttemptId == "leg-b");
        Assert.Equal((AttemptStatus.Open, 50), (other.Status, other.Progress));
        // Reported today, the untouched pre-cutover attempt shows as the LMS shows it: completed at 0 %.
        var report = host.Rules.Report(other, DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        Assert.Equal((true, AttemptStatus.Completed, 0), (report.LegacyClosed, report.Attempt.Status, report.Attempt.Progress));
    }

    [Fact]
    public async Task EmailsAndIds_WithCharactersTableKeysForbid_AreStoredAndReadBack()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        const string email = "o'brien/sales#eu?x@example.com";
        const string course = "course/with#odd?chars'";
        Assert.Equal(202, (await host.PostLaunchAsync(new System.Text.Json.Nodes.JsonObject
        {
            ["attemptId"] = "a/1#?", ["email"] = email, ["courseId"] = course, ["platform"] = "mobile", ["launchedAt"] = "2025-03-01T08:00:00Z",
        }.ToJsonString())).Status);
        await host.PostCompletionAsync("enr/#?", email, course, "2025-03-01T09:00:00Z", passed: true);
        await host.DrainAsync();

        var attempt = Assert.Single(await host.AttemptsAsync(email.ToUpperInvariant(), course));
        Assert.Equal(("a/1#?", AttemptStatus.Completed, Platform.Mobile, email), (attempt.AttemptId, attempt.Status, attempt.Platform, attempt.Email));
        var row = Assert.Single(await host.StatsRowsAsync(course));
        Assert.Equal(("a/1#?", course, "enr/#?"), (row.GetString("AttemptId"), row.GetString("CourseId"), row.GetString("Go1EnrolmentId")));
    }

    [Fact]
    public async Task QueueMessage_DeliveredFiveTimes_HasExactlyOneEffect()
    {
        var (host, course) = await CourseWithWebLaunchesAsync(60, "dup@example.com", ("dup-a", "2025-02-01T08:00:00Z"), ("dup-b", "2025-02-01T09:00:00Z"));
        await using var started = host;

        await host.PostCompletionAsync("enr-dup", "dup@example.com", course, "2025-02-01T10:00:00Z", passed: true);
        var message = (await host.Queue.ReceiveMessageAsync()).Value;
        var function = host.Function<Go1Sync.Functions.Functions.AttemptEventsFunction>();
        for (var i = 0; i < 5; i++)
            await function.Run(message, CancellationToken.None);

        var attempts = await host.AttemptsAsync("dup@example.com", course);
        Assert.Equal(1, attempts.Count(a => a.Status == AttemptStatus.Completed));
        Assert.Equal("dup-a", attempts.Single(a => a.Status == AttemptStatus.Completed).AttemptId);
        var stored = await host.Get<IAttemptStore>().GetAsync(LearnerCourseKey.For(host.Ids, "dup@example.com", course), CancellationToken.None);
        Assert.Single(stored!.History.Completions);
    }

    [Fact]
    public async Task EightConcurrentCompletions_CompleteEightDistinctAttemptsOldestFirst_AfterRetriedConflicts()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var conflicts = CountConflicts(host);
        var course = Unique("course");
        const string email = "busy@example.com";
        await host.PostCourseAsync($$"""{"courseId":"{{course}}","durationMinutes":600}""");
        for (var i = 0; i < 10; i++)
            await host.PostLaunchAsync($"busy-{i:00}", email, course, "web", $"2025-03-01T{8 + i:00}:00:00Z");
        await host.DrainAsync();

        for (var i = 0; i < 8; i++)
            await host.PostCompletionAsync($"enr-busy-{i}", email, course, "2025-03-02T12:00:00Z", passed: true);
        var report = await host.DrainAsync(parallelism: 8);

        Assert.Empty(report.Errors);
        var attempts = await host.AttemptsAsync(email, course);
        var completed = attempts.Where(a => a.Status == AttemptStatus.Completed).Select(a => a.AttemptId).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"busy-{i:00}"), completed);
        Assert.Equal(8, attempts.Where(a => a.Status == AttemptStatus.Completed).Select(a => a.Go1EnrolmentId).Distinct().Count());
        Assert.True(conflicts.Value > 0, "eight writers on one aggregate should have collided at least once");
        // The read side agrees with the aggregate.
        var rows = await host.StatsRowsAsync(course);
        Assert.Equal(8, rows.Count(r => r.GetString("Status") == "completed"));
        Assert.Equal(["busy-08", "busy-09"], (await OpenIndexRowsFor(host, course)).Select(r => r.GetString("AttemptId")).Order());
    }

    [Fact]
    public async Task CompletionDeliveredBeforeItsLaunch_EndsOnTheLaunchedAttempt_AsIfDeliveredInOrder()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var course = Unique("course");
        const string email = "early@example.com";
        await host.PostCourseAsync($$"""{"courseId":"{{course}}","durationMinutes":120}""");

        await host.PostCompletionAsync("enr-early", email, course, "2025-04-01T10:00:00Z", passed: true);
        await host.DrainAsync();
        var direct = Assert.Single(await host.AttemptsAsync(email, course));
        Assert.Equal(("go1-enr-early", AttemptOrigin.Go1Direct), (direct.AttemptId, direct.Origin));

        await host.PostLaunchAsync("late-launch", email, course, "web", "2025-04-01T09:00:00Z");
        await host.DrainAsync();

        var attempt = Assert.Single(await host.AttemptsAsync(email, course));
        Assert.Equal(("late-launch", AttemptStatus.Completed, Hour), (attempt.AttemptId, attempt.Status, attempt.TimeSpentMs));
        // The go1-direct row the early completion had created is gone from the read side too.
        Assert.Equal(["late-launch"], (await host.StatsRowsAsync(course)).Select(r => r.GetString("AttemptId")));
        Assert.Empty(await OpenIndexRowsFor(host, course));
    }

    [Fact]
    public async Task ThinWebhookWithoutAGo1Api_IsParkedAsUnmatchedWithItsReason_NotDropped()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var answer = await host.PostWebhookAsync("""{"id":"evt-thin","event_type":"enrollment.complete","data":{"id":"enr-thin","lo_id":"c-thin"}}""");
        Assert.Equal(202, answer.Status);
        await host.DrainAsync();

        var parked = Assert.Single(await host.Get<IParkedStore>().ListAsync(ParkCategories.Unmatched, CancellationToken.None), p => p.MessageId == "go1:evt-thin");
        Assert.Contains("email", parked.Reason);
        Assert.Contains("enr-thin", parked.Body);
    }

    [Fact]
    public async Task Message_KeepsFailing_IsRetriedThenMovedToPoisonAfterMaxDequeueCount()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var course = Unique("course");
        // A row this release cannot read: every delivery fails the same way.
        var key = LearnerCourseKey.For(host.Ids, "broken@example.com", course);
        var table = host.Get<TableServiceClient>().GetTableClient(TableNames.Attempts);
        await table.AddEntityAsync(new TableEntity(key.LearnerHash, key.CourseKey) { ["Format"] = "from-the-future" });

        await host.PostLaunchAsync("broken-a", "broken@example.com", course, "web", "2025-05-01T08:00:00Z");
        DrainReport report = new();
        for (var round = 0; round < HostJson.MaxDequeueCount + 1 && await host.QueueLengthAsync() > 0; round++)
        {
            var partial = await host.DrainAsync(maxRounds: 1_000);
            report = partial;
        }

        Assert.Equal(0, await host.QueueLengthAsync());
        var poisoned = (await host.Poison.ReceiveMessageAsync()).Value;
        Assert.NotNull(poisoned);
        Assert.Contains("broken-a", poisoned.Body.ToString());
        Assert.Equal(1, report.PoisonedCount);
        Assert.Equal(HostJson.MaxDequeueCount, report.FailedCount);
        Assert.All(report.Errors, e => Assert.IsType<InvalidDataException>(e));
    }

    [Fact]
    public async Task UnreadableQueueMessage_IsParkedAsInvalid_WithTheParserMessage()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        await host.Queue.SendMessageAsync("""{"kind":"launch","schemaVersion":1,"id":"bad-payload","receivedAt":"2025-01-01T00:00:00Z","payload":{"attemptId":7}}""");
        await host.Queue.SendMessageAsync("""{"kind":"teleport","schemaVersion":1,"id":"bad-kind","receivedAt":"2025-01-01T00:00:00Z","payload":{}}""");
        await host.Queue.SendMessageAsync("""{"kind":"launch","schemaVersion":99,"id":"bad-version","receivedAt":"2025-01-01T00:00:00Z","payload":{}}""");
        var report = await host.DrainAsync();

        Assert.Equal(3, report.SucceededCount);
        var parked = (await host.Get<IParkedStore>().ListAsync(ParkCategories.Invalid, CancellationToken.None)).ToDictionary(p => p.MessageId);
        Assert.Contains("unreadable", parked["bad-payload"].Reason);
        Assert.Contains("teleport", parked["bad-kind"].Reason);
        Assert.Contains("schema version 99", parked["bad-version"].Reason);
    }

    [Fact]
    public async Task Learner_AThousandAttemptsOnOneCourse_IsStillOneRowWrittenByOneConditionalRequest()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var course = Unique("course");
        const string email = "marathon@example.com";
        var rules = host.Rules;
        var history = LearnerCourseHistory.Empty(email, course);
        var start = DateTimeOffset.Parse("2025-01-01T00:00:00Z");
        // 999 stored, and the 1,000th (the default Processing__MaxAttemptsPerLearnerCourse) through the pipeline.
        for (var i = 0; i < 999; i++)
        {
            history = rules.Accept(history, new Launch($"m-{i:0000}", email, course, Platform.Web, start.AddHours(i))).History;
            history = rules.Accept(history, new Launch($"m-{i:0000}", email, course, Platform.Web, start.AddHours(i).AddMinutes(10))).History;
            if (i % 2 == 0)
                history = rules.Accept(history, new Completion($"e-{i:0000}", email, course, start.AddHours(i).AddMinutes(30), true, 75), 45).History;
        }
        var store = host.Get<IAttemptStore>();
        var key = LearnerCourseKey.For(host.Ids, email, course);
        Assert.NotNull(await store.TryCommitAsync(new AggregateWrite(key, history, null, null, null), CancellationToken.None));

        // One more launch through the real pipeline still applies.
        await host.PostLaunchAsync("m-last", email, course, "web", "2026-01-01T00:00:00Z");
        await host.DrainAsync();
        var attempts = await host.AttemptsAsync(email, course);
        Assert.Equal(1_000, attempts.Count);
        Assert.Equal(500, attempts.Count(a => a.Status == AttemptStatus.Completed));
        var entity = TableAttemptStore.Write(key, (await store.GetAsync(key, CancellationToken.None))!.History, host.Ids.CurrentKeyId);
        Assert.InRange(entity.GetInt32("Chunks")!.Value, 1, 15);
    }

    [Fact]
    public async Task EventBeyondMaxAttemptsPerLearnerCourse_IsParkedWithItsReason_AndEventsWithinTheCapStillApply()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite, s => s["Processing:MaxAttemptsPerLearnerCourse"] = "3");
        var course = Unique("course");
        const string email = "capped@example.com";
        await host.PostCourseAsync($$"""{"courseId":"{{course}}","durationMinutes":60}""");
        for (var i = 1; i <= 3; i++)
            await host.PostLaunchAsync($"cap-{i}", email, course, "web", $"2025-06-0{i}T08:00:00Z");
        await host.DrainAsync();

        // A fourth attempt, by launch or by a completion with no open attempt left, would go beyond the cap.
        await host.PostLaunchAsync("cap-4", email, course, "web", "2025-06-04T08:00:00Z");
        await host.PostLaunchAsync("cap-3", email, course, "web", "2025-06-05T08:00:00Z"); // a continue adds no attempt
        for (var i = 1; i <= 3; i++)
            await host.PostCompletionAsync($"cap-enr-{i}", email, course, $"2025-06-06T0{i}:00:00Z", passed: true);
        var first = await host.DrainAsync(parallelism: 1);
        await host.PostCompletionAsync("cap-enr-4", email, course, "2025-06-07T09:00:00Z", passed: true);
        var second = await host.DrainAsync(parallelism: 1);

        Assert.Equal((0, 0, 0, 0), (first.FailedCount, first.PoisonedCount, second.FailedCount, second.PoisonedCount));
        var attempts = await host.AttemptsAsync(email, course);
        Assert.Equal(["cap-1", "cap-2", "cap-3"], attempts.Select(a => a.AttemptId));
        Assert.All(attempts, a => Assert.Equal(AttemptStatus.Completed, a.Status));
        var parked = (await host.Get<IParkedStore>().ListAsync(null, CancellationToken.None))
            .Where(p => p.Body.Contains(course, StringComparison.Ordinal)).ToDictionary(p => p.MessageId);
        Assert.Equal(["go1:evt-cap-enr-4", "launch:cap-4:2025-06-04T08:00:00.000Z"], parked.Keys.Order(StringComparer.Ordinal));
        Assert.All(parked.Values, p => Assert.Contains("Processing__MaxAttemptsPerLearnerCourse", p.Reason, StringComparison.Ordinal));
        Assert.All(parked.Values, p => Assert.Contains("3", p.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AttemptsRowInflatingBeyondTheDecompressionBound_IsRefusedWithAClearError_NotInflated()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var course = Unique("course");
        var key = LearnerCourseKey.For(host.Ids, "bomb@example.com", course);
        // A valid history padded to 20 MiB of JSON: about 20 KiB once gzipped, one chunk.
        var json = System.Text.Encoding.UTF8.GetBytes(
            $$"""{"email":"bomb@example.com","courseId":"{{course}}","launches":[],"completions":[],"padding":"{{new string('a', 20 * 1024 * 1024)}}"}""");
        using var compressed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(json);
        Assert.True(compressed.Length < 64 * 1024, $"the padded history is {compressed.Length} bytes compressed");
        await host.Get<TableServiceClient>().GetTableClient(TableNames.Attempts).AddEntityAsync(new TableEntity(key.LearnerHash, key.CourseKey)
        {
            ["Email"] = "bomb@example.com", ["CourseId"] = course, ["Format"] = TableAttemptStore.Format, ["Chunks"] = 1, ["D00"] = compressed.ToArray(),
        });

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => host.Get<IAttemptStore>().GetAsync(key, CancellationToken.None));

        Assert.Contains("16 MiB", error.Message, StringComparison.Ordinal);
        Assert.Contains(key.CourseKey, error.Message, StringComparison.Ordinal);
    }

    private static async Task<IEnumerable<TableEntity>> OpenIndexRowsFor(Go1SyncTestHost host, string course) =>
        (await host.OpenIndexRowsAsync()).Where(r => r.GetString("CourseId") == course);

    private static StrongBox<long> CountConflicts(Go1SyncTestHost host)
    {
        var count = new StrongBox<long>();
        var listener = new MeterListener();
        var meterFactory = host.Get<IMeterFactory>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "go1sync.concurrency.conflicts" && instrument.Meter.Scope == meterFactory)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref count.Value, value));
        listener.Start();
        return count;
    }

    private sealed class StrongBox<T> { public T Value = default!; }
}
