using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Reporting;

/// <summary>A course's statistics at one instant, from its attempts as reported then.</summary>
public sealed record CourseSummary(
    string CourseId,
    int Attempts,
    int Learners,
    int Open,
    int Completed,
    int Success,
    int Failed,
    int LegacyClosed,
    double CompletionRate,
    double SuccessRate,
    double MeanTimeSpentMs,
    double MedianTimeSpentMs,
    string ComputedAt)
{
    /// <summary>
    /// Rates: completed (with a result, legacy-closed excluded) over all attempts; success over
    /// those completed with a result. Time spent over attempts completed with a result.
    /// </summary>
    public static CourseSummary Compute(string courseId, IReadOnlyCollection<AttemptReport> reports, DateTimeOffset computedAt)
    {
        var withResult = reports.Where(r => r.Attempt.Result != AttemptResult.None).ToList();
        var success = withResult.Count(r => r.Attempt.Result == AttemptResult.Success);
        var times = withResult.Select(r => (double)r.Attempt.TimeSpentMs).Order().ToList();
        return new CourseSummary(
            courseId,
            reports.Count,
            reports.Select(r => r.Attempt.Email).Distinct(StringComparer.Ordinal).Count(),
            reports.Count(r => r.Attempt.Status == AttemptStatus.Open),
            reports.Count(r => r.Attempt.Status == AttemptStatus.Completed),
            success,
            withResult.Count - success,
            reports.Count(r => r.LegacyClosed),
            reports.Count == 0 ? 0 : Math.Round((double)withResult.Count / reports.Count, 4),
            withResult.Count == 0 ? 0 : Math.Round((double)success / withResult.Count, 4),
            times.Count == 0 ? 0 : Math.Round(times.Average(), 1),
            Median(times),
            Instants.Format(computedAt));
    }

    private static double Median(List<double> sorted) =>
        sorted.Count == 0 ? 0
        : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2]
        : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
