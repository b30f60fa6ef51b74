using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Go1Sync.Infrastructure.Sweep;
using Microsoft.Extensions.Time.Testing;
using WireMock.RequestBuilders;

namespace Go1Sync.Infrastructure.Tests;

/// <summary>Go1 over real HTTP (WireMock on loopback) with Azurite: thin webhooks made whole, lost ones recovered by the sweep.</summary>
/// <remarks>
/// Each test has its own Azurite: the sweep reads the whole open-attempt index, so tests that
/// shared one would see each other's attempts.
/// </remarks>
public sealed class SweepAndEnrichmentTests : IAsyncLifetime
{
    private readonly Go1Stub _go1 = new();
    private readonly AzuriteFixture storage = new();

    public Task InitializeAsync() => storage.InitializeAsync();

    public async Task DisposeAsync()
    {
        _go1.Dispose();
        await storage.DisposeAsync();
    }

    private Task<Go1SyncTestHost> HostAsync() => Go1SyncTestHost.StartAsync(storage.Azurite, s =>
    {
        foreach (var (k, v) in _go1.Settings()) s[k] = v;
        s["Sweep:StaleAfter"] = "00:30:00";
    });

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static JsonObject Enrolment(string id, string userId, string course, DateTimeOffset start, DateTimeOffset end, bool pass = true, int result = 80) => new()
    {
        ["id"] = id, ["user_account_id"] = userId, ["lo_id"] = course, ["status"] = "completed",
        ["pass"] = pass, ["result"] = result, ["start_date"] = Iso(start), ["end_date"] = Iso(end),
    };

    private void GivenUser(string userId, string email)
    {
        _go1.Server.Given(Request.Create().WithPath($"/users/{userId}").UsingGet()).RespondWith(Go1Stub.Json(new JsonObject { ["id"] = userId, ["email"] = email }.ToJsonString()));
        _go1.Server.Given(Request.Create().WithPath("/users").WithParam("email", email).UsingGet())
            .RespondWith(Go1Stub.Json(new JsonObject { ["total"] = 1, ["hits"] = new JsonArray(new JsonObject { ["id"] = userId, ["email"] = email }) }.ToJsonString()));
    }

    private void GivenCompleted(string userId, string course, params JsonObject[] enrolments) =>
        _go1.Server.Given(Request.Create().WithPath("/enrollments").WithParam("user_account_id", userId).WithParam("lo_ids", course).UsingGet())
            .RespondWith(Go1Stub.Json(new JsonObject { ["total"] = enrolments.Length, ["hits"] = new JsonArray(enrolments.Select(e => (JsonNode)e.DeepClone()).ToArray()) }.ToJsonString()));

    private void GivenDuration(string course, int minutes) =>
        _go1.Server.Given(Request.Create().WithPath($"/learning-objects/{course}").UsingGet())
            .RespondWith(Go1Stub.Json(new JsonObject { ["id"] = course, ["relevance"] = new JsonObject { ["duration"] = minutes } }.ToJsonString()));

