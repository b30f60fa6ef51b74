using System.Diagnostics;

namespace Go1Sync.Reliability.Tests;

/// <summary>
/// At-least-once delivery, exactly-once effect: every event is sent three times, in a shuffled
/// order, and processed concurrently; storage must end exactly where the pure engine ends with
/// each event once, in time order.
/// </summary>
public sealed class DuplicateStormTests(AzuriteFixture storage, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private const int Seed = 20250601;
    private const int Learners = 100;
    private const int Copies = 3;

    [Fact]
    public async Task TwoHundredCompletionsAndTheirLaunches_EachSentThreeTimesShuffled_EndAsThePureEngineComputes()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        using var conflicts = new ConflictCounter(host);
        var random = new Random(Seed);

        // Two courses: one with a known duration (time spent capped), one never registered
        // (time spent is the elapsed time, flagged durationUnknown).
        var capped = Names.Unique("storm-capped");
        var unknown = Names.Unique("storm-unknown");
        Assert.Equal(200, (await host.PostCourseAsync($$"""{"courseId":"{{capped}}","durationMinutes":90}""")).Status);
        int? Duration(string course) => course == capped ? 90 : null;

        var events = Generate(random, [capped, unknown]);
        var launches = events.OfType<LaunchSent>().ToList();
        var completions = events.OfType<CompletionSent>().ToList();
        Assert.Equal(200, completions.Count);

        // Every event three times, in one shuffled order, posted by eight concurrent senders.
        var sends = events.SelectMany(e => Enumerable.Repeat(e, Copies)).ToArray();
        random.Shuffle(sends);
        var clock = Stopwatch.StartNew();
        var answers = new int[sends.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, sends.Length), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, _) => answers[i] = (await sends[i].PostAsync(host)).Status);
        var postTime = clock.Elapsed;
        Assert.All(answers, status => Assert.Equal(202, status));

        clock.Restart();
        var report = await host.DrainAsync(HostJson.BatchSize, maxRounds: 2_000);
        var drainTime = clock.Elapsed;
        var poisonLength = await host.QueueLengthAsync(host.Poison);

        var histories = Expected.Histories(host.Rules, events, Duration);
        var folds = histories.ToDictionary(kv => kv.Key, kv => host.Rules.Fold(kv.Value));
        clock.Restart();
        var aggregateDifferences = await StateCheck.AggregateDifferencesAsync(host, histories);
        var projected = folds.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<Attempt>)kv.Value);
        var statsDifferences = await StateCheck.StatsDifferencesAsync(host, projected);
        var indexDifferences = await StateCheck.OpenIndexDifferencesAsync(host, projected);
        var checkTime = clock.Elapsed;

        var attempts = folds.Values.SelectMany(a => a).ToList();
        output.WriteLine($"seed {Seed}: {histories.Count} (learner, course) aggregates, {events.Count} distinct events " +
            $"({launches.Count} launches of which {launches.Count - launches.DistinctBy(l => (l.Aggregate, l.AttemptId)).Count()} continues, {completions.Count} completions, " +
            $"{completions.GroupBy(c => c.Aggregate).Count(g => g.Count() == 2)} aggregates with a re-enrolment, " +
            $"{completions.Count(c => c.CompletedAt < host.Rules.Cutovers.Connector)} legacy completions)");
        output.WriteLine($"sent {sends.Length} HTTP requests ({Copies} per event) in {postTime.TotalSeconds:F1} s, all 202");
        output.WriteLine($"drained with batch {HostJson.BatchSize} in {drainTime.TotalSeconds:F1} s: {report.SucceededCount} deliveries succeeded, " +
            $"{report.FailedCount} failed and were retried by the driver, {report.PoisonedCount} poisoned; ETag conflicts {conflicts.Value}");
        output.WriteLine($"expected attempts {attempts.Count} ({attempts.Count(a => a.Status == AttemptStatus.Completed)} completed, " +
            $"{attempts.Count(a => a.Origin == AttemptOrigin.Go1Direct)} go1-direct, {attempts.Count(a => a.DurationUnknown)} durationUnknown); " +
            $"differences: aggregates {aggregateDifferences.Count}, AttemptStats rows {statsDifferences.Count}, OpenAttempts rows {indexDifferences.Count} (checked in {checkTime.TotalSeconds:F1} s)");
        output.WriteLine($"storage transactions: {host.Transactions.Total}");
        foreach (var error in report.Errors.GroupBy(e => e.GetType().Name + ": " + e.Message.Split('\n')[0]).Take(5))
            output.WriteLine($"  driver retry cause x{error.Count()}: {error.Key}");

        Assert.Equal(0, report.PoisonedCount);
        Assert.Equal(0, poisonLength);
        Assert.Equal(0, await host.QueueLengthAsync());
        Assert.True(aggregateDifferences.Count == 0, "Aggregates differ from the pure engine: " + StateCheck.Report(aggregateDifferences));
        Assert.True(statsDifferences.Count == 0, "AttemptStats rows differ from the aggregate folds: " + StateCheck.Report(statsDifferences));
        // An OpenAttempts row is keyed by the attempt's first activity; when an earlier launch of the
        // same attempt arrives late, the projection must move the row (see ReadSideTests).
        Assert.True(indexDifferences.Count == 0, "OpenAttempts rows differ from the aggregate folds: " + StateCheck.Report(indexDifferences));
    }

    /// <summary>
    /// 100 learners x 2 courses. Each pair has 1 to 3 launched attempts (some continued later, some
    /// on mobile), and completions dated after its launches: 200 in all, with 40 pairs that
    /// re-enrolled (2 completions for 2 open attempts) and 40 without a completion. About one
    /// pair in ten is from before the December 2024 cutovers (legacy rules).
    /// </summary>
    private static List<SentEvent> Generate(Random random, string[] courses)
    {
        var pairs = new List<(string Email, string Course, int Attempts, bool Legacy)>();
        for (var i = 0; i < Learners; i++)
            foreach (var course in courses)
                pairs.Add(($"storm{i:000}@example.com", course, 1 + random.Next(3), random.Next(10) == 0));

        // 40 pairs with at least two attempts get two completions, 40 others none: 200 in total.
        var completionCounts = pairs.Select(_ => 1).ToArray();
        var order = Enumerable.Range(0, pairs.Count).ToArray();
        random.Shuffle(order);
        var twice = order.Where(i => pairs[i].Attempts >= 2).Take(40).ToHashSet();
        var none = order.Where(i => !twice.Contains(i)).Take(40).ToHashSet();
        Assert.Equal(40, twice.Count);
        foreach (var i in twice) completionCounts[i] = 2;
        foreach (var i in none) completionCounts[i] = 0;

        var events = new List<SentEvent>();
        for (var p = 0; p < pairs.Count; p++)
        {
            var (email, course, attempts, legacy) = pairs[p];
            var start = legacy
                ? new DateTimeOffset(2024, 12, 2, 8, 0, 0, TimeSpan.Zero).AddMinutes(random.Next(6 * 24 * 60))
                : new DateTimeOffset(2025, 1, 6, 8, 0, 0, TimeSpan.Zero).AddMinutes(random.Next(120 * 24 * 60)).AddMilliseconds(random.Next(1000));
            var launchedAt = start;
            var lastLaunch = start;
            for (var a = 0; a < attempts; a++)
            {
                var attemptId = $"st-{p:000}-{a}";
                var platform = random.Next(4) == 0 ? Platform.Mobile : Platform.Web;
                events.Add(new LaunchSent(attemptId, Names.Spelling(email, random), course, platform, launchedAt));
                lastLaunch = launchedAt;
                if (random.Next(4) == 0)
                    events.Add(new LaunchSent(attemptId, Names.Spelling(email, random), course, platform, launchedAt.AddMinutes(5 + random.Next(300))));
                launchedAt = launchedAt.AddMinutes(10 + random.Next(120));
            }

            var completedAt = lastLaunch;
            for (var c = 0; c < completionCounts[p]; c++)
            {
                completedAt = completedAt.AddMinutes(15 + random.Next(240)).AddMilliseconds(random.Next(1000));
                DateTimeOffset? startedAt = random.Next(3) == 0 ? completedAt.AddMinutes(-(10 + random.Next(200))) : null;
                events.Add(new CompletionSent($"enr-{p:000}-{c}", Names.Spelling(email, random), course, completedAt,
                    Passed: random.Next(5) != 0, Score: random.Next(4) == 0 ? null : random.Next(101), StartedAt: startedAt));
            }
        }
        return events;
    }
}
