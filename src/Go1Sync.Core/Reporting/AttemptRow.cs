using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Reporting;

/// <summary>
/// One attempt in the LMS's stats shape (GET /api/v2/courses/stats): what the CLI prints and the
/// read API returns. Instants are ISO-8601 UTC strings; status and progress are as of the
/// instant the row was reported.
/// </summary>
public sealed record AttemptRow(
    string AttemptId,
    string Email,
    string CourseId,
    string Origin,
    string Platform,
    string Status,
    int Progress,
    string? Result,
    int? Score,
    string FirstActivityAt,
    string LastActivityAt,
    string? CompletedAt,
    long TimeSpentMs,
    bool LegacyClosed,
    bool DurationUnknown)
{
    public static AttemptRow From(AttemptReport r) => new(
        r.AttemptId,
        r.Email,
        r.CourseId,
        WireNames.Of(r.Origin),
        WireNames.Of(r.Platform),
        WireNames.Of(r.Status),
        r.Progress,
        r.Result == AttemptResult.None ? null : WireNames.Of(r.Result),
        r.Score,
        Instants.Format(r.FirstActivityAt),
        Instants.Format(r.LastActivityAt),
        r.CompletedAt is { } c ? Instants.Format(c) : null,
        r.TimeSpentMs,
        r.LegacyClosed,
        r.DurationUnknown);
}

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
        var withResult = reports.Where(r => r.Result != AttemptResult.None).ToList();
        var success = withResult.Count(r => r.Result == AttemptResult.Success);
        var times = withResult.Select(r => (double)r.TimeSpentMs).Order().ToList();
        return new CourseSummary(
            courseId,
            reports.Count,
            reports.Select(r => r.Email).Distinct(StringComparer.Ordinal).Count(),
            reports.Count(r => r.Status == AttemptStatus.Open),
            reports.Count(r => r.Status == AttemptStatus.Completed),
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
