using System.Collections.Immutable;
using Go1Sync.Core.Learners;

namespace Go1Sync.Core.Attempts;

/// <summary>
/// Whether an event changed a learner's history on a course, and the history after it. A launch's
/// or a completion's acceptance also names the record it added (<see cref="AddedLaunch"/>,
/// <see cref="AddedCompletion"/>; null for a merge), which is what
/// <see cref="AttemptRules.Apply(FoldState?, Acceptance)"/> folds into the previous attempts.
/// </summary>
public sealed record Acceptance(bool IsNew, LearnerCourseHistory History)
{
    /// <summary>The launch as the history keeps it (millisecond UTC), when the event was a launch.</summary>
    public LaunchRecord? AddedLaunch { get; init; }

    /// <summary>The completion as the history keeps it, when the event was a completion.</summary>
    public CompletionRecord? AddedCompletion { get; init; }
}

/// <summary>
/// The attempt rules of the Go1 connector (README, "The rules"). Pure and deterministic: it
/// never reads a clock; every "as of" instant is passed in.
/// </summary>
public sealed class AttemptRules(Cutovers cutovers)
{
    public const string Go1DirectPrefix = "go1-";

    /// <summary>
    /// The version of the rules a fold was made with. A stored fold of another version is folded
    /// again from its events (the events are the truth): raise it with any change to what
    /// <see cref="Fold"/> gives for the same events.
    /// </summary>
    public const int FoldVersion = 1;
    private const int ProgressOnLaunch = 50;
    private const int ProgressOnCompletion = 100;

    public Cutovers Cutovers { get; } = cutovers;

