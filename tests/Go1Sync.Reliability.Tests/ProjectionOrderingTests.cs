using Microsoft.Extensions.Logging.Abstractions;

namespace Go1Sync.Reliability.Tests;

/// <summary>
/// "Delivery order never matters" for the read side too: the AttemptStats and OpenAttempts rows
/// must end as the fold of the aggregate whatever order events arrive and are processed in.
/// Deterministic versions of what the duplicate storm shows at random.
/// </summary>
public sealed class ProjectionOrderingTests(AzuriteFixture storage, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task ContinueDelivered_BeforeTheFirstLaunch_LeavesExactlyOneOpenIndexRow()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var course = Names.Unique("late-first");
        const string email = "latefirst@example.com";
        var first = new LaunchSent("lf-a", email, course, Platform.Web, ProjectionRepairTests.At("2025-02-05T09:00:00Z"));
        var @continue = first with { LaunchedAt = ProjectionRepairTests.At("2025-02-05T11:00:00Z") };

        // The continue is delivered (and processed) first, the first launch second.
        await @continue.DeliverAsync(host);
        await first.DeliverAsync(host);

        var attempt = Assert.Single(await host.AttemptsAsync(email, course));
        Assert.Equal((first.LaunchedAt, @continue.LaunchedAt), (attempt.FirstActivityAt, attempt.LastActivityAt));
        var rows = await ProjectionRepairTests.OpenRowsAsync(host, course);
        output.WriteLine($"open index rows for the one open attempt: {rows.Count} ({string.Join(", ", rows.Select(r => r.RowKey))}); " +
            $"expected only {Go1Sync.Infrastructure.Storage.OpenAttemptIndex.RowKey(first.Aggregate.Key, attempt)}");
        var differences = await StateCheck.ProjectionDifferencesAsync(host, new Dictionary<LearnerCourse, IReadOnlyList<Attempt>> { [first.Aggregate] = [attempt] });
        // The OpenAttempts RowKey starts with the attempt's first activity. The continue's delivery
        // wrote the row at 11:00; the first launch moves the first activity to 09:00, so the
        // projection must delete the 11:00 row as it writes the 09:00 one (an earlier version left it).
        Assert.True(differences.Count == 0, StateCheck.Report(differences));
    }

    [Fact]
    public async Task ProjectionWritesOfTwoEventsOnOneAggregate_FinishingInTheOppositeOrder_LeaveTheReadSideAsTheAggregate()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var course = Names.Unique("race");
        const string email = "race@example.com";
        Assert.Equal(200, (await host.PostCourseAsync($$"""{"courseId":"{{course}}","durationMinutes":120}""")).Status);
        var launch = new LaunchSent("rc-a", email, course, Platform.Web, ProjectionRepairTests.At("2025-02-06T09:00:00Z"));
        var completion = new CompletionSent("enr-rc", email, course, ProjectionRepairTests.At("2025-02-06T10:00:00Z"), Passed: true, Score: 70);

        // Instance 1 applies the launch: its aggregate write succeeds, then it is slow to write the
        // projection (a GC pause, a slow connection: anything between two awaits). The processor is
        // the product's own class with the product's projection; only a gate sits in between.
        var gate = new GatedProjection(host.Get<IAttemptProjection>());
        var slowInstance = ProcessorWith(host, gate);
        var slow = slowInstance.ProcessAsync("msg-launch", launch.Envelope(DateTimeOffset.UtcNow).ToJson(), CancellationToken.None);
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(30));

        // Meanwhile instance 2 applies the completion from start to end, through the queue function.
        Assert.Equal(202, (await completion.PostAsync(host)).Status);
        var report = await host.DrainAsync();
        Assert.Equal(1, report.SucceededCount);

        // Instance 1 finishes.
        gate.Release();
        var outcome = await slow;
        Assert.Equal(OutcomeKind.Applied, outcome.Kind);

        var attempt = Assert.Single(await host.AttemptsAsync(email, course));
        Assert.Equal((AttemptStatus.Completed, "enr-rc"), (attempt.Status, attempt.Go1EnrolmentId));
        var folds = new Dictionary<LearnerCourse, IReadOnlyList<Attempt>> { [launch.Aggregate] = [attempt] };
        var differences = await StateCheck.ProjectionDifferencesAsync(host, folds);
        var row = Assert.Single(await host.StatsRowsAsync(course));
        output.WriteLine($"aggregate: {StateCheck.Describe(attempt)}");
        output.WriteLine($"stats row: Status={row.GetString("Status")} Progress={row.GetInt32("Progress")} Go1EnrolmentId={row.GetString("Go1EnrolmentId") ?? "-"}; " +
            $"open index rows: {(await ProjectionRepairTests.OpenRowsAsync(host, course)).Count}; differences {differences.Count}");

        // A later unrelated event on the aggregate does not repair it either (only changed attempts are written).
        await new LaunchSent("rc-b", email, course, Platform.Web, ProjectionRepairTests.At("2025-02-06T12:00:00Z")).DeliverAsync(host);
        var afterLater = await StateCheck.ProjectionDifferencesAsync(host,
            new Dictionary<LearnerCourse, IReadOnlyList<Attempt>> { [launch.Aggregate] = await host.AttemptsAsync(email, course) });
        output.WriteLine($"after a later, unrelated launch on the same aggregate: differences {afterLater.Count}");

        // Instance 1's late UpdateAsync writes rc-a as it was after the launch (open, 50 %) over
        // instance 2's completed row; the processor then sees the aggregate has moved on and brings
        // the rows to the latest version (AttemptEventProcessor.ConvergeAsync).
        Assert.True(differences.Count == 0, StateCheck.Report(differences));
    }

    [Fact]
    public async Task RepairFromARedelivery_FinishingAfterANewerEvent_LeavesTheReadSideAsTheAggregate()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var course = Names.Unique("repair-race");
        const string email = "repairrace@example.com";
        var launch = new LaunchSent("rr-a", email, course, Platform.Web, ProjectionRepairTests.At("2025-02-07T09:00:00Z"));
        var completion = new CompletionSent("enr-rr", email, course, ProjectionRepairTests.At("2025-02-07T10:00:00Z"), Passed: true, Score: 70);
        await launch.DeliverAsync(host);

        // Instance 1 gets a redelivery of the launch: a duplicate, so it repairs the read side from
        // the version it read, but slowly.
        var gate = new GatedProjection(host.Get<IAttemptProjection>(), gateRepairs: true);
        var slowInstance = ProcessorWith(host, gate);
        var slow = slowInstance.ProcessAsync("msg-redelivery", launch.Envelope(DateTimeOffset.UtcNow).ToJson(), CancellationToken.None);
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(30));

        // Meanwhile instance 2 completes the attempt from start to end.
        await completion.DeliverAsync(host);

        // Instance 1's repair writes rr-a as open again, then sees the newer version and converges.
        gate.Release();
        Assert.Equal(OutcomeKind.Duplicate, (await slow).Kind);

        var attempt = Assert.Single(await host.AttemptsAsync(email, course));
        Assert.Equal(AttemptStatus.Completed, attempt.Status);
        var differences = await StateCheck.ProjectionDifferencesAsync(host, new Dictionary<LearnerCourse, IReadOnlyList<Attempt>> { [launch.Aggregate] = [attempt] });
        output.WriteLine($"read-side differences after the late repair: {differences.Count}");
        Assert.True(differences.Count == 0, StateCheck.Report(differences));
    }

    /// <summary>Holds UpdateAsync (or RepairAsync) until released; everything else goes straight to the product's projection.</summary>
    private sealed class GatedProjection(IAttemptProjection inner, bool gateRepairs = false) : IAttemptProjection
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;
        public void Release() => _release.TrySetResult();

        public async Task UpdateAsync(LearnerCourseKey key, IReadOnlyList<Attempt> before, IReadOnlyList<Attempt> after, CancellationToken cancellationToken)
        {
            if (!gateRepairs) await WaitAsync(cancellationToken);
            await inner.UpdateAsync(key, before, after, cancellationToken);
        }

        public async Task RepairAsync(LearnerCourseKey key, IReadOnlyList<Attempt> attempts, IReadOnlyCollection<string> touched, CancellationToken cancellationToken)
        {
            if (gateRepairs) await WaitAsync(cancellationToken);
            await inner.RepairAsync(key, attempts, touched, cancellationToken);
        }

        private async Task WaitAsync(CancellationToken cancellationToken)
        {
            _entered.TrySetResult();
            await _release.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        }
    }

    /// <summary>The product's processor, as the host wires it, over another projection (and no tombstones).</summary>
    private static AttemptEventProcessor ProcessorWith(Go1SyncTestHost host, IAttemptProjection projection)
    {
        var parking = host.Get<Parking>();
        var writer = new HistoryWriter(host.Get<IAttemptStore>(), projection, host.Rules, host.Get<ProcessingOptions>(), parking, host.Ids,
            host.Get<TimeProvider>(), host.Get<ProcessingMetrics>(), NullLogger<HistoryWriter>.Instance);
        return new AttemptEventProcessor(
            new ApplyLaunch(writer, host.Rules),
            new ApplyCompletion(host.Get<ICompletionEnricher>(), writer, host.Rules, host.Get<ProcessingOptions>(), parking, NullLogger<ApplyCompletion>.Instance),
            parking, host.Get<IDeliveryLog>(), host.Get<ProcessingMetrics>(), host.Get<TimeProvider>(), NullLogger<AttemptEventProcessor>.Instance);
    }
}
