using Go1Sync.Core.Attempts;
using Go1Sync.Core.Learners;

namespace Go1Sync.Core.Processing;

/// <summary>A stored aggregate and the concurrency token it was read with.</summary>
public sealed record StoredHistory(LearnerCourseHistory History, string ETag)
{
    /// <summary>The fold stored beside the history (null: none was, e.g. a row of an older format); see <see cref="AttemptRules.StateOf"/>.</summary>
    public FoldState? Fold { get; init; }

    /// <summary>
    /// The read side of this version may not be whole yet (a write too large for one batch, or one
    /// that found a read-side row missing, is still being projected): the next write projects in full.
    /// </summary>
    public bool ProjectionPending { get; init; }

    /// <summary>
    /// Read from the layout before storage v3 (one row per learner and course in <c>Attempts</c>; its
    /// ETag is that row's): the next write moves it, with its whole read side, into the course's partition.
    /// </summary>
    public bool Legacy { get; init; }

    /// <summary>The learner was erased from this course: the row is a tombstone without history, and events are dropped.</summary>
    public bool Erased { get; init; }

    /// <summary>
    /// The aggregate's sequence number (0: never written with one): each committed write stores the
    /// one read plus one and stamps its change rows with it, so an attempt's versions increase in
    /// commit order whatever the writers' clocks say (the change feed keeps the highest).
    /// </summary>
    public long Version { get; init; }

    /// <summary>
    /// The UTC ticks this version's change rows were stamped with (0: none): the next version stamps
    /// later even on a clock that lags, so two versions' rows never share a key.
    /// </summary>
    public long ChangedTicks { get; init; }
}

/// <summary>
/// One guarded write of an aggregate with its read side.
/// </summary>
/// <param name="ETag">The version read (null: the aggregate does not exist yet, or only in the legacy layout).</param>
/// <param name="Fold">The fold of <paramref name="History"/> (null: the store folds it).</param>
/// <param name="Before">The attempts of the version read, whose read-side rows are replaced (null: unknown, the read side is written in full).</param>
/// <param name="Read">What was read, when there was something: a legacy or pending row makes the write project in full.</param>
public sealed record AggregateWrite(
    LearnerCourseKey Key,
    LearnerCourseHistory History,
    string? ETag,
    FoldState? Fold,
    IReadOnlyList<Attempt>? Before,
    StoredHistory? Read = null)
{
    /// <summary>
    /// A version the write must exceed besides the one read: a history moved to another learner id
    /// (the learner-id migration) goes on from its old sequence, so the change feed's consumers, who
    /// keep the highest version per attempt, take the moved attempts' changes.
    /// </summary>
    public long VersionFloor { get; init; }

    /// <summary>
    /// The event's delivery outcome, committed by the same guarded write as the aggregate (a row of
    /// the course partition): null when the caller records none (a migration, a rewrite of a duplicate).
    /// </summary>
    public DeliveryOutcome? Outcome { get; init; }
}

/// <summary>
/// The source of truth: one (learner, course) history per row, written conditionally together
/// with the read-side rows derived from it, so the two never disagree.
/// </summary>
public interface IAttemptStore
{
    Task<StoredHistory?> GetAsync(LearnerCourseKey key, CancellationToken cancellationToken);

