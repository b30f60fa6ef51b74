using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Go1Sync.Core.Learners;

namespace Go1Sync.Core.Attempts;

/// <summary>A launch as kept in a learner's history on a course.</summary>
public sealed record LaunchRecord(string AttemptId, Platform Platform, DateTimeOffset LaunchedAt);

/// <summary>
/// A completion as kept in the history. <see cref="DurationMinutes"/> is the course's
/// theoretical duration as it was known when the completion was accepted, so that folding the
/// history again later gives the same time spent.
/// </summary>
public sealed record CompletionRecord(
    string EnrolmentId,
    DateTimeOffset CompletedAt,
    bool Passed,
    int? Score,
    DateTimeOffset? StartedAt,
    int? DurationMinutes)
{
    /// <summary>Go1 re-enrolment gives a new enrolment id; the same enrolment and instant is the same completion.</summary>
    public string Identity => IdentityOf(EnrolmentId, CompletedAt);

    /// <summary>The one definition of a completion's identity, for whoever must check a history before queueing.</summary>
    public static string IdentityOf(string enrolmentId, DateTimeOffset completedAt) =>
        $"{enrolmentId}|{Instants.ToMillisecondUtc(completedAt).UtcTicks}";
}

/// <summary>
/// The aggregate: every event accepted for one (learner, course), in time order. The attempts
/// are never stored on their own; they are the fold of this history (<see cref="AttemptRules.Fold"/>),
/// so delivery order and duplicates cannot change the outcome.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Launches"/> (instant, then attempt id) and <see cref="Completions"/> (instant, then
/// enrolment id) are what readers and the row format see. Inside, the events are kept in balanced
/// persistent trees (<see cref="ImmutableList{T}"/>) with the launches indexed by attempt id, so
/// that <see cref="AttemptRules.Accept(LearnerCourseHistory, Launch)"/> and
/// <see cref="AttemptRules.Accept(LearnerCourseHistory, Completion, int?)"/> find, insert and drop
/// a record in O(log events) and share the rest with the history before (which stays as it was).
/// </para>
/// <para>
/// A history made from arrays (the row format's reader, <see cref="Empty"/>, <c>with</c>) builds
/// the trees and the index at once, in O(n): part of reading the row. A history made by the rules
/// makes its arrays only when they are first read (writing the row reads them), once, in O(n).
/// Two histories are equal when they hold the same learner, course and events in the same order.
/// </para>
/// </remarks>
public sealed record LearnerCourseHistory
{
    private ImmutableList<LaunchRecord> _launchList = ImmutableList<LaunchRecord>.Empty;
    private LaunchIndex _launchesByAttempt = LaunchIndex.Empty;
    private ImmutableList<CompletionRecord> _completionList = ImmutableList<CompletionRecord>.Empty;
    // The arrays read from Launches and Completions, made once from the trees when first read
    // (null until then). A race makes two equal arrays, and either is kept.
    private LaunchRecord[]? _launchArray = [];
    private CompletionRecord[]? _completionArray = [];

    public LearnerCourseHistory(string Email, string CourseId, ImmutableArray<LaunchRecord> Launches, ImmutableArray<CompletionRecord> Completions)
    {
        this.Email = Email;
        this.CourseId = CourseId;
        this.Launches = Launches;
        this.Completions = Completions;
    }

    public string Email { get; init; }

    public string CourseId { get; init; }

    /// <summary>The launches, in time order (instant, then attempt id); compacted by the rules.</summary>
    public ImmutableArray<LaunchRecord> Launches
    {
        get => ImmutableCollectionsMarshal.AsImmutableArray(_launchArray ??= ToArray(_launchList));
        init
        {
            var array = value.IsDefault ? [] : ImmutableCollectionsMarshal.AsArray(value)!;
            _launchArray = array;
            _launchList = ImmutableList.CreateRange(array);
            _launchesByAttempt = LaunchIndex.Of(array);
        }
    }

    /// <summary>The completions, in time order (instant, then enrolment id).</summary>
    public ImmutableArray<CompletionRecord> Completions
    {
        get => ImmutableCollectionsMarshal.AsImmutableArray(_completionArray ??= ToArray(_completionList));
        init
        {
            var array = value.IsDefault ? [] : ImmutableCollectionsMarshal.AsArray(value)!;
            _completionArray = array;
            _completionList = ImmutableList.CreateRange(array);
        }
    }

