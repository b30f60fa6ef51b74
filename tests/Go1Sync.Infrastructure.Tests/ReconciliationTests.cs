using Go1Sync.Core.Reporting;
using Go1Sync.Infrastructure.Reconciliation;
using Go1Sync.Infrastructure.Tests.Go1Api;
using Xunit.Abstractions;

namespace Go1Sync.Infrastructure.Tests;

/// <summary>
/// Every Go1 completion reaches the statistics with every webhook dropped: the reconciliation and the
/// backfill read a fake Go1 portal over real HTTP (WireMock on loopback) into real Azurite storage.
/// Each test has its own Azurite: the watermark is one row per storage account.
/// </summary>
public sealed class ReconciliationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Go1Stub _go1 = new();
    private readonly AzuriteFixture _storage = new();
    private FakeGo1Portal _portal = null!;

    public async Task InitializeAsync()
    {
        await _storage.InitializeAsync();
        _portal = new FakeGo1Portal(_go1);
    }

    public async Task DisposeAsync()
    {
        _go1.Dispose();
        await _storage.DisposeAsync();
    }

    private Task<Go1SyncTestHost> HostAsync(Azurite? azurite = null, Action<Dictionary<string, string?>>? settings = null) =>
        Go1SyncTestHost.StartAsync(azurite ?? _storage.Azurite, s =>
        {
            foreach (var (k, v) in _go1.Settings()) s[k] = v;
            // Go1 publishes no limit; the tests' fake takes any rate.
            s["Reconcile:RequestsPerSecond"] = "100";
            settings?.Invoke(s);
        });

    private static async Task<DrainResult> DrainAsync(Go1SyncTestHost host) => await host.Get<QueueDrain>().RunAsync(null, CancellationToken.None);

    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    /// <summary>A completed enrolment updated <paramref name="minutesAgo"/> before the test started.</summary>
    private PortalEnrolment Completed(string id, string user, string course, double minutesAgo, bool pass = true, int result = 80, double hours = 1) =>
        _portal.Add(new PortalEnrolment(id, user, course, "completed", pass, result,
            Now.AddMinutes(-minutesAgo).AddHours(-hours), Now.AddMinutes(-minutesAgo), Now.AddMinutes(-minutesAgo)));

    private void Learners(int count)
    {
        for (var u = 0; u < count; u++) _portal.AddUser($"u{u}", $"learner{u}@example.com");
    }

    [Fact]
    public async Task Backfill_EveryWebhookDropped_StatisticsEqualTheSameCompletionsDeliveredAsWebhooks()
    {
        // 20 learners, 4 courses (one without a duration at Go1), re-enrolments, failed results,
        // in-progress enrolments to ignore, some learners who launched from the LMS and some who never did.
        Learners(20);
        string[] courses = ["c-a", "c-b", "c-c", "c-none"];
        _portal.AddCourse("c-a", 60);
        _portal.AddCourse("c-b", 90);
        _portal.AddCourse("c-c", 300);
        _portal.AddCourse("c-none", null);
        var random = new Random(1107);
        var launches = new List<(string Attempt, string Email, string Course, DateTimeOffset At)>();
        var n = 0;
        for (var u = 0; u < 20; u++)
            foreach (var course in courses.Where(_ => random.Next(3) > 0))
            {
                var enrolments = 1 + random.Next(3); // 2 or 3: re-enrolments
                for (var e = 0; e < enrolments; e++)
                {
                    var minutesAgo = 60 * 24 * 20 - (n++ * 7);
                    var completed = Completed($"enr-{u}-{course}-{e}", $"u{u}", course, minutesAgo, pass: random.Next(4) > 0, result: random.Next(101), hours: 0.5 + random.Next(8));
                    if (u % 3 != 0) launches.Add(($"att-{u}-{course}-{e}", $"learner{u}@example.com", course, completed.StartDate.AddMinutes(-random.Next(60))));
                }
                _portal.Add(new PortalEnrolment($"enr-{u}-{course}-open", $"u{u}", course, "in-progress", false, 0, Now.AddDays(-1), null, Now.AddDays(-1)));
            }
        var completions = _portal.Enrolments.Where(e => e.Status == "completed").ToList();
        Assert.True(completions.Count > 100, $"only {completions.Count} completions generated");

        // Host A: launches, then every completion from Go1's list (no webhook at all).
        await using var viaBackfill = await HostAsync();
        foreach (var l in launches) Assert.Equal(202, (await viaBackfill.PostLaunchAsync(l.Attempt, l.Email, l.Course, "web", FakeGo1Portal.Iso(l.At))).Status);
        await DrainAsync(viaBackfill);
        var result = await viaBackfill.Get<Go1Reconciliation>().BackfillAsync(Now.AddDays(-30), Now, null, CancellationToken.None);
        var drained = await DrainAsync(viaBackfill);
        output.WriteLine($"backfill: {result}; drain: {drained}");
        Assert.Equal(("ok", completions.Count, completions.Count), (result.Outcome, (int)result.Listed, (int)result.Queued));
        Assert.Equal(completions.Count, drained.Applied);

        // Host B (its own storage): the same launches and the same completions as whole webhooks.
        var other = await Azurite.StartInMemoryAsync();
        await using (other)
        {
            await using var viaWebhooks = await HostAsync(other);
            foreach (var l in launches) await viaWebhooks.PostLaunchAsync(l.Attempt, l.Email, l.Course, "web", FakeGo1Portal.Iso(l.At));
            await DrainAsync(viaWebhooks);
            foreach (var c in completions)
                Assert.Equal(202, (await viaWebhooks.PostCompletionAsync(c.Id, $"learner{c.UserId[1..]}@example.com", c.LoId, FakeGo1Portal.Iso(c.EndDate!.Value), c.Pass, c.Result, FakeGo1Portal.Iso(c.StartDate))).Status);
            await DrainAsync(viaWebhooks);

            foreach (var course in courses)
            {
                var expected = await StatisticsAsync(viaWebhooks, course);
                var actual = await StatisticsAsync(viaBackfill, course);
                Assert.NotEmpty(expected);
                Assert.Equal(expected, actual);
            }
        }
    }

    private static async Task<List<AttemptReport>> StatisticsAsync(Go1SyncTestHost host, string course)
    {
        var (reports, _) = await host.Get<CourseStatistics>().CourseAsync(course, Now, CancellationToken.None);
        return reports.OrderBy(r => r.Attempt.AttemptId, StringComparer.Ordinal).ToList();
    }

    [Fact]
    public async Task Reconcile_EnrolmentIndexedLateWithinTheOverlap_IsFoundByTheNextRun()
    {
        Learners(2);
        _portal.AddCourse("c-late", 60);
        Completed("enr-early", "u0", "c-late", minutesAgo: 20);
        var late = Completed("enr-late", "u1", "c-late", minutesAgo: 15);
        late.Listed = false; // Go1's reporting index has not caught up with it yet
        Completed("enr-latest", "u0", "c-late", minutesAgo: 10, hours: 0.1);
        await using var host = await HostAsync();
        var reconciliation = host.Get<Go1Reconciliation>();

        var first = await reconciliation.RunOnceAsync(CancellationToken.None);
        Assert.Equal((2L, 2L), (first.Listed, first.Queued));
        Assert.Equal(Instants.ToMillisecondUtc(Now.AddMinutes(-10)), first.Watermark!.Value.ToUniversalTime(), TimeSpan.FromSeconds(1));

        Assert.Equal(2, (await DrainAsync(host)).Applied);

        late.Listed = true; // indexed now, 5 minutes before the watermark: inside the 15-minute overlap
        var second = await reconciliation.RunOnceAsync(CancellationToken.None);
        Assert.Equal((3L, 2L, 1L), (second.Listed, second.AlreadyApplied, second.Queued));
        Assert.Equal(first.Watermark, second.Watermark);

        Assert.Equal(1, (await DrainAsync(host)).Applied);
        Assert.Single(await host.AttemptsAsync("learner1@example.com", "c-late"), a => a.Go1EnrolmentId == "enr-late" && a.Status == AttemptStatus.Completed);
    }

    [Fact]
    public async Task Reconcile_WindowOfMoreThanTenThousandCompletions_IsReadWhole()
    {
        const int count = 10_120;
        Learners(40);
        _portal.AddCourse("c-burst", 30);
        // One burst: 10,120 completions inside one hour, 3 per second, so a plain offset walk would pass 10,000.
        for (var i = 0; i < count; i++)
            _portal.Add(new PortalEnrolment($"enr-burst-{i:D5}", $"u{i % 40}", "c-burst", "completed", true, 70,
                Now.AddHours(-2), Now.AddMinutes(-70).AddSeconds(i / 3), Now.AddMinutes(-70).AddSeconds(i / 3)));
        await using var host = await HostAsync(settings: s => s["Reconcile:InitialLookback"] = "03:00:00");

        var result = await host.Get<Go1Reconciliation>().RunOnceAsync(CancellationToken.None);
        output.WriteLine(result.ToString());
        Assert.Equal(("ok", (long)count, (long)count), (result.Outcome, result.Listed, result.Queued));
        Assert.Equal(40, result.UsersResolved);
        Assert.Equal(40, _portal.UserRequests);
        // Seek paging: one request per 50 hits (the last one short), none refused for depth.
        Assert.Equal((count + 49) / 50, _portal.ListRequests);
        Assert.Equal(count, await host.QueueLengthAsync());
    }

    [Fact]
    public async Task Reconcile_TooManyRequestsAndUnavailableMidWindow_NothingLostNothingDoubledAndTheWatermarkHeld()
    {
        Learners(10);
        _portal.AddCourse("c-fault", 45);
        for (var i = 0; i < 300; i++) Completed($"enr-f-{i:D3}", $"u{i % 10}", "c-fault", minutesAgo: 300 - i, pass: i % 5 != 0);
        _portal.FailListRequest(2, 429, retryAfter: "1"); // ridden out by the client's retry, honouring Retry-After
        for (var r = 4; r < 4 + 4; r++) _portal.FailListRequest(r, 503); // more than the client retries: the run fails
        await using var host = await HostAsync(settings: s => s["Reconcile:InitialLookback"] = "06:00:00");
        var reconciliation = host.Get<Go1Reconciliation>();
        var state = host.Get<ReconciliationStateStore>();

        await Assert.ThrowsAsync<HttpRequestException>(() => reconciliation.RunOnceAsync(CancellationToken.None));
        var afterFailure = await state.ReadAsync(CancellationToken.None);
        Assert.Null(afterFailure!.Watermark);
        Assert.StartsWith("failed", afterFailure.LastOutcome);
        Assert.Null(afterFailure.LeaseOwner);
        Assert.Equal(100, await host.QueueLengthAsync()); // the two pages read before the 503s stay queued
        Assert.Equal(100, (await DrainAsync(host)).Applied);

        // The next run reads the same window again: what was applied is recognised, the rest is queued once.
        var second = await reconciliation.RunOnceAsync(CancellationToken.None);
        Assert.Equal(("ok", 300L, 100L, 200L), (second.Outcome, second.Listed, second.AlreadyApplied, second.Queued));
        var drained = await DrainAsync(host);
        Assert.Equal((200, 0), (drained.Applied, drained.Duplicate));
        Assert.Equal(0, drained.Poisoned);
        for (var u = 0; u < 10; u++)
        {
            var attempts = await host.AttemptsAsync($"learner{u}@example.com", "c-fault");
            Assert.Equal(30, attempts.Count);
            Assert.Equal(30, attempts.Select(a => a.Go1EnrolmentId).Distinct().Count());
        }
        Assert.Equal(Instants.ToMillisecondUtc(Now.AddMinutes(-1)), (await state.ReadAsync(CancellationToken.None))!.Watermark!.Value.ToUniversalTime(), TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Reconcile_CountedCosts_OnePagePer50AndOneLookupPerUserAndCourse()
    {
        Learners(7);
        _portal.AddCourse("c-one", 60);
        _portal.AddCourse("c-unknown", null); // Go1 gives no duration: asked once all the same
        for (var i = 0; i < 120; i++) Completed($"enr-k-{i:D3}", $"u{i % 7}", i % 2 == 0 ? "c-one" : "c-unknown", minutesAgo: 200 - i);
        await using var host = await HostAsync(settings: s => s["Reconcile:InitialLookback"] = "06:00:00");
        var reconciliation = host.Get<Go1Reconciliation>();

        var first = await reconciliation.RunOnceAsync(CancellationToken.None);
        Assert.Equal((3L, 120L, 120L, 7), (first.Pages, first.Listed, first.Queued, first.UsersResolved));
        Assert.Equal((3, 7, 0), (_portal.ListRequests, _portal.UserRequests, _portal.EnrolmentRequests));
        var drained = await DrainAsync(host);
        Assert.Equal(120, drained.Applied);
        // The hits carried everything: no enrolment look-up, no user look-up (the email travelled in
        // the message), and one learning-object look-up per course, the one without a duration included.
        Assert.Equal((0, 7, 2), (_portal.EnrolmentRequests, _portal.UserRequests, _portal.LearningObjectRequests));

        // Nothing changed since: the overlap (15 min before the watermark) is re-read, nothing queued.
        var second = await reconciliation.RunOnceAsync(CancellationToken.None);
        Assert.Equal((1L, 0L), (second.Pages, second.Queued));
        Assert.Equal(second.Listed, second.AlreadyApplied);
        Assert.Equal(4, _portal.ListRequests);
    }

    [Fact]
    public async Task Reconcile_CliRunWhileTheTimerRuns_OneReadsTheOtherSkipsAndNothingIsDoubledOrSkipped()
    {
        Learners(5);
        _portal.AddCourse("c-both", 60);
        for (var i = 0; i < 200; i++) Completed($"enr-b-{i:D3}", $"u{i % 5}", "c-both", minutesAgo: 300 - i);
        _portal.ListDelay = TimeSpan.FromMilliseconds(150);
        await using var functionsHost = await HostAsync(settings: s => s["Reconcile:InitialLookback"] = "06:00:00");
        await using var cliHost = await HostAsync(settings: s => s["Reconcile:InitialLookback"] = "06:00:00");

        var timer = functionsHost.Function<ReconcileFunction>().Run(new Microsoft.Azure.Functions.Worker.TimerInfo(), CancellationToken.None);
        await Task.Delay(100);
        var cli = await cliHost.Get<Go1Reconciliation>().RunOnceAsync(CancellationToken.None);
        await timer;

        Assert.Equal("skipped", cli.Outcome);
        Assert.Contains("holds the lease", cli.Detail);
        var state = await functionsHost.Get<ReconciliationStateStore>().ReadAsync(CancellationToken.None);
        Assert.StartsWith("ok", state!.LastOutcome);
        Assert.Null(state.LeaseOwner);

        // Once the timer's run is over, the CLI runs: it finds everything queued or applied once.
        Assert.Equal(200, (await DrainAsync(functionsHost)).Applied);
        var after = await cliHost.Get<Go1Reconciliation>().RunOnceAsync(CancellationToken.None);
        Assert.Equal(("ok", 0L), (after.Outcome, after.Queued));
        for (var u = 0; u < 5; u++)
            Assert.Equal(40, (await functionsHost.AttemptsAsync($"learner{u}@example.com", "c-both")).Count);
    }

    [Fact]
    public async Task Reconcile_OnlyKnownLearners_UnmatchedCompletionsAreParkedNeverDropped()
    {
        Learners(2);
        _portal.AddCourse("c-known", 60);
        var launched = Completed("enr-known", "u0", "c-known", minutesAgo: 30);
        var stranger = Completed("enr-stranger", "u1", "c-known", minutesAgo: 20);
        await using var host = await HostAsync(settings: s => s["Processing:OnlyKnownLearners"] = "true");
        await host.PostLaunchAsync("att-known", "learner0@example.com", "c-known", "web", FakeGo1Portal.Iso(launched.StartDate.AddMinutes(-5)));
        await DrainAsync(host);

        var result = await host.Get<Go1Reconciliation>().RunOnceAsync(CancellationToken.None);
        Assert.Equal(2L, result.Queued);
        var drained = await DrainAsync(host);
        Assert.Equal((1, 1), (drained.Applied, drained.Parked));
        var parked = Assert.Single(await host.Get<IParkedStore>().ListAsync(ParkCategories.Unmatched, CancellationToken.None));
        Assert.Equal(EventIds.Go1Sourced(DeliverySources.Reconcile, "enr-stranger", DateTimeOffset.Parse(FakeGo1Portal.Iso(stranger.EndDate!.Value), System.Globalization.CultureInfo.InvariantCulture)), parked.MessageId);
        Assert.Contains("only known learners", parked.Reason);
        Assert.Empty(await host.AttemptsAsync("learner1@example.com", "c-known"));
    }

    [Fact]
    public async Task Reconcile_QueuedCompletion_IsRecordedInTheDeliveryLogWithItsSource()
    {
        Learners(1);
        _portal.AddCourse("c-log", 60);
        Completed("enr-log", "u0", "c-log", minutesAgo: 30);
        await using var host = await HostAsync();
        await host.Get<Go1Reconciliation>().RunOnceAsync(CancellationToken.None);
        await DrainAsync(host);

        var record = Assert.Single(await host.Get<IDeliveryLog>().FindAsync(
            new DeliveryQuery(Now.AddHours(-1), EnrolmentId: "enr-log"), CancellationToken.None));
        Assert.Equal((DeliverySources.Reconcile, EventKinds.Completion, DeliveryOutcomes.Applied), (record.Source, record.Kind, record.Outcome));
        Assert.Equal(host.Ids.Id("learner0@example.com"), record.LearnerHash);
    }

    [Fact]
    public async Task Backfill_StoppedByAFailure_ResumesFromItsCheckpointAndAppliesNothingTwice()
    {
        Learners(4);
        _portal.AddCourse("c-resume", 60);
        for (var i = 0; i < 260; i++) Completed($"enr-r-{i:D3}", $"u{i % 4}", "c-resume", minutesAgo: 60 * 24 * 10 - i * 10);
        for (var r = 4; r < 4 + 4; r++) _portal.FailListRequest(r, 503);
        await using var host = await HostAsync();
        var reconciliation = host.Get<Go1Reconciliation>();
        var since = Now.AddDays(-11);
        var until = Now;

        await Assert.ThrowsAsync<HttpRequestException>(() => reconciliation.BackfillAsync(since, until, null, CancellationToken.None));
        Assert.Equal(150, await host.QueueLengthAsync());
        var requestsBefore = _portal.ListRequests;

        var resumed = await reconciliation.BackfillAsync(since, until, null, CancellationToken.None);
        Assert.Equal(("ok", 260L, 260L), (resumed.Outcome, resumed.Listed, resumed.Queued));
        Assert.Contains("resumed", resumed.Detail);
        // From the checkpoint: the 110 left take 3 pages, the 150 read before are not asked for again.
        Assert.Equal(3, _portal.ListRequests - requestsBefore);
        Assert.Equal(260, (await DrainAsync(host)).Applied);

        // Run again once done: read again in full, nothing queued.
        var again = await reconciliation.BackfillAsync(since, until, null, CancellationToken.None);
        Assert.Equal((260L, 260L, 0L), (again.Listed, again.AlreadyApplied, again.Queued));
        // The watermark is the scheduled reconciliation's, untouched by backfills.
        Assert.Null((await host.Get<ReconciliationStateStore>().ReadAsync(CancellationToken.None))!.Watermark);
    }

    [Fact]
    public async Task Health_Reconciliation_DegradedUntilARunThenHealthy()
    {
        Learners(1);
        _portal.AddCourse("c-h", 60);
        await using var host = await HostAsync();
        var check = host.Function<Go1Sync.Infrastructure.Health.ReconciliationHealthCheck>();
        var context = new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext();

        var before = await check.CheckHealthAsync(context);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, before.Status);
        Assert.Contains("has not completed a run", before.Description);

        await host.Get<Go1Reconciliation>().RunOnceAsync(CancellationToken.None);
        var after = await check.CheckHealthAsync(context);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, after.Status);
    }

    [Fact]
    public async Task DeliveryLog_RowWrittenBeforeSourcesWereRecorded_ReadsAsHttp()
    {
        await using var host = await HostAsync();
        var table = host.Get<Azure.Data.Tables.TableServiceClient>().GetTableClient(TableNames.Deliveries);
        var receivedAt = DateTimeOffset.UtcNow.AddMinutes(-5);
        // The properties a receipt had in the previous release: no Source.
        await table.AddEntityAsync(new Azure.Data.Tables.TableEntity(TableDeliveryLog.Day(receivedAt), "go1%3Aevt-old")
        {
            ["Identity"] = "go1:evt-old", ["Kind"] = "completion", ["EventType"] = "enrollment.complete", ["ReceivedAt"] = receivedAt,
            ["Signature"] = "valid", ["HttpStatus"] = 202, ["EnrolmentId"] = "enr-old",
        });

        var record = Assert.Single(await host.Get<IDeliveryLog>().FindAsync(new DeliveryQuery(receivedAt.AddMinutes(-1), EnrolmentId: "enr-old"), CancellationToken.None));

        Assert.Equal((DeliverySources.Http, 202, "valid"), (record.Source, record.HttpStatus, record.Signature));
    }

    [Fact]
    public async Task Reconcile_PageCapReached_SavesTheWatermarkAtWhatWasReadAndTheNextRunGoesOn()
    {
        Learners(3);
        _portal.AddCourse("c-cap", 60);
        for (var i = 0; i < 120; i++) Completed($"enr-cap-{i:D3}", $"u{i % 3}", "c-cap", minutesAgo: 200 - i);
        await using var host = await HostAsync(settings: s =>
        {
            s["Reconcile:InitialLookback"] = "06:00:00";
            s["Reconcile:MaxPagesPerRun"] = "1";
        });
        var reconciliation = host.Get<Go1Reconciliation>();
        var outcomes = new List<(string Outcome, long Pages, long Queued)>();

        for (var run = 0; run < 3; run++)
        {
            var result = await reconciliation.RunOnceAsync(CancellationToken.None);
            outcomes.Add((result.Outcome, result.Pages, result.Queued));
            await DrainAsync(host);
        }

        // 50 per run: a run after a partial one goes on where it left off, re-reading nothing (not even
        // the 15-minute overlap, which here holds more than one run can read).
        Assert.Equal([("partial", 1L, 50L), ("partial", 1L, 50L), ("ok", 1L, 20L)], outcomes);
        Assert.Null((await host.Get<ReconciliationStateStore>().ReadAsync(CancellationToken.None))!.Resume);
        for (var u = 0; u < 3; u++)
            Assert.Equal(40, (await host.AttemptsAsync($"learner{u}@example.com", "c-cap")).Count);
        Assert.Equal(Instants.ToMillisecondUtc(Now.AddMinutes(-81)), (await host.Get<ReconciliationStateStore>().ReadAsync(CancellationToken.None))!.Watermark!.Value.ToUniversalTime(), TimeSpan.FromSeconds(1));
    }
}