    [Fact]
    public async Task ThinWebhooks_AreMadeWholeFromGo1_WithOneUserAndOneLearningObjectCallForManyCompletions()
    {
        _go1.GivenToken();
        await using var host = await HostAsync();
        var start = DateTimeOffset.Parse("2025-10-01T08:00:00Z");
        GivenUser("u-thin", "thin@example.com");
        GivenDuration("c-thin", 45);
        for (var i = 0; i < 3; i++)
        {
            await host.PostLaunchAsync($"thin-{i}", "thin@example.com", "c-thin", "web", Iso(start.AddDays(i)));
            _go1.Server.Given(Request.Create().WithPath($"/enrollments/enr-thin-{i}").UsingGet())
                .RespondWith(Go1Stub.Json(Enrolment($"enr-thin-{i}", "u-thin", "c-thin", start.AddDays(i), start.AddDays(i).AddHours(1), pass: i != 1, result: 60 + i).ToJsonString()));
        }
        await host.DrainAsync();

        for (var i = 0; i < 3; i++)
            Assert.Equal(202, (await host.PostWebhookAsync(new JsonObject
            {
                ["id"] = $"evt-thin-{i}", ["event_type"] = "enrollment.complete", ["data"] = new JsonObject { ["id"] = $"enr-thin-{i}" },
            }.ToJsonString())).Status);
        await host.DrainAsync(parallelism: 1);

        var attempts = await host.AttemptsAsync("thin@example.com", "c-thin");
        Assert.All(attempts, a => Assert.Equal((AttemptStatus.Completed, 45L * 60_000), (a.Status, a.TimeSpentMs)));
        Assert.Equal([AttemptResult.Success, AttemptResult.Failed, AttemptResult.Success], attempts.Select(a => a.Result));
        Assert.Equal([60, 61, 62], attempts.Select(a => a.Score!.Value));
        Assert.Single(_go1.Requests("/users/u-thin"));
        Assert.Single(_go1.Requests("/learning-objects/c-thin"));
        Assert.Equal(45, (await host.Get<ICourseCatalogue>().GetAsync("c-thin", CancellationToken.None))!.DurationMinutes);
        // The thin deliveries carried no email, yet "where is my completion" finds them by learner once processed.
        var byLearner = await host.Get<IDeliveryLog>().FindAsync(new DeliveryQuery(DateTimeOffset.UtcNow.AddHours(-1), LearnerHash: host.Ids.Id("thin@example.com")), CancellationToken.None);
        Assert.Equal(3, byLearner.Count(r => r.Identity.StartsWith("go1:evt-thin-", StringComparison.Ordinal) && r.Outcome == "applied"));
    }

    [Fact]
    public async Task Enrolment_NotCompletedWhenFetched_HasNoEffect()
    {
        _go1.GivenToken();
        await using var host = await HostAsync();
        _go1.Server.Given(Request.Create().WithPath("/enrollments/enr-ip").UsingGet())
            .RespondWith(Go1Stub.Json("""{"id":"enr-ip","user_account_id":"u-ip","lo_id":"c-ip","status":"in-progress"}"""));
        await host.PostWebhookAsync("""{"id":"evt-ip","event_type":"enrollment.complete","data":{"id":"enr-ip"}}""");
        var report = await host.DrainAsync();
        Assert.Equal(1, report.SucceededCount);
        Assert.Empty(await host.Get<IParkedStore>().ListAsync(null, CancellationToken.None).ContinueWith(t => t.Result.Where(p => p.MessageId == "go1:evt-ip").ToList()));
        var record = Assert.Single(await host.Get<IDeliveryLog>().FindAsync(new DeliveryQuery(DateTimeOffset.UtcNow.AddHours(-1), EnrolmentId: "enr-ip"), CancellationToken.None));
        Assert.Equal("no-effect", record.Outcome);
        Assert.Contains("in-progress", record.OutcomeDetail);
    }

