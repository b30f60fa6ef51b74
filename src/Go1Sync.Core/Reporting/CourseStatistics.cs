using Go1Sync.Core.Attempts;
using Go1Sync.Core.Processing;

namespace Go1Sync.Core.Reporting;

/// <summary>Which reported status to keep; applied after legacy-closed derivation, since that changes the status.</summary>
public enum StatusFilter { Any, Open, Completed }

/// <summary>One page of a course's attempts as reported; each is shown through <see cref="AttemptColumns"/>.</summary>
public sealed record AttemptRowsPage(IReadOnlyList<AttemptReport> Rows, string? Continuation);

/// <summary>
/// The statistics queries, shared by the read API and the CLI: a course's attempts (paged or
/// streamed), its summary, and one learner's attempts, all reported as of one instant.
/// </summary>
public sealed class CourseStatistics(IAttemptStatsReader reader, IAttemptStore store, AttemptRules rules, Learners.LearnerIds ids)
{
    public const int MaxPageSize = 500;

    public async Task<AttemptRowsPage> PageAsync(string courseId, AttemptRange range, StatusFilter status, DateTimeOffset asOf, string? continuation, int pageSize, CancellationToken cancellationToken)
    {
        var page = await reader.ReadPageAsync(courseId, range, continuation, Math.Clamp(pageSize, 1, MaxPageSize), cancellationToken).ConfigureAwait(false);
        var rows = page.Attempts.Select(a => rules.Report(a, asOf)).Where(r => Keep(r, status)).ToList();
        return new AttemptRowsPage(rows, page.Continuation);
    }

    public async IAsyncEnumerable<AttemptReport> StreamAsync(string courseId, AttemptRange range, StatusFilter status, DateTimeOffset asOf,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var attempt in reader.ReadCourseAsync(courseId, range, cancellationToken).ConfigureAwait(false))
        {
            var report = rules.Report(attempt, asOf);
            if (Keep(report, status)) yield return report;
        }
    }

    public async Task<(IReadOnlyList<AttemptReport> Reports, CourseSummary Summary)> CourseAsync(string courseId, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var reports = new List<AttemptReport>();
        await foreach (var attempt in reader.ReadCourseAsync(courseId, new AttemptRange(), cancellationToken).ConfigureAwait(false))
            reports.Add(rules.Report(attempt, asOf));
        reports.Sort((a, b) => a.Attempt.FirstActivityAt != b.Attempt.FirstActivityAt ? a.Attempt.FirstActivityAt.CompareTo(b.Attempt.FirstActivityAt) : string.CompareOrdinal(a.Attempt.AttemptId, b.Attempt.AttemptId));
        return (reports, CourseSummary.Compute(courseId, reports, asOf));
    }

    /// <summary>The course's summary as of <paramref name="asOf"/>: one read of every attempt of the course, without keeping their order.</summary>
    public async Task<CourseSummary> SummaryAsync(string courseId, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var reports = new List<AttemptReport>();
        await foreach (var attempt in reader.ReadCourseAsync(courseId, new AttemptRange(), cancellationToken).ConfigureAwait(false))
            reports.Add(rules.Report(attempt, asOf));
        return CourseSummary.Compute(courseId, reports, asOf);
    }

    /// <summary>
    /// Every attempt of one learner on every course, from the learner's partition of the source of
    /// truth. <paramref name="emailOrId"/> is the email or the learner id (<see cref="Learners.LearnerIds.Id"/>):
    /// callers that pass the id keep the email out of URLs and request logs.
    /// </summary>
    public async Task<IReadOnlyList<AttemptReport>> LearnerAsync(string emailOrId, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var id = Learners.LearnerIds.IsId(emailOrId) ? emailOrId : ids.Id(emailOrId);
        var histories = await store.GetLearnerAsync(id, cancellationToken).ConfigureAwait(false);
        return histories
            .SelectMany(h => rules.Fold(h))
            .Select(a => rules.Report(a, asOf))
            .OrderBy(r => r.Attempt.CourseId, StringComparer.Ordinal)
            .ThenBy(r => r.Attempt.FirstActivityAt)
            .ToList();
    }

    private static bool Keep(AttemptReport report, StatusFilter status) => status switch
    {
        StatusFilter.Open => report.Attempt.Status == AttemptStatus.Open,
        StatusFilter.Completed => report.Attempt.Status == AttemptStatus.Completed,
        _ => true,
    };
}
