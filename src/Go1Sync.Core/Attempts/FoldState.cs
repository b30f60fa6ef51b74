using System.Collections.Immutable;

namespace Go1Sync.Core.Attempts;

/// <summary>
/// The attempts of a history (what <see cref="AttemptRules.Fold"/> gives) kept together with the
/// indexes that let <see cref="AttemptRules.Apply(FoldState?, Acceptance)"/> add the next event in
/// O(log attempts) instead of folding the whole history again. Immutable: applying an event gives
/// a new state and leaves this one as it was (the "before" of the projection).
/// </summary>
/// <remarks>
/// What to persist is <see cref="Attempts"/>, <see cref="Cutovers"/>, <see cref="LaunchCount"/> and
/// <see cref="CompletionCount"/>; <see cref="Restore"/> rebuilds the indexes from them in
/// O(n log n). The indexes are: the attempts by id, and the open attempts ordered by (first
/// activity, attempt id) in three sets, so that the oldest eligible attempt of a completion is the
/// smallest of at most three minimums: open attempts that can no longer become legacy-closed (a
/// last activity at or after their platform's launch-tracking cutover), and open attempts whose
/// last activity is before the web (web and unknown platforms) or the mobile cutover, which are
/// legacy-closed exactly for a completion at or after that cutover.
/// </remarks>
public sealed class FoldState
{
    private readonly ImmutableList<Attempt> _attempts;

    private FoldState(
        ImmutableList<Attempt> attempts,
        ImmutableDictionary<string, Attempt> byId,
        ImmutableSortedSet<AttemptKey> openActive,
        ImmutableSortedSet<AttemptKey> openBeforeWeb,
        ImmutableSortedSet<AttemptKey> openBeforeMobile,
        Cutovers cutovers,
        int launchCount,
        int completionCount)
    {
        _attempts = attempts;
        ById = byId;
        OpenActive = openActive;
        OpenBeforeWeb = openBeforeWeb;
        OpenBeforeMobile = openBeforeMobile;
        Cutovers = cutovers;
        LaunchCount = launchCount;
        CompletionCount = completionCount;
    }

    /// <summary>The attempts, oldest first (first activity, then attempt id): the same list as <see cref="AttemptRules.Fold"/>.</summary>
    public IReadOnlyList<Attempt> Attempts => _attempts;

    /// <summary>The cutovers the attempts were folded with. A state folded with other cutovers is folded again, not extended.</summary>
    public Cutovers Cutovers { get; }

    /// <summary>How many launch records the folded history holds (<see cref="LearnerCourseHistory.Launches"/>, after compaction).</summary>
    public int LaunchCount { get; }

    /// <summary>How many completion records the folded history holds.</summary>
    public int CompletionCount { get; }

    internal ImmutableDictionary<string, Attempt> ById { get; }
    internal ImmutableSortedSet<AttemptKey> OpenActive { get; }
    internal ImmutableSortedSet<AttemptKey> OpenBeforeWeb { get; }
    internal ImmutableSortedSet<AttemptKey> OpenBeforeMobile { get; }

    /// <summary>The attempt with this id, if any.</summary>
    public Attempt? Find(string attemptId) => ById.TryGetValue(attemptId, out var attempt) ? attempt : null;

    /// <summary>The fold of an empty history.</summary>
    public static FoldState Empty(Cutovers cutovers) => new(
        ImmutableList<Attempt>.Empty,
        ImmutableDictionary.Create<string, Attempt>(StringComparer.Ordinal),
        ImmutableSortedSet<AttemptKey>.Empty,
        ImmutableSortedSet<AttemptKey>.Empty,
        ImmutableSortedSet<AttemptKey>.Empty,
        cutovers,
        0,
        0);

    /// <summary>
    /// A state from what was persisted of one (<see cref="Attempts"/>, <see cref="Cutovers"/>,
    /// <see cref="LaunchCount"/>, <see cref="CompletionCount"/>): the attempts in any order, the
    /// indexes rebuilt in O(n log n). The caller vouches that the attempts are the fold, with these
    /// cutovers, of the history it stores beside them.
    /// </summary>
    public static FoldState Restore(IEnumerable<Attempt> attempts, Cutovers cutovers, int launchCount, int completionCount)
    {
        ArgumentNullException.ThrowIfNull(attempts);
        ArgumentNullException.ThrowIfNull(cutovers);
        ArgumentOutOfRangeException.ThrowIfNegative(launchCount);
        ArgumentOutOfRangeException.ThrowIfNegative(completionCount);

        var sorted = attempts.ToList();
        sorted.Sort(OldestFirst.Instance);
        var byId = ImmutableDictionary.CreateBuilder<string, Attempt>(StringComparer.Ordinal);
        // Filled in order, so each set is built from a sorted list in one go.
        var active = new List<AttemptKey>();
        var beforeWeb = new List<AttemptKey>();
        var beforeMobile = new List<AttemptKey>();
        foreach (var attempt in sorted)
        {
            if (!byId.TryAdd(attempt.AttemptId, attempt))
                throw new ArgumentException($"Attempt id {attempt.AttemptId} appears twice.", nameof(attempts));
            if (attempt.Status != AttemptStatus.Open) continue;
            var set = OpenGroupOf(attempt, cutovers) switch
            {
                OpenGroup.BeforeWeb => beforeWeb,
                OpenGroup.BeforeMobile => beforeMobile,
                _ => active,
            };
            set.Add(AttemptKey.Of(attempt));
        }

        return new FoldState(
            ImmutableList.CreateRange(sorted), byId.ToImmutable(),
            ImmutableSortedSet.CreateRange(active), ImmutableSortedSet.CreateRange(beforeWeb), ImmutableSortedSet.CreateRange(beforeMobile),
            cutovers, launchCount, completionCount);
    }