    [Fact]
    public async Task LostWebhook_IsRecoveredByTheSweep_AndTheLateWebhookThenHasNoSecondEffect()
    {
        _go1.GivenToken();
        await using var host = await HostAsync();
        var launched = DateTimeOffset.UtcNow.AddHours(-3);
        await host.PostCourseAsync("""{"courseId":"c-lost","durationMinutes":120}""");
        await host.PostLaunchAsync("lost-a", "lost@example.com", "c-lost", "web", Iso(launched));
        await host.DrainAsync();
        GivenUser("u-lost", "lost@example.com");
        GivenCompleted("u-lost", "c-lost", Enrolment("enr-lost", "u-lost", "c-lost", launched, launched.AddMinutes(90), result: 91));

        var result = await host.Get<ReconciliationSweep>().RunOnceAsync(CancellationToken.None);
        Assert.Equal((1, 1), (result.AskedGo1, result.Recovered));
        await host.DrainAsync();
        var attempt = Assert.Single(await host.AttemptsAsync("lost@example.com", "c-lost"));
        Assert.Equal((AttemptStatus.Completed, 90L * 60_000, 91), (attempt.Status, attempt.TimeSpentMs, attempt.Score));

        // The webhook Go1 had lost finally arrives: same enrolment and instant, so nothing changes.
        await host.PostCompletionAsync("enr-lost", "lost@example.com", "c-lost", Iso(launched.AddMinutes(90)), passed: true, score: 91);
        await host.DrainAsync();
        var stored = await host.Get<IAttemptStore>().GetAsync(LearnerCourseKey.For(host.Ids, "lost@example.com", "c-lost"), CancellationToken.None);
        Assert.Single(stored!.History.Completions);
        Assert.Equal(attempt, Assert.Single(await host.AttemptsAsync("lost@example.com", "c-lost")));
        // The completed attempt left the index, so a second sweep has nothing to read.
        Assert.Equal(0, (await host.Get<ReconciliationSweep>().RunOnceAsync(CancellationToken.None)).IndexRowsRead);
    }

    [Fact]
    public async Task Sweep_AfterTheWebhook_FindsTheCompletionAlreadyAppliedAndQueuesNothing()
    {
        _go1.GivenToken();
        await using var host = await HostAsync();
        var launched = DateTimeOffset.UtcNow.AddHours(-3);
        await host.PostLaunchAsync("ws-a", "ws@example.com", "c-ws", "web", Iso(launched));
        await host.PostLaunchAsync("ws-b", "ws@example.com", "c-ws", "web", Iso(launched.AddMinutes(1)));
        await host.DrainAsync();
        await host.PostCompletionAsync("enr-ws", "ws@example.com", "c-ws", Iso(launched.AddMinutes(50)), passed: true);
        await host.DrainAsync();
        GivenUser("u-ws", "ws@example.com");
        GivenCompleted("u-ws", "c-ws", Enrolment("enr-ws", "u-ws", "c-ws", launched, launched.AddMinutes(50)));

        // ws-b is still open and stale: the sweep asks Go1, which only knows the enrolment already applied.
        var result = await host.Get<ReconciliationSweep>().RunOnceAsync(CancellationToken.None);
        Assert.Equal((1, 0), (result.AskedGo1, result.Recovered));
        Assert.Equal(0, await host.QueueLengthAsync());
        Assert.Equal(1, (await host.AttemptsAsync("ws@example.com", "c-ws")).Count(a => a.Status == AttemptStatus.Completed));
    }

    [Fact]
    public async Task Sweep_BacksOffPerAttempt_AndResolvesTheGo1UserOnce()
    {
        _go1.GivenToken();
        await using var host = await HostAsync();
        var launched = DateTimeOffset.UtcNow.AddHours(-2);
        await host.PostLaunchAsync("bo-a", "backoff@example.com", "c-bo", "web", Iso(launched));
        await host.PostLaunchAsync("bo-b", "backoff@example.com", "c-bo2", "web", Iso(launched));
        await host.DrainAsync();
        GivenUser("u-bo", "backoff@example.com");
        GivenCompleted("u-bo", "c-bo");
        GivenCompleted("u-bo", "c-bo2");

        var first = await host.Get<ReconciliationSweep>().RunOnceAsync(CancellationToken.None);
        var second = await host.Get<ReconciliationSweep>().RunOnceAsync(CancellationToken.None);

        Assert.Equal((2, 2, 0), (first.IndexRowsRead, first.AskedGo1, first.Recovered));
        Assert.Equal((0, 0), (second.IndexRowsRead, second.AskedGo1));
        Assert.Single(_go1.Requests("/users"));
        var row = (await host.OpenIndexRowsAsync()).Single(r => r.GetString("AttemptId") == "bo-a");
        Assert.Equal(1, row.GetInt32("Checks"));
        Assert.InRange(row.GetDateTimeOffset("NextCheckAt")!.Value, DateTimeOffset.UtcNow.AddMinutes(25), DateTimeOffset.UtcNow.AddMinutes(31));
        Assert.Equal(TimeSpan.FromHours(1), OpenAttemptIndex.Backoff(host.Options<Go1Sync.Infrastructure.Configuration.SweepOptions>().Value, 2));
        Assert.Equal(TimeSpan.FromDays(1), OpenAttemptIndex.Backoff(host.Options<Go1Sync.Infrastructure.Configuration.SweepOptions>().Value, 20));
    }

