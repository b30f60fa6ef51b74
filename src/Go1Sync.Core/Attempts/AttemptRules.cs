using System.Collections.Immutable;
using Go1Sync.Core.Learners;

namespace Go1Sync.Core.Attempts;

/// <summary>Whether an event changed a learner's history on a course, and the history after it.</summary>
public sealed record Acceptance(bool IsNew, LearnerCourseHistory History);

/// <summary>
/// The attempt rules of the Go1 connector (README, "The rules"). Pure and deterministic: it
/// never reads a clock; every "as of" instant is passed in.
/// </summary>
public sealed class AttemptRules(Cutovers cutovers)
{
    public const string Go1DirectPrefix = "go1-";
    private const int ProgressOnLaunch = 50;
    private const int ProgressOnCompletion = 100;

    public Cutovers Cutovers { get; } = cutovers;

    /// <summary>Rule 1: a launch creates an attempt or continues a known one; the same launch twice has no second effect.</summary>
    public Acceptance Accept(LearnerCourseHistory history, Launch launch)
    {
        EnsureSameLearnerCourse(history, launch.Email, launch.CourseId);
        var launchedAt = Instants.ToMillisecondUtc(launch.LaunchedAt);
        if (history.Launches.Any(l => l.AttemptId == launch.AttemptId && l.LaunchedAt == launchedAt))
            return new Acceptance(false, history);

        var launches = Compact(history.Launches.Add(new LaunchRecord(launch.AttemptId, launch.Platform, launchedAt)));
        var next = history with { Launches = launches };
        return new Acceptance(!next.SameEventsAs(history), next);
    }

    /// <summary>Rule 2: a completion is accepted once per (enrolment id, completed at).</summary>
    public Acceptance Accept(LearnerCourseHistory history, Completion completion, int? durationMinutes)
    {
        EnsureSameLearnerCourse(history, completion.Email, completion.CourseId);
        if (durationMinutes is <= 0)
            throw new ArgumentOutOfRangeException(nameof(durationMinutes), durationMinutes, "A course duration is a positive number of minutes.");

        var record = new CompletionRecord(
            completion.EnrolmentId,
            Instants.ToMillisecondUtc(completion.CompletedAt),
            completion.Passed,
            completion.Score,
            Instants.ToMillisecondUtc(completion.StartedAt),
            durationMinutes);
        if (history.Completions.Any(c => c.Identity == record.Identity))
            return new Acceptance(false, history);

        var completions = history.Completions.Add(record)
            .Sort((a, b) => a.CompletedAt != b.CompletedAt
                ? a.CompletedAt.CompareTo(b.CompletedAt)
                : string.CompareOrdinal(a.EnrolmentId, b.EnrolmentId));
        return new Acceptance(true, history with { Completions = completions });
    }

    /// <summary>
    /// Two histories of the same learner and course as one: the union of their events, each once
    /// (a launch by attempt id and instant, a completion by <see cref="CompletionRecord.Identity"/>;
    /// where both hold a completion, <paramref name="into"/>'s record is kept), launches compacted as
    /// <see cref="Accept(LearnerCourseHistory, Launch)"/> compacts them. Since a history is a set of
    /// events and the attempts its fold, the merge is what applying the other's events one by one
    /// would give, in any order. <see cref="Acceptance.IsNew"/> says whether <paramref name="into"/> changed.
    /// </summary>
    public Acceptance Merge(LearnerCourseHistory into, LearnerCourseHistory other)
    {
        if (into.Email != other.Email || into.CourseId != other.CourseId)
            throw new ArgumentException("Only histories of the same learner and course can be merged.");

        var seenLaunches = into.Launches.Select(l => (l.AttemptId, l.LaunchedAt)).ToHashSet();
        var addedLaunches = other.Launches.Where(l => seenLaunches.Add((l.AttemptId, l.LaunchedAt))).ToList();
        var seenCompletions = into.Completions.Select(c => c.Identity).ToHashSet(StringComparer.Ordinal);
        var addedCompletions = other.Completions.Where(c => seenCompletions.Add(c.Identity)).ToList();
        if (addedLaunches.Count == 0 && addedCompletions.Count == 0)
            return new Acceptance(false, into);

        var launches = addedLaunches.Count == 0 ? into.Launches : Compact(into.Launches.AddRange(addedLaunches));
        var completions = into.Completions.AddRange(addedCompletions)
            .Sort((a, b) => a.CompletedAt != b.CompletedAt
                ? a.CompletedAt.CompareTo(b.CompletedAt)
                : string.CompareOrdinal(a.EnrolmentId, b.EnrolmentId));
        var next = into with { Launches = launches, Completions = completions };
        return new Acceptance(!next.SameEventsAs(into), next);
    }