    /// <summary>This state with one attempt added or replaced, and the open indexes moved accordingly.</summary>
    internal FoldState With(Attempt? old, Attempt next, int launchCount, int completionCount)
    {
        var key = AttemptKey.Of(next);
        var attempts = _attempts;
        var index = attempts.BinarySearch(next, OldestFirst.Instance);
        attempts = index >= 0 ? attempts.SetItem(index, next) : attempts.Insert(~index, next);

        var active = OpenActive;
        var beforeWeb = OpenBeforeWeb;
        var beforeMobile = OpenBeforeMobile;
        if (old is not null && old.Status == AttemptStatus.Open)
        {
            switch (OpenGroupOf(old, Cutovers))
            {
                case OpenGroup.BeforeWeb: beforeWeb = beforeWeb.Remove(key); break;
                case OpenGroup.BeforeMobile: beforeMobile = beforeMobile.Remove(key); break;
                default: active = active.Remove(key); break;
            }
        }
        if (next.Status == AttemptStatus.Open)
        {
            switch (OpenGroupOf(next, Cutovers))
            {
                case OpenGroup.BeforeWeb: beforeWeb = beforeWeb.Add(key); break;
                case OpenGroup.BeforeMobile: beforeMobile = beforeMobile.Add(key); break;
                default: active = active.Add(key); break;
            }
        }

        return new FoldState(attempts, ById.SetItem(next.AttemptId, next), active, beforeWeb, beforeMobile, Cutovers, launchCount, completionCount);
    }

    internal FoldState WithCounts(int launchCount, int completionCount) =>
        launchCount == LaunchCount && completionCount == CompletionCount
            ? this
            : new FoldState(_attempts, ById, OpenActive, OpenBeforeWeb, OpenBeforeMobile, Cutovers, launchCount, completionCount);

    /// <summary>
    /// The oldest open attempt not legacy-closed as of <paramref name="asOf"/>, or null. Legacy-closed
    /// (rule 6) is: open, last activity before the platform's cutover and <paramref name="asOf"/> at
    /// or after it (the first activity is then before it too).
    /// </summary>
    internal Attempt? OldestEligible(DateTimeOffset asOf)
    {
        AttemptKey? best = null;
        Consider(OpenActive);
        if (asOf < Cutovers.WebLaunch) Consider(OpenBeforeWeb);
        if (asOf < Cutovers.MobileLaunch) Consider(OpenBeforeMobile);
        return best is { } key ? ById[key.AttemptId] : null;

        void Consider(ImmutableSortedSet<AttemptKey> set)
        {
            if (set.Count == 0) return;
            var min = set.Min;
            if (best is null || min.CompareTo(best.Value) < 0) best = min;
        }
    }

    /// <summary>The oldest attempt whatever its status (the legacy connector's target), or null.</summary>
    internal Attempt? Oldest => _attempts.Count == 0 ? null : _attempts[0];

    private static OpenGroup OpenGroupOf(Attempt attempt, Cutovers cutovers)
    {
        if (attempt.Platform == Platform.Mobile)
            return attempt.LastActivityAt < cutovers.MobileLaunch ? OpenGroup.BeforeMobile : OpenGroup.Active;
        return attempt.LastActivityAt < cutovers.WebLaunch ? OpenGroup.BeforeWeb : OpenGroup.Active;
    }

    private enum OpenGroup
    {
        Active,
        BeforeWeb,
        BeforeMobile,
    }

    /// <summary>The fold's order of attempts: first activity, then attempt id (ordinal).</summary>
    internal sealed class OldestFirst : IComparer<Attempt>
    {
        public static readonly OldestFirst Instance = new();

        public int Compare(Attempt? x, Attempt? y)
        {
            if (ReferenceEquals(x, y)) return 0;
            if (x is null) return -1;
            if (y is null) return 1;
            var byFirst = x.FirstActivityAt.CompareTo(y.FirstActivityAt);
            return byFirst != 0 ? byFirst : string.CompareOrdinal(x.AttemptId, y.AttemptId);
        }
    }

    internal readonly record struct AttemptKey(DateTimeOffset FirstActivityAt, string AttemptId) : IComparable<AttemptKey>
    {
        public static AttemptKey Of(Attempt attempt) => new(attempt.FirstActivityAt, attempt.AttemptId);

        public int CompareTo(AttemptKey other)
        {
            var byFirst = FirstActivityAt.CompareTo(other.FirstActivityAt);
            return byFirst != 0 ? byFirst : string.CompareOrdinal(AttemptId, other.AttemptId);
        }
    }
}

/// <summary>
/// What applying an event (or folding again) gave: the next state, the attempts that are new or
/// changed in it (<see cref="ChangedAttemptIds"/>, in the state's order) and those it no longer has
/// (<see cref="RemovedAttemptIds"/>: a <c>go1-direct</c> attempt whose completion a late launch took).
/// <see cref="Refolded"/> says whether the history was folded again in full (an event out of time
/// order, other cutovers, a merge, or a state that is not the fold of the history before the event).
/// </summary>
public sealed record FoldUpdate(
    FoldState State,
    IReadOnlyList<string> ChangedAttemptIds,
    IReadOnlyList<string> RemovedAttemptIds,
    bool Refolded)
{
    /// <summary>Whether any attempt changed, appeared or disappeared.</summary>
    public bool HasChanges => ChangedAttemptIds.Count > 0 || RemovedAttemptIds.Count > 0;
}