    /// <summary>
    /// The aggregate as <see cref="GetAsync"/> reads it, but without looking for a pair's aggregate of
    /// the layout before storage v3 when there is none in the current one: the writer lists a pair it
    /// does not find (<see cref="RegisterAsync"/>), and the listing finds such an aggregate on its own row,
    /// so a new pair costs one read fewer.
    /// </summary>
    Task<StoredHistory?> GetCurrentAsync(LearnerCourseKey key, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the history and its read side if the aggregate is still as it was read
    /// (<see cref="AggregateWrite.ETag"/>): one entity-group transaction when the change fits one.
    /// Returns the new ETag, or null on a conflict (nothing was written).
    /// </summary>
    Task<string?> TryCommitAsync(AggregateWrite write, CancellationToken cancellationToken);

    /// <summary>
    /// Lists a learner's new (learner, course) pair where learner look-ups, erasure and the learner-id
    /// migration find it, before its aggregate is first written (see <see cref="HistoryWriter"/> for the order).
    /// Returns the pair's aggregate of the layout before storage v3 when its row is one (it lists the
    /// pair already, see <see cref="StoredHistory.Legacy"/>), otherwise null.
    /// </summary>
    Task<StoredHistory?> RegisterAsync(LearnerCourseKey key, string courseId, CancellationToken cancellationToken);

    /// <summary>
    /// Erases an erased learner's pair that a dropped first event listed: the aggregate replaced by a
    /// tombstone (so a concurrent first event's insert fails and drops), then the learner's rows on
    /// the course, then the listing.
    /// </summary>
    Task ForgetAsync(LearnerCourseKey key, CancellationToken cancellationToken);

    /// <summary>Every history of one learner (by learner id, <see cref="LearnerIds.Id"/>): the learner's course list, then a point read per course.</summary>
    Task<IReadOnlyList<LearnerCourseHistory>> GetLearnerAsync(string learnerId, CancellationToken cancellationToken);
}

/// <summary>
/// Learners who were erased (<c>go1sync forget</c>): a later event for one of them is dropped, not
/// applied, so the erasure is not undone by a late webhook, a reconciliation or a replay.
/// </summary>
public interface ILearnerTombstones
{
    /// <summary>
    /// True when the learner was erased, under the current learner id or one of an older scheme whose
    /// tombstones still matter (the previous key, the legacy SHA-256): one storage request.
    /// </summary>
    Task<bool> IsErasedAsync(string email, CancellationToken cancellationToken);
}

public sealed record Course(string CourseId, int DurationMinutes, string? Title, DateTimeOffset UpdatedAt);

/// <summary>The theoretical durations of Go1 courses, in minutes.</summary>
public interface ICourseCatalogue
{
    Task<Course?> GetAsync(string courseId, CancellationToken cancellationToken);
    Task UpsertAsync(Course course, CancellationToken cancellationToken);
}

/// <summary>A message that cannot be applied, kept with its reason so an operator can fix and replay it.</summary>
public sealed record ParkedMessage(string Category, string MessageId, string Reason, string Body, DateTimeOffset ParkedAt);

public interface IParkedStore
{
    Task ParkAsync(ParkedMessage message, CancellationToken cancellationToken);
    Task<IReadOnlyList<ParkedMessage>> ListAsync(string? category, CancellationToken cancellationToken);
    /// <summary>How many messages are parked (keys only: cheap enough to sample every minute).</summary>
    Task<int> CountAsync(CancellationToken cancellationToken);
    Task RemoveAsync(string category, string messageId, CancellationToken cancellationToken);
    /// <summary>Deletes the messages parked before <paramref name="before"/> and returns their (category, message id), for the log.</summary>
    Task<IReadOnlyList<(string Category, string MessageId)>> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken);
}

/// <summary>Where accepted events wait for the processor.</summary>
public interface IEventQueue
{
    /// <summary>Returns only once the message is durably stored; throws otherwise.</summary>
    Task EnqueueAsync(EventEnvelope envelope, CancellationToken cancellationToken);
}

public static class ParkCategories
{
    /// <summary>The completion's learner cannot be matched (no email, or unknown learner when only known learners count).</summary>
    public const string Unmatched = "unmatched";
    /// <summary>The message itself cannot be read (unknown kind or version, bad payload).</summary>
    public const string Invalid = "invalid";
}

/// <summary>Filters the store can apply itself (on stored values that reporting never changes).</summary>
public sealed record AttemptRange(DateTimeOffset? LastActivityFrom = null, DateTimeOffset? LastActivityTo = null);

/// <summary>One page of stored attempts and the store's opaque token for the next one (null at the end).</summary>
public sealed record AttemptPage(IReadOnlyList<Attempt> Attempts, string? Continuation);

/// <summary>The read side: a course's attempts as projected (stored values; report them "as of" with the rules).</summary>
public interface IAttemptStatsReader
{
    IAsyncEnumerable<Attempt> ReadCourseAsync(string courseId, AttemptRange range, CancellationToken cancellationToken);

    Task<AttemptPage> ReadPageAsync(string courseId, AttemptRange range, string? continuation, int pageSize, CancellationToken cancellationToken);
}
