using Go1Sync.Core.Attempts;
using Go1Sync.Core.Processing;
using Go1Sync.Core.Reporting;
using Go1Sync.Functions.Functions;
using Go1Sync.Infrastructure.Reconciliation;
using Go1Sync.Infrastructure.Storage;
using Go1Sync.IntegrationTests.Fixtures;
using Go1Sync.IntegrationTests.Go1Api;
using Xunit.Abstractions;

namespace Go1Sync.IntegrationTests;

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

    private static async Task<List<AttemptRow>> StatisticsAsync(Go1SyncTestHost host, string course)
    {
        var (reports, _) = await host.Get<CourseStatistics>().CourseAsync(course, Now, CancellationToken.None);
        return reports.Select(AttemptRow.From).OrderBy(r => r.AttemptId, StringComparer.Ordinal).ToList();
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
    public async Task Reconcile_429And503MidWindow_NothingLostNothingDoubledAndTheWatermarkHeld()
    {
        Learners(10);
        _portal.AddCourse("c-fault", 45);
        for (var i = 0; i < 300; i++) Completed($"enr-f-{i:D3}", $"u{i % 10}", "c-fault", minutesAgo: 300 - i, pass: i % 5 != 0);
        _portal.FailListRequest(2, 429, retryAfter: "1"); // ridden out by the client's retry, honouring Retry-After
        for (var r = 4; r < 4 + 5; r++) _portal.FailListRequest(r, 503); // more than the client retries: the run fails
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
}
