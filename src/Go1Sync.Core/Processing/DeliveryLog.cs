namespace Go1Sync.Core.Processing;

/// <summary>
/// What arrived over HTTP and what we answered. <see cref="Identity"/> is the queued event's id
/// (so the processor can add its outcome to the same record), or a generated one for refused requests.
/// </summary>
/// <param name="LearnerIdKey">The key id (<see cref="Learners.LearnerIds.CurrentKeyId"/>) of the process that made <paramref name="LearnerHash"/>: a receipt may be written after a key rotation.</param>
public sealed record DeliveryReceipt(
    string Identity,
    string Kind,
    string? EventType,
    DateTimeOffset ReceivedAt,
    string Signature,
    int HttpStatus,
    string? EnrolmentId = null,
    string? AttemptId = null,
    string? LearnerHash = null,
    string? Detail = null,
    string Source = DeliverySources.Http,
    string? LearnerIdKey = null);

/// <summary>A delivery as the log holds it, receipt and (once processed) outcome.</summary>
public sealed record DeliveryRecord(
    string Identity,
    string Kind,
    string? EventType,
    DateTimeOffset ReceivedAt,
    string Signature,
    int HttpStatus,
    string? EnrolmentId,
    string? AttemptId,
    string? LearnerHash,
    string? Outcome,
    string? OutcomeDetail,
    DateTimeOffset? ProcessedAt,
    string? Detail,
    DateTimeOffset? DuplicateAt = null,
    string Source = DeliverySources.Http);

/// <summary>How an event reached the queue: what the delivery log says it came from.</summary>
public static class DeliverySources
{
    /// <summary>An HTTP request (Go1 webhook, LMS launch): the receipt carries its signature and answer.</summary>
    public const string Http = "http";
    /// <summary>Go1's list of completed enrolments, read by the reconciliation (timer, reconcile, backfill).</summary>
    public const string Reconcile = "reconcile";
    /// <summary>The sweep of stale open attempts.</summary>
    public const string Sweep = "sweep";
    /// <summary>A JSON Lines file applied by <c>go1sync replay</c>.</summary>
    public const string Replay = "replay";
}

/// <summary>
/// An event's processing outcome, with the receipt its message carried: one record of the log.
/// </summary>
/// <param name="Identity">The queued event's id (the receipt's identity).</param>
/// <param name="EnrolmentId">The Go1 enrolment, when known only after processing (a thin webhook).</param>
/// <param name="LearnerHash">The learner's id, likewise: so look-ups by email find thin deliveries too.</param>
/// <param name="Receipt">The receipt the queued message carried (null: a message without one), written with the outcome.</param>
/// <param name="CourseKey">
/// The escaped course id whose partition holds the record: an outcome committed with its event's
/// aggregate (<see cref="AggregateWrite.Outcome"/>) and a duplicate of such an event are kept beside
/// it; null (refused, parked, failed, erased, no effect): the log's own day partition.
/// </param>
public sealed record DeliveryOutcome(
    string Identity,
    DateTimeOffset ReceivedAt,
    string Outcome,
    string? Detail,
    string? EnrolmentId = null,
    string? LearnerHash = null,
    DeliveryReceipt? Receipt = null,
    string? CourseKey = null);

public sealed record DeliveryQuery(DateTimeOffset Since, string? EnrolmentId = null, string? LearnerHash = null, int Max = 1_000);

public static class DeliveryOutcomes
{
    public const string Applied = "applied";
    public const string Duplicate = "duplicate";
    public const string NoEffect = "no-effect";
    public const string Parked = "parked";
    public const string Failed = "failed";
    /// <summary>The learner was erased (<c>go1sync forget</c>): the event was dropped, not applied.</summary>
    public const string Erased = "erased";
    /// <summary>Kind of a receipt for an event type we acknowledge without queueing.</summary>
    public const string Ignored = "ignored";

    /// <summary>The detail of an applied outcome: the attempts the event changed.</summary>
    public static string AppliedDetail(IEnumerable<string> changedAttemptIds) => "attempts " + string.Join(",", changedAttemptIds);
}

/// <summary>
/// The answer to "what happened to this completion?": every webhook delivery and launch request
/// with its signature outcome and HTTP status, and later its processing outcome. Holds no email
/// in clear (learner ids only) and keeps records for a configured number of days.
/// </summary>
public interface IDeliveryLog
{
    Task RecordReceiptAsync(DeliveryReceipt receipt, CancellationToken cancellationToken);
    /// <summary>
    /// Records an outcome that was not committed with its event (<see cref="ProcessingOutcome.OutcomeRecorded"/>):
    /// one request (in its course partition when <see cref="DeliveryOutcome.CourseKey"/> names one).
    /// </summary>
    Task RecordOutcomeAsync(DeliveryOutcome outcome, CancellationToken cancellationToken);
    Task<IReadOnlyList<DeliveryRecord>> FindAsync(DeliveryQuery query, CancellationToken cancellationToken);
    /// <summary>Deletes records received before <paramref name="before"/>; returns how many.</summary>
    Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken);
}