    public static LearnerCourseHistory Empty(string email, string courseId) =>
        new(LearnerEmail.Normalize(email), courseId, ImmutableArray<LaunchRecord>.Empty, ImmutableArray<CompletionRecord>.Empty);

    public bool IsEmpty => _launchList.IsEmpty && _completionList.IsEmpty;

    /// <summary>How many launches the history keeps (<see cref="Launches"/>' length, in O(1)).</summary>
    public int LaunchCount => _launchList.Count;

    /// <summary>How many completions the history keeps (<see cref="Completions"/>' length, in O(1)).</summary>
    public int CompletionCount => _completionList.Count;

    public bool SameEventsAs(LearnerCourseHistory other) =>
        (ReferenceEquals(_launchList, other._launchList) || (LaunchCount == other.LaunchCount && _launchList.SequenceEqual(other._launchList)))
        && (ReferenceEquals(_completionList, other._completionList) || (CompletionCount == other.CompletionCount && _completionList.SequenceEqual(other._completionList)));

    public bool Equals(LearnerCourseHistory? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (string.Equals(Email, other.Email, StringComparison.Ordinal)
                && string.Equals(CourseId, other.CourseId, StringComparison.Ordinal)
                && SameEventsAs(other)));

    public override int GetHashCode() => HashCode.Combine(Email, CourseId, LaunchCount, CompletionCount);

    public void Deconstruct(out string Email, out string CourseId, out ImmutableArray<LaunchRecord> Launches, out ImmutableArray<CompletionRecord> Completions)
    {
        Email = this.Email;
        CourseId = this.CourseId;
        Launches = this.Launches;
        Completions = this.Completions;
    }

    /// <summary>The latest launch (the last of <see cref="Launches"/>), in O(log n); null when there is none.</summary>
    internal LaunchRecord? LastLaunch => _launchList.IsEmpty ? null : _launchList[^1];

    /// <summary>The latest completion (the last of <see cref="Completions"/>), in O(log n); null when there is none.</summary>
    internal CompletionRecord? LastCompletion => _completionList.IsEmpty ? null : _completionList[^1];

    /// <summary>The launches of one attempt, oldest first (empty when there is none), in O(log n).</summary>
    internal ImmutableArray<LaunchRecord> LaunchesOf(string attemptId) =>
        _launchesByAttempt.LaunchesOf(attemptId);

    /// <summary>Where a completion is, or would be inserted (the complement), by instant then enrolment id, in O(log n).</summary>
    internal int FindCompletion(CompletionRecord completion) => _completionList.BinarySearch(completion, CompletionOrder.Instance);

    /// <summary>
    /// This history with one completion inserted at <paramref name="index"/> (from <see cref="FindCompletion"/>),
    /// sharing the rest, in O(log n).
    /// </summary>
    internal LearnerCourseHistory WithCompletionInserted(int index, CompletionRecord completion) =>
        new(this, _launchList, _launchesByAttempt, _launchArray, _completionList.Insert(index, completion), null);

    /// <summary>
    /// This history with the launches of one attempt replaced: <paramref name="dropped"/> (some of
    /// <see cref="LaunchesOf"/> the attempt) removed and <paramref name="added"/> inserted in its place
    /// if not null, the attempt's launches now <paramref name="kept"/> (oldest first). O(log n) per launch.
    /// </summary>
    internal LearnerCourseHistory WithLaunchesOfOneAttempt(string attemptId, IEnumerable<LaunchRecord> dropped, LaunchRecord? added, ImmutableArray<LaunchRecord> kept)
    {
        var list = _launchList;
        foreach (var launch in dropped)
        {
            var index = list.BinarySearch(launch, LaunchOrder.Instance);
            // Always found by the search in a history in time order (the rules keep it so).
            if (index < 0 || !list[index].Equals(launch)) index = list.IndexOf(launch);
            if (index < 0) throw new InvalidOperationException($"Launch {launch} is not in the history.");
            list = list.RemoveAt(index);
        }
        if (added is not null)
        {
            var index = list.BinarySearch(added, LaunchOrder.Instance);
            list = list.Insert(index < 0 ? ~index : index, added);
        }
        var byAttempt = _launchesByAttempt.With(attemptId, kept);
        return new(this, list, byAttempt, null, _completionList, _completionArray);
    }

