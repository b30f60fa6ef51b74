using System.Diagnostics;

namespace Go1Sync.Reliability.Tests;

/// <summary>Many writers on one (learner, course) aggregate: ETags settle it, nothing is lost.</summary>
public sealed class ContentionTests(AzuriteFixture storage, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private const int Writers = 16;

    [Fact]
    public async Task SixteenConcurrentCompletionsOnOneLearnerAndCourse_CompleteSixteenDistinctAttemptsOldestFirst_NoLostUpdate()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite, s => s["Processing:MaxConflictRetries"] = "50");
        using var conflicts = new ConflictCounter(host);
        var course = Names.Unique("hot");
        const string email = "hot@example.com";
        Assert.Equal(200, (await host.PostCourseAsync($$"""{"courseId":"{{course}}","durationMinutes":3000}""")).Status);

        var start = new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
        var launches = Enumerable.Range(0, Writers)
            .Select(i => new LaunchSent($"hot-{i:00}", email, course, Platform.Web, start.AddMinutes(10 * i)))
            .ToList();
        foreach (var launch in launches) Assert.Equal(202, (await launch.PostAsync(host)).Status);
        Assert.Equal(Writers, (await host.DrainAsync()).SucceededCount);
        Assert.All(await host.AttemptsAsync(email, course), a => Assert.Equal(AttemptStatus.Open, a.Status));

        // Completion i is dated i minutes after the first, so in time order it belongs to the
        // i-th oldest attempt. They are queued in a shuffled order, so a later completion often
        // lands first and the fold hands its attempt to an earlier one when that arrives.
        var completedAt = new DateTimeOffset(2025, 3, 2, 12, 0, 0, TimeSpan.Zero);
        var completions = Enumerable.Range(0, Writers)
            .Select(i => new CompletionSent($"enr-hot-{i:00}", email, course, completedAt.AddMinutes(i), Passed: i % 3 != 0, Score: 50 + i))
            .ToArray();
        var sendOrder = completions.ToArray();
        new Random(1616).Shuffle(sendOrder);
        foreach (var completion in sendOrder) Assert.Equal(202, (await completion.PostAsync(host)).Status);

        var clock = Stopwatch.StartNew();
        var report = await host.DrainAsync(parallelism: Writers);
        var drainTime = clock.Elapsed;

        var attempts = await host.AttemptsAsync(email, course);
        var stored = await host.Get<IAttemptStore>().GetAsync(LearnerCourseKey.For(host.Ids, email, course), CancellationToken.None);
        var history = Expected.Histories(host.Rules, [.. launches, .. completions], _ => 3000).Single().Value;
        var expected = host.Rules.Fold(history);
        var projected = new Dictionary<LearnerCourse, IReadOnlyList<Attempt>> { [new LearnerCourse(email, course)] = attempts };
        var projectionDifferences = await StateCheck.ProjectionDifferencesAsync(host, projected);

        output.WriteLine($"{Writers} completions on one aggregate with {Writers} open attempts, sent in the order " +
            string.Join(",", sendOrder.Select(c => c.EnrolmentId[^2..])));
        output.WriteLine($"drained with parallelism {Writers} in {drainTime.TotalMilliseconds:F0} ms: {report.SucceededCount} succeeded, " +
            $"{report.FailedCount} failed and retried by the driver, {report.PoisonedCount} poisoned");
        output.WriteLine($"ETag conflicts (go1sync.concurrency.conflicts): {conflicts.Value}; storage transactions: {host.Transactions.Total}");
        output.WriteLine($"completed attempts: {attempts.Count(a => a.Status == AttemptStatus.Completed)}; history completions: {stored!.History.Completions.Length}; " +
            $"read-side differences: {projectionDifferences.Count}");
        foreach (var d in projectionDifferences.Take(10)) output.WriteLine("  " + d);

        Assert.Equal(0, report.PoisonedCount);
        Assert.Equal(0, await host.QueueLengthAsync(host.Poison));
        // No lost update: all sixteen completions are in the one history, once each.
        Assert.Equal(completions.Select(c => c.EnrolmentId).Order(), stored.History.Completions.Select(c => c.EnrolmentId).Order());
        // Sixteen distinct attempts completed, oldest first: the i-th oldest attempt holds the i-th completion.
        Assert.Equal(Writers, attempts.Count);
        Assert.All(attempts, a => Assert.Equal(AttemptStatus.Completed, a.Status));
        Assert.Equal(
            Enumerable.Range(0, Writers).Select(i => ($"hot-{i:00}", (string?)$"enr-hot-{i:00}", (DateTimeOffset?)completedAt.AddMinutes(i))),
            attempts.OrderBy(a => a.FirstActivityAt).Select(a => (a.AttemptId, a.Go1EnrolmentId, a.CompletedAt)));
        Assert.Equal(Writers, attempts.Select(a => a.Go1EnrolmentId).Distinct().Count());
        // And every field is what the pure engine gives for these events in time order.
        var differences = StateCheck.Compare("aggregate", expected, attempts).ToList();
        Assert.True(differences.Count == 0, StateCheck.Report(differences));
        // Each writer's rows commit in its own guarded batch, so the losers of the race wrote none:
        // the read side is the fold of the last version, with no converging after the fact.
        Assert.True(projectionDifferences.Count == 0, "read side: " + StateCheck.Report(projectionDifferences));
        Assert.True(conflicts.Value > 0, "sixteen writers on one aggregate should have collided at least once");
    }
}