    /// <summary>
    /// The attempts of a history: its events applied in time order (launches before completions
    /// at the same instant, then by id). Sorted oldest first (first activity, then attempt id).
    /// </summary>
    public IReadOnlyList<Attempt> Fold(LearnerCourseHistory history)
    {
        var drafts = new List<Draft>();
        var byId = new Dictionary<string, Draft>(StringComparer.Ordinal);
        int li = 0, ci = 0;
        while (li < history.Launches.Length || ci < history.Completions.Length)
        {
            var takeLaunch = ci >= history.Completions.Length
                || (li < history.Launches.Length && history.Launches[li].LaunchedAt <= history.Completions[ci].CompletedAt);
            if (takeLaunch)
                ApplyLaunch(history.Launches[li++], drafts, byId);
            else
                ApplyCompletion(history.Completions[ci++], drafts, byId);
        }

        return drafts
            .Select(d => d.ToAttempt(history.Email, history.CourseId))
            .OrderBy(a => a.FirstActivityAt)
            .ThenBy(a => a.AttemptId, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Rule 5: legacy-closed is derived when reading, never written.</summary>
    public bool IsLegacyClosed(Attempt attempt, DateTimeOffset asOf) =>
        IsLegacyClosed(attempt.Platform, attempt.Status, attempt.FirstActivityAt, attempt.LastActivityAt, asOf);

    /// <summary>The attempt as reported at <paramref name="asOf"/>: a legacy-closed one shown completed at 0 % with no result, score or time spent.</summary>
    public AttemptReport Report(Attempt attempt, DateTimeOffset asOf) =>
        IsLegacyClosed(attempt, asOf)
            ? new AttemptReport(
                attempt with
                {
                    Status = AttemptStatus.Completed,
                    Progress = 0,
                    Result = AttemptResult.None,
                    Score = null,
                    TimeSpentMs = 0,
                    DurationUnknown = false,
                },
                LegacyClosed: true)
            : new AttemptReport(attempt, LegacyClosed: false);

    private bool IsLegacyClosed(Platform platform, AttemptStatus status, DateTimeOffset first, DateTimeOffset last, DateTimeOffset asOf)
    {
        var cutover = Cutovers.LaunchTrackingFor(platform);
        return status == AttemptStatus.Open && asOf >= cutover && first < cutover && last < cutover;
    }

    private static void ApplyLaunch(LaunchRecord launch, List<Draft> drafts, Dictionary<string, Draft> byId)
    {
        if (byId.TryGetValue(launch.AttemptId, out var known))
        {
            // A continue: only the last activity moves (which is also what re-opens a legacy-closed attempt).
            if (launch.LaunchedAt > known.LastActivityAt) known.LastActivityAt = launch.LaunchedAt;
            return;
        }

        var draft = new Draft(launch.AttemptId, AttemptOrigin.LmsLaunch, launch.Platform, launch.LaunchedAt)
        {
            Progress = ProgressOnLaunch,
        };
        drafts.Add(draft);
        byId.Add(draft.AttemptId, draft);
    }

    private void ApplyCompletion(CompletionRecord completion, List<Draft> drafts, Dictionary<string, Draft> byId)
    {
        var currentConnector = completion.CompletedAt >= Cutovers.Connector;
        var target = currentConnector
            ? Oldest(drafts.Where(d => d.Status == AttemptStatus.Open
                && !IsLegacyClosed(d.Platform, d.Status, d.FirstActivityAt, d.LastActivityAt, completion.CompletedAt)
                && d.FirstActivityAt <= completion.CompletedAt))
            : Oldest(drafts);

        if (target is null)
        {
            // Completed directly on Go1, or every LMS launch came after the completion.
            var started = completion.StartedAt is { } s && s <= completion.CompletedAt ? s : completion.CompletedAt;
            target = new Draft(UniqueGo1DirectId(completion.EnrolmentId, byId), AttemptOrigin.Go1Direct, Platform.Unknown, started);
            drafts.Add(target);
            byId.Add(target.AttemptId, target);
        }

        target.Status = AttemptStatus.Completed;
        target.Progress = ProgressOnCompletion;
        target.CompletedAt = completion.CompletedAt;
        target.LastActivityAt = completion.CompletedAt;
        target.Result = completion.Passed ? AttemptResult.Success : AttemptResult.Failed;
        target.Score = completion.Score;
        target.Go1EnrolmentId = completion.EnrolmentId;
        target.DurationUnknown = false;

        if (!currentConnector || target.FirstActivityAt < Cutovers.TimeSpent)
        {
            target.TimeSpentMs = 0;
            return;
        }

        var elapsedMs = Math.Max(0L, (long)(completion.CompletedAt - target.FirstActivityAt).TotalMilliseconds);
        if (completion.DurationMinutes is { } minutes)
        {
            target.TimeSpentMs = Math.Min(elapsedMs, minutes * 60_000L);
        }
        else
        {
            target.TimeSpentMs = elapsedMs;
            target.DurationUnknown = true;
        }
    }

    private static Draft? Oldest(IEnumerable<Draft> candidates)
    {
        Draft? oldest = null;
        foreach (var d in candidates)
        {
            if (oldest is null
                || d.FirstActivityAt < oldest.FirstActivityAt
                || (d.FirstActivityAt == oldest.FirstActivityAt && string.CompareOrdinal(d.AttemptId, oldest.AttemptId) < 0))
                oldest = d;
        }
        return oldest;
    }

    private static string UniqueGo1DirectId(string enrolmentId, Dictionary<string, Draft> byId)
    {
        var id = Go1DirectPrefix + enrolmentId;
        for (var n = 2; byId.ContainsKey(id); n++) id = $"{Go1DirectPrefix}{enrolmentId}-{n}";
        return id;
    }

    /// <summary>
    /// Keeps, per attempt, only the launches the fold can tell apart: the first, the earliest at
    /// or after each launch-tracking cutover, and the last. Dropping the others changes no
    /// attempt, and keeps a learner who continues a course a thousand times at four rows.
    /// </summary>
    private ImmutableArray<LaunchRecord> Compact(ImmutableArray<LaunchRecord> launches)
    {
        var cutoverInstants = new[] { Cutovers.WebLaunch, Cutovers.MobileLaunch };
        var kept = new List<LaunchRecord>(launches.Length);
        foreach (var group in launches.GroupBy(l => l.AttemptId, StringComparer.Ordinal))
        {
            var ordered = group.OrderBy(l => l.LaunchedAt).ToList();
            var keep = new HashSet<LaunchRecord> { ordered[0], ordered[^1] };
            foreach (var cutover in cutoverInstants)
            {
                var firstAfter = ordered.FirstOrDefault(l => l.LaunchedAt >= cutover);
                if (firstAfter is not null) keep.Add(firstAfter);
            }
            kept.AddRange(ordered.Where(keep.Contains));
        }

        kept.Sort((a, b) => a.LaunchedAt != b.LaunchedAt
            ? a.LaunchedAt.CompareTo(b.LaunchedAt)
            : string.CompareOrdinal(a.AttemptId, b.AttemptId));
        return [.. kept];
    }

    private static void EnsureSameLearnerCourse(LearnerCourseHistory history, string email, string courseId)
    {
        if (LearnerEmail.Normalize(email) != history.Email || courseId != history.CourseId)
            throw new ArgumentException("The event belongs to another learner or course than this history.");
    }

    private sealed class Draft(string attemptId, AttemptOrigin origin, Platform platform, DateTimeOffset firstActivityAt)
    {
        public string AttemptId { get; } = attemptId;
        public AttemptOrigin Origin { get; } = origin;
        public Platform Platform { get; } = platform;
        public DateTimeOffset FirstActivityAt { get; } = firstActivityAt;
        public DateTimeOffset LastActivityAt { get; set; } = firstActivityAt;
        public AttemptStatus Status { get; set; } = AttemptStatus.Open;
        public int Progress { get; set; }
        public AttemptResult Result { get; set; } = AttemptResult.None;
        public int? Score { get; set; }
        public DateTimeOffset? CompletedAt { get; set; }
        public long TimeSpentMs { get; set; }
        public string? Go1EnrolmentId { get; set; }
        public bool DurationUnknown { get; set; }

        public Attempt ToAttempt(string email, string courseId) => new()
        {
            AttemptId = AttemptId,
            Email = email,
            CourseId = courseId,
            Origin = Origin,
            Platform = Platform,
            Status = Status,
            Progress = Progress,
            Result = Result,
            Score = Score,
            FirstActivityAt = FirstActivityAt,
            LastActivityAt = LastActivityAt,
            CompletedAt = CompletedAt,
            TimeSpentMs = TimeSpentMs,
            Go1EnrolmentId = Go1EnrolmentId,
            DurationUnknown = DurationUnknown,
        };
    }
}
