using Go1Sync.Core.Attempts;
using Go1Sync.Core.Learners;

namespace Go1Sync.Core.Processing;

/// <summary>A stored aggregate and the concurrency token it was read with.</summary>
public sealed record StoredHistory(LearnerCourseHistory History, string ETag)
{
    /// <summary>The fold stored beside the history (null: none was, e.g. a row of an older format); see <see cref="AttemptRules.StateOf"/>.</summary>
    public FoldState? Fold { get; init; }
}

/// <summary>The source of truth: one (learner, course) history per row, written conditionally.</summary>
public interface IAttemptStore
{
    Task<StoredHistory?> GetAsync(LearnerCourseKey key, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the history if the row is still as it was read (<paramref name="etag"/> null: if it
    /// does not exist yet). Returns the new ETag, or null on a conflict.
    /// </summary>
    /// <paramref name="fold"/>, the fold of <paramref name="history"/>, is stored beside it so the
    /// next event in time order is applied without folding every event again.
    Task<string?> TrySaveAsync(LearnerCourseKey key, LearnerCourseHistory history, string? etag, CancellationToken cancellationToken, FoldState? fold = null);

    /// <summary>Every history of one learner (by learner id, <see cref="LearnerIds.Id"/>): a query on the learner's partition.</summary>
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

/// <summary>The read-side rows derived from an aggregate (per-course stats and the open-attempt index).</summary>
public interface IAttemptProjection
{
    /// <summary>Writes what changed between two folds of the same aggregate.</summary>
    Task UpdateAsync(LearnerCourseKey key, IReadOnlyList<Attempt> before, IReadOnlyList<Attempt> after, CancellationToken cancellationToken);

    /// <summary>
    /// Rewrites every row of the aggregate and removes rows it no longer has: harmless when
    /// already right, a repair when a previous run stopped half way. <paramref name="touched"/>
    /// names the attempts the redelivered event is about, whose open-index rows are checked too.
    /// </summary>
    Task RepairAsync(LearnerCourseKey key, IReadOnlyList<Attempt> attempts, IReadOnlyCollection<string> touched, CancellationToken cancellationToken);
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