    private LearnerCourseHistory(
        LearnerCourseHistory from,
        ImmutableList<LaunchRecord> launches,
        LaunchIndex launchesByAttempt,
        LaunchRecord[]? launchArray,
        ImmutableList<CompletionRecord> completions,
        CompletionRecord[]? completionArray)
    {
        Email = from.Email;
        CourseId = from.CourseId;
        _launchList = launches;
        _launchesByAttempt = launchesByAttempt;
        _launchArray = launchArray;
        _completionList = completions;
        _completionArray = completionArray;
    }

    private static T[] ToArray<T>(ImmutableList<T> list)
    {
        var array = new T[list.Count];
        list.CopyTo(array);
        return array;
    }

    /// <summary>
    /// The launches of each attempt, oldest first: a dictionary filled once when the history is made
    /// from arrays, in O(n), and never changed after (so every history made from it reads it
    /// safely), and the attempts whose launches changed since in a persistent dictionary, O(log k)
    /// for k changed attempts (one per event in the processor, which reads the row for each event).
    /// </summary>
    private sealed class LaunchIndex
    {
        public static readonly LaunchIndex Empty = new(
            new Dictionary<string, ImmutableArray<LaunchRecord>>(StringComparer.Ordinal),
            ImmutableDictionary.Create<string, ImmutableArray<LaunchRecord>>(StringComparer.Ordinal));

        private readonly Dictionary<string, ImmutableArray<LaunchRecord>> _read;
        private readonly ImmutableDictionary<string, ImmutableArray<LaunchRecord>> _changed;

        private LaunchIndex(Dictionary<string, ImmutableArray<LaunchRecord>> read, ImmutableDictionary<string, ImmutableArray<LaunchRecord>> changed)
        {
            _read = read;
            _changed = changed;
        }

        /// <summary>The index of launches in time order (so each attempt's are too).</summary>
        public static LaunchIndex Of(LaunchRecord[] launches)
        {
            if (launches.Length == 0) return Empty;
            var read = new Dictionary<string, ImmutableArray<LaunchRecord>>(launches.Length, StringComparer.Ordinal);
            foreach (var launch in launches)
            {
                ref var ofAttempt = ref CollectionsMarshal.GetValueRefOrAddDefault(read, launch.AttemptId, out var exists);
                ofAttempt = exists ? ofAttempt.Add(launch) : [launch];
            }
            return new LaunchIndex(read, Empty._changed);
        }

        public ImmutableArray<LaunchRecord> LaunchesOf(string attemptId) =>
            _changed.TryGetValue(attemptId, out var launches) || _read.TryGetValue(attemptId, out launches) ? launches : [];

        /// <summary>The index with the launches of one attempt replaced (empty: it has none left).</summary>
        public LaunchIndex With(string attemptId, ImmutableArray<LaunchRecord> launches) => new(_read, _changed.SetItem(attemptId, launches));
    }

    /// <summary>The history's order of launches: instant, then attempt id (ordinal).</summary>
    internal sealed class LaunchOrder : IComparer<LaunchRecord>
    {
        public static readonly LaunchOrder Instance = new();

        public int Compare(LaunchRecord? x, LaunchRecord? y)
        {
            if (ReferenceEquals(x, y)) return 0;
            if (x is null) return -1;
            if (y is null) return 1;
            return x.LaunchedAt != y.LaunchedAt ? x.LaunchedAt.CompareTo(y.LaunchedAt) : string.CompareOrdinal(x.AttemptId, y.AttemptId);
        }
    }

    /// <summary>The history's order of completions: instant, then enrolment id (ordinal); 0 is the same completion.</summary>
    internal sealed class CompletionOrder : IComparer<CompletionRecord>
    {
        public static readonly CompletionOrder Instance = new();

        public int Compare(CompletionRecord? x, CompletionRecord? y)
        {
            if (ReferenceEquals(x, y)) return 0;
            if (x is null) return -1;
            if (y is null) return 1;
            return x.CompletedAt != y.CompletedAt ? x.CompletedAt.CompareTo(y.CompletedAt) : string.CompareOrdinal(x.EnrolmentId, y.EnrolmentId);
        }
    }
}