    /// <summary>Rule 1: a launch creates an attempt or continues a known one; the same launch twice has no second effect.</summary>
    public Acceptance Accept(LearnerCourseHistory history, Launch launch)
    {
        EnsureSameLearnerCourse(history, launch.Email, launch.CourseId);
        var record = new LaunchRecord(launch.AttemptId, launch.Platform, Instants.ToMillisecondUtc(launch.LaunchedAt));

        // The launches of this attempt (at most four in a compacted history: only they can change
        // when this one is added), from the history's index by attempt id: O(log n), whatever
        // the number of launches. The same launch already kept is a duplicate.
        var sameAttempt = history.LaunchesOf(record.AttemptId);
        foreach (var l in sameAttempt)
        {
            if (l.LaunchedAt == record.LaunchedAt)
                return new Acceptance(false, history) { AddedLaunch = record };
        }

        if (sameAttempt.Length > 4)
        {
            // Not compacted (it always is when written by these rules): compact all of it.
            var compacted = history with { Launches = Compact(history.Launches.Add(record)) };
            return new Acceptance(!compacted.SameEventsAs(history), compacted) { AddedLaunch = record };
        }

        var group = new List<LaunchRecord>(5) { record };
        group.AddRange(sameAttempt);
        var kept = KeptOfOneAttempt(group);
        var dropped = sameAttempt.Where(l => !kept.Contains(l)).ToList();
        var keepRecord = kept.Contains(record);
        if (!keepRecord && dropped.Count == 0)
            return new Acceptance(false, history) { AddedLaunch = record };

        // What Compact gives: the history's order (instant, then attempt id) without the launches
        // compaction no longer keeps and with this one inserted in its place; each removal and the
        // insertion O(log n) on the history's tree, the rest shared with the history before.
        var keptInOrder = kept.Order(LearnerCourseHistory.LaunchOrder.Instance).ToImmutableArray();
        var next = history.WithLaunchesOfOneAttempt(record.AttemptId, dropped, keepRecord ? record : null, keptInOrder);
        return new Acceptance(true, next) { AddedLaunch = record };
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
        // The completions are kept in order (instant, then enrolment id): the same completion is
        // found, and the new one inserted, by binary search on the history's tree, O(log n).
        var index = history.FindCompletion(record);
        if (index >= 0) return new Acceptance(false, history) { AddedCompletion = record };

        return new Acceptance(true, history.WithCompletionInserted(~index, record)) { AddedCompletion = record };
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
        var (launches, completions) = (history.Launches, history.Completions);
        int li = 0, ci = 0;
        while (li < launches.Length || ci < completions.Length)
        {
            var takeLaunch = ci >= completions.Length
                || (li < launches.Length && launches[li].LaunchedAt <= completions[ci].CompletedAt);
            if (takeLaunch)
                ApplyLaunch(launches[li++], drafts, byId);
            else
                ApplyCompletion(completions[ci++], drafts, byId);
        }

        return drafts
            .Select(d => d.ToAttempt(history.Email, history.CourseId))
            .OrderBy(a => a.FirstActivityAt)
            .ThenBy(a => a.AttemptId, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The fold of a history (<see cref="Fold"/>) as a <see cref="FoldState"/>, ready for <see cref="Apply(FoldState?, Acceptance)"/>.</summary>
    public FoldState Refold(LearnerCourseHistory history) =>
        FoldState.Restore(Fold(history), Cutovers, history.LaunchCount, history.CompletionCount);

    /// <summary>
    /// The state to apply the next event to, for a history read with the state stored beside it:
    /// <paramref name="stored"/> itself when it can be the fold of <paramref name="history"/> (these
    /// rules' cutovers, the same numbers of launches and completions), else <see cref="Refold"/>
    /// of the history (none was stored, or the cutover settings changed since).
    /// </summary>
    public FoldState StateOf(LearnerCourseHistory history, FoldState? stored)
    {
        ArgumentNullException.ThrowIfNull(history);
        return stored is not null && IsFoldOf(stored, history) ? stored : Refold(history);
    }

    /// <summary>
    /// The attempts after an acceptance, from the attempts before it (<paramref name="state"/>: the
    /// fold of the history the event was accepted on; null for an empty history). An event that
    /// comes after every event already folded (by instant; launches before completions at the
    /// same instant; completions at one instant by enrolment id) is applied to the state in
    /// O(log attempts); anything else (an event out of time order, a merge, a state folded with
    /// other cutovers or not of that history) folds <see cref="Acceptance.History"/> again. Either
    /// way the result is <see cref="Refold"/> of the new history. An acceptance that is not new
    /// gives the state back unchanged.
    /// </summary>
    public FoldUpdate Apply(FoldState? state, Acceptance acceptance)
    {
        ArgumentNullException.ThrowIfNull(acceptance);
        if (!acceptance.IsNew && state is not null && IsFoldOf(state, acceptance.History))
            return new FoldUpdate(state, [], [], Refolded: false);
        if (acceptance.AddedLaunch is { } launch) return Apply(state, acceptance.History, launch);
        if (acceptance.AddedCompletion is { } completion) return Apply(state, acceptance.History, completion);
        return RefoldFrom(state, acceptance.History);
    }

    /// <summary>
    /// A launch added to a history: <paramref name="historyAfter"/> is the history after it was
    /// accepted, <paramref name="state"/> the fold of the history before (null: empty).
    /// See <see cref="Apply(FoldState?, Acceptance)"/>.
    /// </summary>
    public FoldUpdate Apply(FoldState? state, LearnerCourseHistory historyAfter, LaunchRecord launch)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var (launchCount, lastLaunch, completionCount, lastCompletion) = EventsOf(historyAfter);
        state ??= FoldState.Empty(Cutovers);
        // In order: the latest launch of the history (its instant, since compaction always keeps
        // an attempt's last launch) and after every completion, on a state of the history before
        // (the same completions; this launch may have replaced one of the same attempt, or not).
        var inOrder = state.Cutovers == Cutovers
            && lastLaunch is not null && lastLaunch.LaunchedAt == launch.LaunchedAt
            && (lastCompletion is null || lastCompletion.CompletedAt < launch.LaunchedAt)
            && completionCount == state.CompletionCount
            && launchCount - state.LaunchCount is 0 or 1;
        if (!inOrder) return RefoldFrom(state, historyAfter);

        var known = state.Find(launch.AttemptId);
        if (known is null)
        {
            var attempt = Draft.OpenedBy(launch).ToAttempt(historyAfter.Email, historyAfter.CourseId);
            return new FoldUpdate(state.With(null, attempt, launchCount, completionCount), [attempt.AttemptId], [], Refolded: false);
        }

        // A continue: only the last activity moves (if later).
        if (launch.LaunchedAt <= known.LastActivityAt)
            return new FoldUpdate(state.WithCounts(launchCount, completionCount), [], [], Refolded: false);
        var continued = known with { LastActivityAt = launch.LaunchedAt };
        return new FoldUpdate(state.With(known, continued, launchCount, completionCount), [continued.AttemptId], [], Refolded: false);
    }

    /// <summary>
    /// A completion added to a history: <paramref name="historyAfter"/> is the history after it was
    /// accepted, <paramref name="state"/> the fold of the history before (null: empty).
    /// See <see cref="Apply(FoldState?, Acceptance)"/>.
    /// </summary>
    public FoldUpdate Apply(FoldState? state, LearnerCourseHistory historyAfter, CompletionRecord completion)
    {
        ArgumentNullException.ThrowIfNull(completion);
        var (launchCount, lastLaunch, completionCount, lastCompletion) = EventsOf(historyAfter);
        state ??= FoldState.Empty(Cutovers);
        // In order: the last completion of the history (instant, then enrolment id), no launch
        // after it, on a state of the history before (one completion fewer, the same launches).
        var inOrder = state.Cutovers == Cutovers
            && lastCompletion is not null
            && lastCompletion.CompletedAt == completion.CompletedAt
            && string.Equals(lastCompletion.EnrolmentId, completion.EnrolmentId, StringComparison.Ordinal)
            && (lastLaunch is null || lastLaunch.LaunchedAt <= completion.CompletedAt)
            && completionCount == state.CompletionCount + 1
            && launchCount == state.LaunchCount;
        if (!inOrder) return RefoldFrom(state, historyAfter);

        var at = completion.CompletedAt;
        var currentConnector = at >= Cutovers.Connector;
        var target = currentConnector ? state.OldestEligible(at) : state.Oldest;
        if (currentConnector && target is not null && target.FirstActivityAt > at) target = null;

        var before = target;
        if (target is null)
        {
            // Completed directly on Go1, or every LMS launch came after the completion.
            var started = completion.StartedAt is { } s && s <= at ? s : at;
            target = new Attempt
            {
                AttemptId = UniqueGo1DirectId(completion.EnrolmentId, state),
                Email = historyAfter.Email,
                CourseId = historyAfter.CourseId,
                Origin = AttemptOrigin.Go1Direct,
                Platform = Platform.Unknown,
                FirstActivityAt = started,
                LastActivityAt = started,
            };
        }

        var completed = Completed(target, completion, currentConnector);
        var changed = before is not null && before.Equals(completed) ? [] : new[] { completed.AttemptId };
        return new FoldUpdate(state.With(before, completed, launchCount, completionCount), changed, [], Refolded: false);
    }

    /// <summary>Whether the state can be the fold of this history (the same cutovers and event counts).</summary>
    private bool IsFoldOf(FoldState state, LearnerCourseHistory history) =>
        state.Cutovers == Cutovers
        && state.LaunchCount == history.LaunchCount
        && state.CompletionCount == history.CompletionCount;

    private FoldUpdate RefoldFrom(FoldState? state, LearnerCourseHistory history)
    {
        var next = Refold(history);
        var before = state?.Attempts ?? [];
        var unchanged = before.ToHashSet();
        var changed = next.Attempts.Where(a => !unchanged.Contains(a)).Select(a => a.AttemptId).ToList();
        var removed = before.Where(a => next.Find(a.AttemptId) is null).Select(a => a.AttemptId).ToList();
        return new FoldUpdate(next, changed, removed, Refolded: true);
    }

    /// <summary>Rules 2 and 3 on one attempt: the same as the fold's <c>ApplyCompletion</c> does to its target.</summary>
    private Attempt Completed(Attempt target, CompletionRecord completion, bool currentConnector)
    {
        long timeSpentMs = 0;
        var durationUnknown = false;
        if (currentConnector && target.FirstActivityAt >= Cutovers.TimeSpent)
        {
            var elapsedMs = Math.Max(0L, (long)(completion.CompletedAt - target.FirstActivityAt).TotalMilliseconds);
            if (completion.DurationMinutes is { } minutes)
            {
                timeSpentMs = Math.Min(elapsedMs, minutes * 60_000L);
            }
            else
            {
                timeSpentMs = elapsedMs;
                durationUnknown = true;
            }
        }

        return target with
        {
            Status = AttemptStatus.Completed,
            Progress = ProgressOnCompletion,
            CompletedAt = completion.CompletedAt,
            LastActivityAt = completion.CompletedAt,
            Result = completion.Passed ? AttemptResult.Success : AttemptResult.Failed,
            Score = completion.Score,
            Go1EnrolmentId = completion.EnrolmentId,
            TimeSpentMs = timeSpentMs,
            DurationUnknown = durationUnknown,
        };
    }

    private static string UniqueGo1DirectId(string enrolmentId, FoldState state)
    {
        var id = Go1DirectPrefix + enrolmentId;
        for (var n = 2; state.Find(id) is not null; n++) id = $"{Go1DirectPrefix}{enrolmentId}-{n}";
        return id;
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

    /// <summary>What the in-order checks read of a history, in O(log n) (its arrays are not made).</summary>
    private static (int LaunchCount, LaunchRecord? LastLaunch, int CompletionCount, CompletionRecord? LastCompletion) EventsOf(LearnerCourseHistory historyAfter)
    {
        ArgumentNullException.ThrowIfNull(historyAfter);
        return (historyAfter.LaunchCount, historyAfter.LastLaunch, historyAfter.CompletionCount, historyAfter.LastCompletion);
    }

    private static void ApplyLaunch(LaunchRecord launch, List<Draft> drafts, Dictionary<string, Draft> byId)
    {
        if (byId.TryGetValue(launch.AttemptId, out var known))
        {
            // A continue: only the last activity moves (which is also what re-opens a legacy-closed attempt).
            if (launch.LaunchedAt > known.LastActivityAt) known.LastActivityAt = launch.LaunchedAt;
            return;
        }

        var draft = Draft.OpenedBy(launch);
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
    /// <summary>The launches of one attempt that <see cref="Compact"/> keeps (any order in, distinct instants).</summary>
    private HashSet<LaunchRecord> KeptOfOneAttempt(List<LaunchRecord> launchesOfOneAttempt)
    {
        var ordered = launchesOfOneAttempt.OrderBy(l => l.LaunchedAt).ToList();
        var keep = new HashSet<LaunchRecord> { ordered[0], ordered[^1] };
        foreach (var cutover in new[] { Cutovers.WebLaunch, Cutovers.MobileLaunch })
        {
            var firstAfter = ordered.FirstOrDefault(l => l.LaunchedAt >= cutover);
            if (firstAfter is not null) keep.Add(firstAfter);
        }
        return keep;
    }

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
        /// <summary>Rule 1: a launch of an unknown attempt id opens it at 50 %, first and last activity at the launch.</summary>
        public static Draft OpenedBy(LaunchRecord launch) =>
            new(launch.AttemptId, AttemptOrigin.LmsLaunch, launch.Platform, launch.LaunchedAt) { Progress = ProgressOnLaunch };

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