    [Fact]
    public async Task NewActivityAfterSeveralBackOffs_ResetsChecksAndTheDueTime_SoTheBackOffStartsAgain()
    {
        _go1.GivenToken();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite, s =>
        {
            foreach (var (k, v) in _go1.Settings()) s[k] = v;
            s["Sweep:StaleAfter"] = "00:30:00";
        }, services: s => s.AddSingleton<TimeProvider>(clock));
        await host.PostLaunchAsync("rs-a", "reset@example.com", "c-rs", "web", Iso(clock.GetUtcNow().AddHours(-2)));
        await host.DrainAsync();
        GivenUser("u-rs", "reset@example.com");
        GivenCompleted("u-rs", "c-rs");
        var sweep = host.Get<ReconciliationSweep>();
        async Task<TableEntity> RowAsync() => (await host.OpenIndexRowsAsync()).Single(r => r.GetString("AttemptId") == "rs-a");

        // Go1 says "not completed" four times, each answer backing the attempt off further (30 min, 1 h, 2 h, 4 h).
        for (var check = 1; check <= 4; check++)
        {
            if (check > 1) clock.SetUtcNow((await RowAsync()).GetDateTimeOffset("NextCheckAt")!.Value);
            Assert.Equal(1, (await sweep.RunOnceAsync(CancellationToken.None)).AskedGo1);
            Assert.Equal(check, (await RowAsync()).GetInt32("Checks"));
        }
        Assert.Equal(clock.GetUtcNow().AddHours(4), (await RowAsync()).GetDateTimeOffset("NextCheckAt"));

        // The learner comes back to the course: the LMS reports a launch of the same attempt (a continue).
        clock.Advance(TimeSpan.FromMinutes(10));
        var continued = DateTimeOffset.Parse(Iso(clock.GetUtcNow()), System.Globalization.CultureInfo.InvariantCulture);
        await host.PostLaunchAsync("rs-a", "reset@example.com", "c-rs", "web", Iso(continued));
        await host.DrainAsync();

        var reset = await RowAsync();
        Assert.Equal(0, reset.GetInt32("Checks") ?? 0);
        Assert.Equal(continued.AddMinutes(30), reset.GetDateTimeOffset("NextCheckAt"));

