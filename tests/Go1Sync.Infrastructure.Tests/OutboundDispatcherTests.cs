using System.Text.Json.Nodes;
using Go1Sync.Core.Outbound;
using Go1Sync.Core.Reporting;
using Go1Sync.Infrastructure.Outbound;
using Microsoft.Extensions.Time.Testing;

namespace Go1Sync.Infrastructure.Tests;

/// <summary>
/// The outbound webhooks end to end: changes written by the processor into Azurite, the dispatcher
/// reading the feed and POSTing to a <see cref="WebhookReceiver"/> on loopback that checks every
/// signature with the StandardWebhooks package. The clock is a <see cref="FakeTimeProvider"/> started
/// three minutes behind the real one, so the signatures' timestamps stay within the verifier's
/// five-minute tolerance (of the real clock) while a test moves it on through the first retries.
/// Each test writes its changes at its own start and moves the cursor there, so the feed it reads
/// holds only its own changes (earlier tests' are stamped before).
/// </summary>
public sealed class OutboundDispatcherTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private sealed class Scenario(Go1SyncTestHost host, WebhookReceiver receiver, FakeTimeProvider time, CapturingLoggerProvider logs, string course) : IAsyncDisposable
    {
        public Go1SyncTestHost Host { get; } = host;
        public WebhookReceiver Receiver { get; } = receiver;
        public FakeTimeProvider Time { get; } = time;
        public CapturingLoggerProvider Logs { get; } = logs;
        public string Course { get; } = course;
        public OutboundDispatcher Dispatcher => Host.Get<OutboundDispatcher>();
        public OutboundOperations Operations => Host.Get<OutboundOperations>();
        public IOutboundStore Store => Host.Get<IOutboundStore>();
        public async Task<OutboundState> StateAsync() => (await Store.ReadAsync(CancellationToken.None)).State;

        /// <summary>Launches <paramref name="count"/> attempts (one change each) now, then moves the clock past them.</summary>
        public async Task<IReadOnlyList<string>> WriteChangesAsync(int count)
        {
            var processor = Host.Get<AttemptEventProcessor>();
            var at = Time.GetUtcNow();
            for (var i = 0; i < count; i++)
            {
                var launch = EventEnvelope.ForLaunch(new LaunchMessage($"{Course}-a{i}", $"learner{i}@example.com", Course, Platform.Web, at.AddMinutes(-1)), $"l-{Course}-{i}", at);
                await processor.ProcessAsync(launch.Id, launch.ToJson(), CancellationToken.None);
            }
            Time.Advance(TimeSpan.FromSeconds(1));
            // The feed's own order and ids, to compare with what arrived.
            var (page, _) = await Host.Get<ChangeFeed>().ReadPositionedAsync(ChangePosition.At(at), ChangeFeed.MaxLimit, CancellationToken.None);
            return page!.Entries.Where(e => e.Change.Report.Attempt.CourseId == Course).Select(e => WebhookIds.For(e.Position)).ToList();
        }

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            Receiver.Dispose();
        }
    }

    private async Task<Scenario> StartAsync(Action<Dictionary<string, string?>>? settings = null, RetrySchedule? schedule = null)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-3));
        var receiver = new WebhookReceiver();
        var logs = new CapturingLoggerProvider();
        var host = await Go1SyncTestHost.StartAsync(storage.Azurite, s =>
        {
            s["Outbound:Url"] = receiver.Url;
            s["Outbound:Secret"] = WebhookReceiver.Secret;
            s["Feed:SafeLag"] = "00:00:00";
            settings?.Invoke(s);
        }, services =>
        {
            services.AddSingleton<TimeProvider>(time);
            services.AddSingleton<ILoggerProvider>(logs);
            // A pinned jitter draw (the middle: no jitter) unless a test brings its own.
            services.AddSingleton(schedule ?? new RetrySchedule(new FixedRandom(0.5)));
        });
        // A fresh state: the class's tests share one Azurite.
        var table = host.Get<Azure.Data.Tables.TableServiceClient>().GetTableClient(TableNames.Outbound);
        await foreach (var row in table.QueryAsync<Azure.Data.Tables.TableEntity>(select: ["PartitionKey", "RowKey"]))
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        await host.Get<OutboundOperations>().MoveCursorAsync(ChangePosition.At(time.GetUtcNow()), CancellationToken.None);
        return new Scenario(host, receiver, time, logs, $"ob-{Guid.NewGuid():N}"[..16]);
    }

    /// <summary>A <see cref="Random"/> whose every draw is the same value.</summary>
    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
        protected override double Sample() => value;
    }

    /// <summary>Runs until caught up (or <paramref name="max"/> runs), with the clock moved to each next attempt.</summary>
    private static async Task<List<OutboundRunResult>> RunUntilCaughtUpAsync(Scenario s, int max = 20)
    {
        var runs = new List<OutboundRunResult>();
        for (var i = 0; i < max; i++)
        {
            var state = await s.StateAsync();
            if (state.NextAttemptAt is { } due && due > s.Time.GetUtcNow()) s.Time.SetUtcNow(due);
            var run = await s.Dispatcher.RunOnceAsync(CancellationToken.None);
            runs.Add(run);
            if (run.Outcome == OutboundRunOutcome.CaughtUp) break;
        }
        return runs;
    }

    [Fact]
    public async Task Run_ChangesAfterTheCursor_DeliversEachOnceInFeedOrderSignedAsTheContractSays()
    {
        await using var s = await StartAsync();
        var ids = await s.WriteChangesAsync(12);

        var run = await s.Dispatcher.RunOnceAsync(CancellationToken.None);

        Assert.Equal(OutboundRunOutcome.CaughtUp, run.Outcome);
        Assert.Equal(12, run.Delivered);
        Assert.Equal(0, s.Receiver.BadSignatures);
        // Parallelism 1 keeps arrival order; the default (4) only keeps the cursor's order.
        Assert.Equal(ids.Order(StringComparer.Ordinal), s.Receiver.Accepted.Select(r => r.WebhookId).Order(StringComparer.Ordinal));
        var body = JsonNode.Parse(s.Receiver.Accepted[0].Body)!.AsObject();
        Assert.Equal("attempt.updated", body["type"]!.GetValue<string>());
        Assert.Equal(s.Course, body["data"]!["courseId"]!.GetValue<string>());
        Assert.Equal(body["data"]!["changedAt"]!.GetValue<string>(), body["timestamp"]!.GetValue<string>());
        var state = await s.StateAsync();
        Assert.Equal(OutboundStatus.Active, state.Status);
        Assert.Equal(12, state.Delivered);

        var again = await s.Dispatcher.RunOnceAsync(CancellationToken.None);
        Assert.Equal(0, again.Delivered);
        Assert.Equal(12, s.Receiver.Received.Count);
    }

    [Fact]
    public async Task Run_ParallelismOne_ArrivalOrderIsTheFeedOrder()
    {
        await using var s = await StartAsync(o => o["Outbound:Parallelism"] = "1");
        var ids = await s.WriteChangesAsync(6);

        await s.Dispatcher.RunOnceAsync(CancellationToken.None);

        Assert.Equal(ids, s.Receiver.Accepted.Select(r => r.WebhookId));
    }

    [Fact]
    public async Task Run_ReceiverDownForAWhileThenBack_DeliversEveryChangeAndRetriesKeepTheirWebhookId()
    {
        await using var s = await StartAsync(o => o["Outbound:Parallelism"] = "1");
        var ids = await s.WriteChangesAsync(5);
        s.Receiver.Plan(200, times: 2);
        s.Receiver.Plan(503);

        var first = await s.Dispatcher.RunOnceAsync(CancellationToken.None);
        Assert.Equal(OutboundRunOutcome.Failed, first.Outcome);
        Assert.Equal(2, first.Delivered);
        var failedId = s.Receiver.Received[^1].WebhookId;
        Assert.Equal(ids[2], failedId);

        // Down: connection refused at the next attempt (5 s later), then a 500.
        s.Receiver.Stop();
        var waiting = await s.Dispatcher.RunOnceAsync(CancellationToken.None);
        Assert.Equal(OutboundRunOutcome.Waiting, waiting.Outcome);
        s.Time.SetUtcNow((await s.StateAsync()).NextAttemptAt!.Value);
        var refused = await s.Dispatcher.RunOnceAsync(CancellationToken.None);
        Assert.Equal(OutboundRunOutcome.Failed, refused.Outcome);
        var state = await s.StateAsync();
        Assert.Equal(2, state.ConsecutiveFailures);
        Assert.Null(state.LastStatus);
        Assert.StartsWith("request failed", state.LastError, StringComparison.Ordinal);

        s.Receiver.Restart();
        var runs = await RunUntilCaughtUpAsync(s);

        Assert.Equal(OutboundRunOutcome.CaughtUp, runs[^1].Outcome);
        Assert.Equal(0, s.Receiver.BadSignatures);
        Assert.Equal(ids, s.Receiver.Accepted.Select(r => r.WebhookId));
        // Every attempt at the failed change carried the same id; nothing else was sent twice.
        Assert.Equal(2, s.Receiver.Received.Count(r => r.WebhookId == failedId));
        var end = await s.StateAsync();
        Assert.Equal((OutboundStatus.Active, 0, 5L), (end.Status, end.ConsecutiveFailures, end.Delivered));
    }

    [Fact]
    public async Task Run_EachFailureInARow_NextAttemptIsTheSchedulesDelayWithinTheJitter()
    {
        // Real jitter; the receiver always fails; the clock jumps to each next attempt (signatures then
        // go stale for the verifier, which answers 401: still a failure, which is all this test needs).
        await using var s = await StartAsync(schedule: new RetrySchedule());
        await s.WriteChangesAsync(1);
        s.Receiver.Plan(503, times: 100);

        for (var failures = 1; failures <= RetrySchedule.Delays.Count; failures++)
        {
            var at = s.Time.GetUtcNow();
            var run = await s.Dispatcher.RunOnceAsync(CancellationToken.None);
            Assert.Equal(OutboundRunOutcome.Failed, run.Outcome);
            var state = await s.StateAsync();
            Assert.Equal(failures, state.ConsecutiveFailures);
            Assert.Equal(OutboundStatus.Retrying, state.Status);
            var delay = RetrySchedule.Delays[failures - 1];
            var waited = state.NextAttemptAt!.Value - at;
            Assert.InRange(waited, delay * (1 - RetrySchedule.Jitter), delay * (1 + RetrySchedule.Jitter));
            s.Time.SetUtcNow(state.NextAttemptAt.Value);
        }
    }

    [Theory]
    [InlineData("120", 120)]
    [InlineData("999999", 24 * 3600)]
    public async Task Run_FailureWithRetryAfterSeconds_NextAttemptIsWhenItAsksCapped(string retryAfter, int expectedSeconds)
    {
        await using var s = await StartAsync();
        await s.WriteChangesAsync(1);
        s.Receiver.Plan(429, retryAfter: retryAfter);
        var at = s.Time.GetUtcNow();

        await s.Dispatcher.RunOnceAsync(CancellationToken.None);

        var state = await s.StateAsync();
        Assert.Equal(429, state.LastStatus);
        Assert.Equal(at.AddSeconds(expectedSeconds), state.NextAttemptAt);
    }

    [Fact]
    public async Task Run_FailureWithRetryAfterDate_NextAttemptIsThatDate()
    {
        await using var s = await StartAsync();
        await s.WriteChangesAsync(1);
        var until = new DateTimeOffset(s.Time.GetUtcNow().UtcDateTime.AddMinutes(42).Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);
        s.Receiver.Plan(503, retryAfter: until.ToString("R", System.Globalization.CultureInfo.InvariantCulture));

        await s.Dispatcher.RunOnceAsync(CancellationToken.None);

        Assert.Equal(until, (await s.StateAsync()).NextAttemptAt);
    }

    [Fact]
    public async Task Run_EndpointAnswers410_DisablesItAndSendsNothingMoreUntilEnabled()
    {
        await using var s = await StartAsync(o => o["Outbound:Parallelism"] = "1");
        var ids = await s.WriteChangesAsync(3);
        s.Receiver.Plan(410);

        var run = await s.Dispatcher.RunOnceAsync(CancellationToken.None);

        Assert.Equal(OutboundRunOutcome.Gone, run.Outcome);
        var state = await s.StateAsync();
        Assert.Equal(OutboundStatus.Disabled, state.Status);
        Assert.Contains("410", state.DisabledReason, StringComparison.Ordinal);
        Assert.NotNull(state.DisabledAt);
        s.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(OutboundRunOutcome.Disabled, (await s.Dispatcher.RunOnceAsync(CancellationToken.None)).Outcome);
        Assert.Single(s.Receiver.Received);

        await s.Operations.EnableAsync(CancellationToken.None);
        var resumed = await s.Dispatcher.RunOnceAsync(CancellationToken.None);
        Assert.Equal(OutboundRunOutcome.CaughtUp, resumed.Outcome);
        Assert.Equal(ids, s.Receiver.Accepted.Select(r => r.WebhookId));
    }

    [Fact]
    public async Task Run_ReceiverSlowerThanTheTimeout_CountsAFailureAndRetries()
    {
        await using var s = await StartAsync(o => o["Outbound:TimeoutSeconds"] = "1");
        await s.WriteChangesAsync(1);
        s.Receiver.Delay = TimeSpan.FromSeconds(3);

        var run = await s.Dispatcher.RunOnceAsync(CancellationToken.None);

        Assert.Equal(OutboundRunOutcome.Failed, run.Outcome);
        var state = await s.StateAsync();
        Assert.Equal((OutboundStatus.Retrying, 1), (state.Status, state.ConsecutiveFailures));
        Assert.Null(state.LastStatus);
        Assert.Contains("no answer within 1 s", state.LastError, StringComparison.Ordinal);
    }

    /// <summary>The standard schedule's number of steps, each a second long: the signatures stay fresh for the verifier.</summary>
    private static RetrySchedule Compressed() => new(new FixedRandom(0.5), Enumerable.Repeat(TimeSpan.FromSeconds(1), RetrySchedule.Delays.Count).ToList());

    [Fact]
    public async Task Run_ScheduleExhaustedForOneChange_ParksItDeliversTheRestAndRedeliverSendsItWithTheSameId()
    {
        await using var s = await StartAsync(o => o["Outbound:Parallelism"] = "1", Compressed());
        var ids = await s.WriteChangesAsync(3);
        Assert.Equal(RetrySchedule.StandardMaxAttempts, s.Host.Get<RetrySchedule>().MaxAttempts);
        s.Receiver.Plan(500, times: RetrySchedule.StandardMaxAttempts);

        var runs = await RunUntilCaughtUpAsync(s);

        Assert.Equal(OutboundRunOutcome.CaughtUp, runs[^1].Outcome);
        Assert.Equal(1, runs.Sum(r => r.Parked));
        Assert.Equal(RetrySchedule.StandardMaxAttempts, s.Receiver.Received.Count(r => r.WebhookId == ids[0]));
        Assert.Equal(ids.Skip(1), s.Receiver.Accepted.Select(r => r.WebhookId));
        var (state, parked) = await s.Operations.ListAsync(CancellationToken.None);
        var one = Assert.Single(parked);
        Assert.Equal((ids[0], RetrySchedule.StandardMaxAttempts, 500), (one.WebhookId, one.Attempts, one.LastStatus));
        Assert.Equal((OutboundStatus.Active, 0), (state.Status, state.ConsecutiveFailures));

        s.Time.SetUtcNow(DateTimeOffset.UtcNow);
        var result = await s.Operations.RedeliverAsync(ids[0], CancellationToken.None);

        Assert.Equal(SendOutcome.Delivered, result!.Outcome);
        var redelivered = s.Receiver.Accepted[^1];
        Assert.Equal(ids[0], redelivered.WebhookId);
        Assert.Equal(s.Receiver.Received.First(r => r.WebhookId == ids[0]).Body, redelivered.Body);
        Assert.Empty((await s.Operations.ListAsync(CancellationToken.None)).Parked);
        Assert.Equal(0, s.Receiver.BadSignatures);
    }

    /// <summary>Fails the first state write after a POST succeeded: the process "crashed" between the POST and the cursor's save.</summary>
    private sealed class CrashOnSaveStore(IOutboundStore inner) : IOutboundStore
    {
        public bool Crash { get; set; } = true;
        public Task<(OutboundState State, string? Version)> ReadAsync(CancellationToken c) => inner.ReadAsync(c);
        public Task<string> SaveAsync(OutboundState state, string? version, CancellationToken c)
        {
            if (Crash && state.Delivered > 0) throw new IOException("crashed before the cursor was saved");
            return inner.SaveAsync(state, version, c);
        }
        public Task ParkAsync(ParkedWebhook p, CancellationToken c) => inner.ParkAsync(p, c);
        public Task<IReadOnlyList<ParkedWebhook>> ListParkedAsync(CancellationToken c) => inner.ListParkedAsync(c);
        public Task<ParkedWebhook?> GetParkedAsync(string id, CancellationToken c) => inner.GetParkedAsync(id, c);
        public Task RemoveParkedAsync(string id, CancellationToken c) => inner.RemoveParkedAsync(id, c);
    }

    [Fact]
    public async Task Run_CrashBetweenPostAndCursorSave_NextRunSendsTheSameChangesWithTheSameIds()
    {
        await using var s = await StartAsync();
        var ids = await s.WriteChangesAsync(4);
        var crashing = new CrashOnSaveStore(s.Store);
        var dispatcher = ActivatorUtilities.CreateInstance<OutboundDispatcher>(s.Host.Services, crashing);

        await Assert.ThrowsAsync<IOException>(() => dispatcher.RunOnceAsync(CancellationToken.None));
        var firstIds = s.Receiver.Accepted.Select(r => r.WebhookId).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), firstIds.Order(StringComparer.Ordinal));

        crashing.Crash = false;
        var run = await dispatcher.RunOnceAsync(CancellationToken.None);

        Assert.Equal(OutboundRunOutcome.CaughtUp, run.Outcome);
        var all = s.Receiver.Accepted.Select(r => r.WebhookId).ToList();
        Assert.Equal(8, all.Count);
        Assert.Equal(ids.Order(StringComparer.Ordinal), all.Skip(4).Order(StringComparer.Ordinal));
    }

    /// <summary>Lets another writer act right after the wrapped store's first read (a run reads, then the CLI writes, then the run saves).</summary>
    private sealed class InterleavingStore(IOutboundStore inner, Func<Task> between) : IOutboundStore
    {
        private int _reads;
        public async Task<(OutboundState State, string? Version)> ReadAsync(CancellationToken c)
        {
            var read = await inner.ReadAsync(c);
            if (Interlocked.Increment(ref _reads) == 1) await between();
            return read;
        }
        public Task<string> SaveAsync(OutboundState state, string? version, CancellationToken c) => inner.SaveAsync(state, version, c);
        public Task ParkAsync(ParkedWebhook p, CancellationToken c) => inner.ParkAsync(p, c);
        public Task<IReadOnlyList<ParkedWebhook>> ListParkedAsync(CancellationToken c) => inner.ListParkedAsync(c);
        public Task<ParkedWebhook?> GetParkedAsync(string id, CancellationToken c) => inner.GetParkedAsync(id, c);
        public Task RemoveParkedAsync(string id, CancellationToken c) => inner.RemoveParkedAsync(id, c);
    }

    [Fact]
    public async Task Run_CliMovesTheCursorWhileARunIsUnderWay_RunStopsWithoutOverwritingIt()
    {
        await using var s = await StartAsync();
        await s.WriteChangesAsync(3);
        var cliCursor = ChangePosition.At(s.Time.GetUtcNow().AddDays(-1));
        var store = new InterleavingStore(s.Store, () => s.Operations.MoveCursorAsync(cliCursor, CancellationToken.None));
        var dispatcher = ActivatorUtilities.CreateInstance<OutboundDispatcher>(s.Host.Services, (IOutboundStore)store);

        var run = await dispatcher.RunOnceAsync(CancellationToken.None);

        Assert.Equal(OutboundRunOutcome.Conflict, run.Outcome);
        Assert.Equal(ChangeCursor.Encode(cliCursor), (await s.StateAsync()).Cursor);
    }

    [Fact]
    public async Task Operations_RunSavesWhileTheCliUpdates_CliRetriesAndBothUpdatesStay()
    {
        await using var s = await StartAsync();
        await s.WriteChangesAsync(2);
        s.Receiver.Plan(503);
        await s.Dispatcher.RunOnceAsync(CancellationToken.None);
        Assert.Equal(OutboundStatus.Retrying, (await s.StateAsync()).Status);
        s.Time.SetUtcNow((await s.StateAsync()).NextAttemptAt!.Value);
        // The CLI's enable reads, then a run delivers both changes and saves, then the CLI saves.
        var store = new InterleavingStore(s.Store, async () => await s.Dispatcher.RunOnceAsync(CancellationToken.None));
        var operations = ActivatorUtilities.CreateInstance<OutboundOperations>(s.Host.Services, (IOutboundStore)store);

        await operations.EnableAsync(CancellationToken.None);

        var state = await s.StateAsync();
        Assert.Equal(2, state.Delivered);
        Assert.Equal((OutboundStatus.Active, 0, (DateTimeOffset?)null), (state.Status, state.ConsecutiveFailures, state.NextAttemptAt));
    }

    [Fact]
    public async Task Run_CursorOlderThanTheFeedKeeps_MarksResyncNeededAndSendsNothing()
    {
        await using var s = await StartAsync();
        await s.Operations.MoveCursorAsync(ChangePosition.At(s.Time.GetUtcNow().AddDays(-31)), CancellationToken.None);
        await s.WriteChangesAsync(1);

        var run = await s.Dispatcher.RunOnceAsync(CancellationToken.None);

        Assert.Equal(OutboundRunOutcome.NeedsResync, run.Outcome);
        var state = await s.StateAsync();
        Assert.True(state.NeedsResync);
        Assert.NotNull(state.NeedsResyncSince);
        Assert.Empty(s.Receiver.Received);
        Assert.Equal(OutboundRunOutcome.NeedsResync, (await s.Dispatcher.RunOnceAsync(CancellationToken.None)).Outcome);

        await s.Operations.MoveCursorAsync(null, CancellationToken.None);
        Assert.False((await s.StateAsync()).NeedsResync);
    }

    [Fact]
    public async Task Run_NeverStarted_StartsFromLatestSendingNothingOlder()
    {
        await using var s = await StartAsync();
        await s.WriteChangesAsync(2);
        var table = s.Host.Get<Azure.Data.Tables.TableServiceClient>().GetTableClient(TableNames.Outbound);
        await table.DeleteEntityAsync(TableOutboundStore.StatePartition, TableOutboundStore.StateRow);

        var run = await s.Dispatcher.RunOnceAsync(CancellationToken.None);

        Assert.Equal((OutboundRunOutcome.CaughtUp, 0), (run.Outcome, run.Delivered));
        Assert.NotNull((await s.StateAsync()).Cursor);
        Assert.Empty(s.Receiver.Received);
    }

    [Fact]
    public async Task Run_FailuresAndDeliveries_NeitherTheSecretNorAnEmailIsLogged()
    {
        await using var s = await StartAsync();
        await s.WriteChangesAsync(2);
        s.Receiver.Plan(500);
        await s.Dispatcher.RunOnceAsync(CancellationToken.None);
        s.Time.SetUtcNow((await s.StateAsync()).NextAttemptAt!.Value);
        await s.Dispatcher.RunOnceAsync(CancellationToken.None);

        var lines = s.Logs.Lines.ToList();
        Assert.Contains(lines, l => l.Contains("Outbound webhooks", StringComparison.Ordinal));
        var key = WebhookReceiver.Secret["whsec_".Length..];
        var leaked = lines.Where(l => l.Contains(key, StringComparison.Ordinal) || l.Contains("learner0@example.com", StringComparison.Ordinal) || l.Contains("learner1@example.com", StringComparison.Ordinal)).ToList();
        Assert.True(leaked.Count == 0, string.Join("\n", leaked));
    }

    [Fact]
    public async Task HealthCheck_RetryingThenParked_DegradedThenUnhealthy()
    {
        await using var s = await StartAsync(schedule: Compressed());
        await s.WriteChangesAsync(1);
        var check = ActivatorUtilities.CreateInstance<Health.OutboundHealthCheck>(s.Host.Services);
        var context = new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext();
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, (await check.CheckHealthAsync(context)).Status);

        s.Receiver.Plan(503, times: RetrySchedule.StandardMaxAttempts);
        await s.Dispatcher.RunOnceAsync(CancellationToken.None);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, (await check.CheckHealthAsync(context)).Status);

        await RunUntilCaughtUpAsync(s);
        var parked = await check.CheckHealthAsync(context);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, parked.Status);
        Assert.Contains("parked", parked.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BacklogOverMaxPerRun_SavesItsCursorSoTheNextRunsDeliverTheRestOnce()
    {
        await using var s = await StartAsync(o => o["Outbound:MaxPerRun"] = "3");
        var ids = await s.WriteChangesAsync(7);

        var first = await s.Dispatcher.RunOnceAsync(CancellationToken.None);
        var afterFirst = await s.StateAsync();
        var second = await s.Dispatcher.RunOnceAsync(CancellationToken.None);
        var third = await s.Dispatcher.RunOnceAsync(CancellationToken.None);

        Assert.Equal((OutboundRunOutcome.MoreWaiting, 3), (first.Outcome, first.Delivered));
        Assert.Equal(3, afterFirst.Delivered);
        Assert.Equal((OutboundRunOutcome.MoreWaiting, 3), (second.Outcome, second.Delivered));
        Assert.Equal((OutboundRunOutcome.CaughtUp, 1), (third.Outcome, third.Delivered));
        // Each change once: a run that stopped at MaxPerRun kept what it had delivered.
        Assert.Equal(ids.Order(StringComparer.Ordinal), s.Receiver.Accepted.Select(r => r.WebhookId).Order(StringComparer.Ordinal));
        Assert.Equal(7, s.Receiver.Received.Count);
    }

    [Fact]
    public async Task Run_RetriedChangeErasedBeforeItsNextAttempt_CountsTheNextChangesFailuresFromOneAndEndsTheRetryWhenNothingIsLeft()
    {
        await using var s = await StartAsync(o => o["Outbound:Parallelism"] = "1", Compressed());
        var first = (await s.WriteChangesAsync(1)).Single();
        s.Receiver.Plan(503, times: 2);
        await s.Dispatcher.RunOnceAsync(CancellationToken.None);
        Assert.Equal((1, first), ((await s.StateAsync()).ConsecutiveFailures, (await s.StateAsync()).FailingId));
        // Written before the clock moves on: the class's tests share one feed, and a change stamped
        // ahead of the next test's start would reach that test's receiver.
        var table = s.Host.Get<Azure.Data.Tables.TableServiceClient>().GetTableClient(TableNames.AttemptStats);
        var erased = new List<string>();
        await foreach (var row in table.QueryAsync<Azure.Data.Tables.TableEntity>(r => r.PartitionKey == s.Course))
            if (row.RowKey.StartsWith("~c~", StringComparison.Ordinal)) erased.Add(row.RowKey);
        var second = (await s.WriteChangesAsync(1)).Single(id => id != first);

        // The learner of the first change is erased: its change row, which the retry waits on, is gone.
        foreach (var rowKey in erased) await table.DeleteEntityAsync(s.Course, rowKey);
        s.Time.SetUtcNow((await s.StateAsync()).NextAttemptAt!.Value);
        await s.Dispatcher.RunOnceAsync(CancellationToken.None);
        var afterSecond = await s.StateAsync();
        await foreach (var row in table.QueryAsync<Azure.Data.Tables.TableEntity>(r => r.PartitionKey == s.Course))
            if (row.RowKey.StartsWith("~c~", StringComparison.Ordinal)) await table.DeleteEntityAsync(s.Course, row.RowKey);
        s.Time.SetUtcNow(afterSecond.NextAttemptAt!.Value);
        var idle = await s.Dispatcher.RunOnceAsync(CancellationToken.None);
        var afterIdle = await s.StateAsync();

        Assert.Equal((OutboundStatus.Retrying, 1, second), (afterSecond.Status, afterSecond.ConsecutiveFailures, afterSecond.FailingId));
        Assert.Equal(OutboundRunOutcome.CaughtUp, idle.Outcome);
        Assert.Equal((OutboundStatus.Active, 0, null), (afterIdle.Status, afterIdle.ConsecutiveFailures, afterIdle.FailingId));
    }
}
