using System.Diagnostics;
using Azure.Data.Tables;
using System.Globalization;
using Go1Sync.Core.Attempts;
using Go1Sync.Core.Learners;
using Go1Sync.Core.Processing;
using Go1Sync.Core.Reporting;
using Go1Sync.Infrastructure.Storage;
using Go1Sync.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Go1Sync.Benchmarks.Summary;

/// <summary>
/// The course summary (<c>GET /api/courses/{courseId}/summary</c>) on one course of N attempts in
/// a real in-memory Azurite: the computation (one read of every attempt of the course) against a
/// call served by the per-instance cache (<see cref="CourseSummaries"/>), in the same run.
/// </summary>
public static class SummaryBenchmark
{
    private const string Course = "go1-lo-summary";
    private const int AttemptsPerLearner = 100;
    private static readonly DateTimeOffset Start = new(2025, 4, 1, 8, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(int attempts)
    {
        await using var azurite = await Azurite.StartInMemoryAsync();
        await using var host = await Go1SyncTestHost.StartAsync(azurite);
        var stats = host.Services.GetRequiredService<TableServiceClient>().GetTableClient(TableNames.AttemptStats);
        var ids = host.Services.GetRequiredService<LearnerIds>();

        // The read side as the store writes it: learners of 100 attempts each, a third completed.
        var seeding = Stopwatch.StartNew();
        var learners = (attempts + AttemptsPerLearner - 1) / AttemptsPerLearner;
        await Parallel.ForEachAsync(Enumerable.Range(0, learners), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (l, ct) =>
        {
            var email = $"learner{l:D5}@bench.example.com";
            var count = Math.Min(AttemptsPerLearner, attempts - l * AttemptsPerLearner);
            var rows = Enumerable.Range(0, count).Select(i => Attempt(email, l, i)).ToList();
            var key = LearnerCourseKey.For(ids, email, Course);
            foreach (var batch in rows.Chunk(100))
                await stats.SubmitTransactionAsync(batch.Select(a => new TableTransactionAction(TableTransactionActionType.UpsertReplace, StatsRows.StatsEntity(key, a))), ct);
        });
        Console.WriteLine($"summary: {attempts} attempts of {learners} learners on one course, seeded in {seeding.Elapsed.TotalSeconds:F1} s");

        var statistics = host.Services.GetRequiredService<CourseStatistics>();
        var summaries = host.Services.GetRequiredService<CourseSummaries>();
        var computed = new List<double>();
        CourseSummary? summary = null;
        for (var run = 0; run < 3; run++)
        {
            host.Transactions.Reset();
            var clock = Stopwatch.StartNew();
            summary = await statistics.SummaryAsync(Course, DateTimeOffset.UtcNow, CancellationToken.None);
            computed.Add(clock.Elapsed.TotalMilliseconds);
        }
        var computeReads = host.Transactions.TableReads;

        await summaries.GetAsync(Course, CancellationToken.None);
        host.Transactions.Reset();
        const int CachedCalls = 1_000;
        var cachedClock = Stopwatch.StartNew();
        for (var i = 0; i < CachedCalls; i++) await summaries.GetAsync(Course, CancellationToken.None);
        var cachedMs = cachedClock.Elapsed.TotalMilliseconds / CachedCalls;
        var cachedReads = host.Transactions.TableReads;

        var computeMs = computed.Order().ElementAt(computed.Count / 2);
        Console.WriteLine($"  computed: median of 3 = {computeMs:F0} ms ({string.Join(", ", computed.Select(c => c.ToString("F0", CultureInfo.InvariantCulture)))} ms), {computeReads} table requests (pages of 1,000 rows), {summary!.Attempts} attempts, {summary.Completed} completed");
        Console.WriteLine($"  served from the cache: {cachedMs * 1000:F1} µs per call, {cachedReads} table requests in {CachedCalls} calls");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"summary_attempts={attempts} summary_compute_ms={computeMs:F0} summary_compute_requests={computeReads} summary_cached_us={cachedMs * 1000:F1} ratio_cached_to_computed={cachedMs / computeMs:E2}"));
        return summary.Attempts == attempts ? 0 : 1;
    }

    private static Attempt Attempt(string email, int learner, int i)
    {
        var first = Start.AddMinutes(learner * 7 + i * 60);
        var completed = i % 3 == 0;
        return new Attempt
        {
            AttemptId = $"att-{learner:D5}-{i:D3}",
            Email = email,
            CourseId = Course,
            Origin = AttemptOrigin.LmsLaunch,
            Platform = i % 2 == 0 ? Platform.Web : Platform.Mobile,
            Status = completed ? AttemptStatus.Completed : AttemptStatus.Open,
            Progress = completed ? 100 : 50,
            Result = completed ? (i % 2 == 0 ? AttemptResult.Success : AttemptResult.Failed) : AttemptResult.None,
            Score = completed ? 70 : null,
            FirstActivityAt = first,
            LastActivityAt = completed ? first.AddMinutes(45) : first,
            CompletedAt = completed ? first.AddMinutes(45) : null,
            TimeSpentMs = completed ? 45 * 60_000 : 0,
            Go1EnrolmentId = completed ? $"enr-{learner:D5}-{i:D3}" : null,
        };
    }
}