        // Stale again 30 minutes after that activity: the first question backs off 30 minutes, not 8 hours.
        clock.SetUtcNow(continued.AddMinutes(30));
        Assert.Equal(1, (await sweep.RunOnceAsync(CancellationToken.None)).AskedGo1);
        var again = await RowAsync();
        Assert.Equal(1, again.GetInt32("Checks"));
        Assert.Equal(clock.GetUtcNow().AddMinutes(30), again.GetDateTimeOffset("NextCheckAt"));
    }

    [Fact]
    public async Task Sweep_AttemptsNoLongerOpen_RemovesTheirIndexRows()
    {
        _go1.GivenToken();
        await using var host = await HostAsync();
        var launched = DateTimeOffset.UtcNow.AddHours(-2);
        await host.PostLaunchAsync("hk-a", "hk@example.com", "c-hk", "web", Iso(launched));
        await host.DrainAsync();
        await host.PostCompletionAsync("enr-hk", "hk@example.com", "c-hk", Iso(launched.AddMinutes(10)), passed: true);
        await host.DrainAsync();
        // A row with no reason to be (nothing but the store writes these rows; say an operator restored an old backup).
        var attempt = Assert.Single(await host.AttemptsAsync("hk@example.com", "c-hk"));
        var key = LearnerCourseKey.For(host.Ids, "hk@example.com", "c-hk");
        await host.Get<TableServiceClient>().GetTableClient(TableNames.AttemptStats).AddEntityAsync(new TableEntity(key.CourseKey, OpenAttemptIndex.RowKey(key, attempt))
        {
            ["LearnerHash"] = key.LearnerHash, ["CourseId"] = "c-hk", ["AttemptId"] = "hk-a", ["NextCheckAt"] = launched,
        });

        var result = await host.Get<ReconciliationSweep>().RunOnceAsync(CancellationToken.None);
        Assert.Equal((1, 0), (result.Removed, result.AskedGo1));
        Assert.DoesNotContain(await host.OpenIndexRowsAsync(), r => r.GetString("AttemptId") == "hk-a");
    }

    [Fact]
    public async Task Sweep_GoesOnWhenGo1FailsForOneLearner_AndDropsAttemptsAbandonedPastGiveUpAfter()
    {
        _go1.GivenToken();
        await using var host = await HostAsync();
        var launched = DateTimeOffset.UtcNow.AddHours(-2);
        await host.PostLaunchAsync("sf-a", "fine@example.com", "c-sf", "web", Iso(launched));
        await host.PostLaunchAsync("sf-b", "broken@example.com", "c-sf", "web", Iso(launched));
        await host.PostLaunchAsync("sf-old", "gone@example.com", "c-sf", "web", Iso(DateTimeOffset.UtcNow.AddDays(-100)));
        await host.DrainAsync();
        GivenUser("u-fine", "fine@example.com");
        GivenCompleted("u-fine", "c-sf", Enrolment("enr-sf", "u-fine", "c-sf", launched, launched.AddMinutes(30)));
        GivenUser("u-broken", "broken@example.com");
        _go1.Server.Given(Request.Create().WithPath("/enrollments").WithParam("user_account_id", "u-broken").UsingGet()).RespondWith(Go1Stub.Json("""{"message":"boom"}""", 500));

        var result = await host.Get<ReconciliationSweep>().RunOnceAsync(CancellationToken.None);

        Assert.Equal((1, 1, 1), (result.Recovered, result.Failed, result.Removed));
        Assert.Contains("failed and stay due", result.Outcome);
        var left = (await host.OpenIndexRowsAsync()).Select(r => r.GetString("AttemptId")).ToList();
        Assert.DoesNotContain("sf-old", left);
        // The failed learner's row was not deferred: the next run asks again.
        var broken = (await host.OpenIndexRowsAsync()).Single(r => r.GetString("AttemptId") == "sf-b");
        Assert.Equal(0, broken.GetInt32("Checks"));
        Assert.True(broken.GetDateTimeOffset("NextCheckAt") <= DateTimeOffset.UtcNow, "the failed learner's row is no longer due");
        var health = host.Get<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckService>();
        Assert.NotEqual(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, (await health.CheckHealthAsync(CancellationToken.None)).Entries["sweep"].Status);
    }

    [Fact]
    public async Task Sweep_CourseBeyondMaxPerRunBehindRowsThatStayDue_IsReachedByTheNextRun()
    {
        _go1.GivenToken();
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite, s =>
        {
            foreach (var (k, v) in _go1.Settings()) s[k] = v;
            s["Sweep:StaleAfter"] = "00:30:00";
            s["Sweep:MaxPerRun"] = "2";
        });
        var launched = DateTimeOffset.UtcNow.AddHours(-2);
        // Course a (first in key order): two learners Go1 keeps failing for, so their rows stay due.
        await host.PostLaunchAsync("rot-a1", "stuck1@example.com", "c-rot-a", "web", Iso(launched));
        await host.PostLaunchAsync("rot-a2", "stuck2@example.com", "c-rot-a", "web", Iso(launched));
        // Course b: a lost completion the sweep can recover.
        await host.PostLaunchAsync("rot-b", "later@example.com", "c-rot-b", "web", Iso(launched));
        await host.DrainAsync();
        foreach (var (user, email) in new[] { ("u-stuck1", "stuck1@example.com"), ("u-stuck2", "stuck2@example.com") })
        {
            GivenUser(user, email);
            _go1.Server.Given(Request.Create().WithPath("/enrollments").WithParam("user_account_id", user).UsingGet()).RespondWith(Go1Stub.Json("""{"message":"boom"}""", 500));
        }
        GivenUser("u-later", "later@example.com");
        GivenCompleted("u-later", "c-rot-b", Enrolment("enr-rot-b", "u-later", "c-rot-b", launched, launched.AddMinutes(30)));
        var sweep = host.Get<ReconciliationSweep>();

        var first = await sweep.RunOnceAsync(CancellationToken.None);
        var second = await sweep.RunOnceAsync(CancellationToken.None);

        Assert.Equal((2, 2, 0), (first.IndexRowsRead, first.Failed, first.Recovered));
        // The second run starts after course a, where the first one filled up: course b's row comes first.
        Assert.Equal(1, second.Recovered);
        await host.DrainAsync();
        Assert.Equal("completed", (await host.StatsRowsAsync("c-rot-b")).Single().GetString("Status"));
    }

    [Fact]
    public async Task Go1Outage_RetriesThenPoison_AndAReplayAfterRecoveryAppliesOnce()
    {
        _go1.GivenToken();
        await using var host = await HostAsync();
        await host.PostLaunchAsync("out-a", "outage@example.com", "c-out", "web", "2025-10-05T08:00:00Z");
        await host.DrainAsync();
        _go1.Server.Given(Request.Create().WithPath("/enrollments/enr-out").UsingGet()).AtPriority(1).RespondWith(Go1Stub.Json("""{"message":"down"}""", 503));
        await host.PostWebhookAsync("""{"id":"evt-out","event_type":"enrollment.complete","data":{"id":"enr-out"}}""");

        var poisoned = 0;
        for (var round = 0; round < Go1Sync.Testing.HostJson.MaxDequeueCount && await host.QueueLengthAsync() > 0; round++)
            poisoned += (await host.DrainAsync()).PoisonedCount;
        Assert.Equal(1, poisoned);
        Assert.True(_go1.Requests("/enrollments/enr-out").Count >= Go1Sync.Testing.HostJson.MaxDequeueCount, "each delivery asked Go1 (with its own retries)");

        // Go1 is back.
        _go1.Server.Given(Request.Create().WithPath("/enrollments/enr-out").UsingGet()).AtPriority(0)
            .RespondWith(Go1Stub.Json(Enrolment("enr-out", "u-out", "c-out", DateTimeOffset.Parse("2025-10-05T08:00:00Z"), DateTimeOffset.Parse("2025-10-05T08:40:00Z")).ToJsonString()));
        GivenUser("u-out", "outage@example.com");
        GivenDuration("c-out", 30);
        Assert.Equal(1, await host.Get<MessageOperations>().ReplayPoisonAsync(null, 10, CancellationToken.None));
        await host.Queue.SendMessageAsync((await host.Queue.PeekMessageAsync()).Value.Body); // and a duplicate of the replay
        await host.DrainAsync();

        var attempt = Assert.Single(await host.AttemptsAsync("outage@example.com", "c-out"));
        Assert.Equal((AttemptStatus.Completed, 30L * 60_000), (attempt.Status, attempt.TimeSpentMs));
        var stored = await host.Get<IAttemptStore>().GetAsync(LearnerCourseKey.For(host.Ids, "outage@example.com", "c-out"), CancellationToken.None);
        Assert.Single(stored!.History.Completions);
    }
}
