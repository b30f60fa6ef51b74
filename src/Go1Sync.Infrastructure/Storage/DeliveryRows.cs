using System.Globalization;

namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// The delivery log's record, wherever it is kept: in <c>Deliveries</c> (PartitionKey the UTC day of
/// receipt, RowKey the escaped identity: <see cref="TableDeliveryLog"/>), or, for an event that
/// committed its aggregate and for the duplicates of such an event, in the aggregate's course
/// partition of <c>AttemptStats</c> (RowKey <see cref="CourseRows.Delivery"/>), written by the
/// aggregate's own batch. Both rows have the same columns; a delivery whose record is in both places
/// (a failure recorded after a batch that did commit, an outcome written before the upgrade and its
/// duplicate after) is read as one (<see cref="Merge"/>).
/// </summary>
public static class DeliveryRows
{
    /// <summary>The UTC day of receipt, yyyyMMdd: the log's partition, and the start of a course partition's delivery row key.</summary>
    public static string Day(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public static TableEntity Receipt(string partitionKey, string rowKey, DeliveryReceipt receipt, LearnerIds ids) =>
        new(partitionKey, rowKey)
        {
            ["Identity"] = receipt.Identity,
            ["Kind"] = receipt.Kind,
            ["EventType"] = receipt.EventType,
            ["ReceivedAt"] = receipt.ReceivedAt,
            ["Signature"] = receipt.Signature,
            ["HttpStatus"] = receipt.HttpStatus,
            ["EnrolmentId"] = receipt.EnrolmentId,
            ["AttemptId"] = receipt.AttemptId,
            ["LearnerHash"] = receipt.LearnerHash,
            // The key of the process that made the id (intake, possibly before a rotation), else this one's.
            [TableAttemptStore.LearnerIdKeyProperty] = receipt.LearnerHash is null ? null : receipt.LearnerIdKey ?? ids.CurrentKeyId,
            ["Detail"] = Truncate(receipt.Detail),
            ["Source"] = receipt.Source,
        };

    /// <summary>The receipt the message carried and the outcome, as one row to merge (null values are left out of a merge, so what is there stays).</summary>
    public static TableEntity Outcome(string partitionKey, string rowKey, DeliveryOutcome outcome, LearnerIds ids, DateTimeOffset now)
    {
        var entity = outcome.Receipt is { } receipt && receipt.Identity == outcome.Identity && Day(receipt.ReceivedAt) == Day(outcome.ReceivedAt)
            ? Receipt(partitionKey, rowKey, receipt, ids)
            : new TableEntity(partitionKey, rowKey) { ["Identity"] = outcome.Identity };
        if (outcome.EnrolmentId is not null) entity["EnrolmentId"] = outcome.EnrolmentId;
        if (outcome.LearnerHash is not null)
        {
            entity["LearnerHash"] = outcome.LearnerHash;
            entity[TableAttemptStore.LearnerIdKeyProperty] = ids.CurrentKeyId;
        }
        if (outcome.Outcome == DeliveryOutcomes.Duplicate)
        {
            // A redelivery must not hide what the first delivery did ("applied to attempt X").
            entity["DuplicateAt"] = now;
        }
        else
        {
            entity["Outcome"] = outcome.Outcome;
            entity["OutcomeDetail"] = Truncate(outcome.Detail);
            entity["ProcessedAt"] = now;
        }
        return entity;
    }

    /// <summary>
    /// One delivery's rows read as one: the course partition's row is the one the aggregate's batch
    /// wrote, so its values win; the receipt's columns come from whichever row has them, and the later
    /// duplicate instant stands.
    /// </summary>
    public static TableEntity Merge(TableEntity day, TableEntity course)
    {
        var merged = new TableEntity(day.PartitionKey, day.RowKey);
        foreach (var (name, value) in day) if (value is not null && !IsKey(name)) merged[name] = value;
        foreach (var (name, value) in course) if (value is not null && !IsKey(name)) merged[name] = value;
        if (day.GetDateTimeOffset("DuplicateAt") is { } a && course.GetDateTimeOffset("DuplicateAt") is { } b)
            merged["DuplicateAt"] = a > b ? a : b;
        return merged;
    }

    private static bool IsKey(string name) => name is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag";

    public static DeliveryRecord Read(TableEntity e)
    {
        var (outcome, outcomeDetail) = OutcomeOf(e);
        return new DeliveryRecord(
            e.GetString("Identity"), e.GetString("Kind") ?? "unknown", e.GetString("EventType"),
            // An outcome recorded for a receipt this log never saw (e.g. a replayed CLI event) has no ReceivedAt.
            e.GetDateTimeOffset("ReceivedAt") ?? DateTimeOffset.MinValue, e.GetString("Signature") ?? "n/a", e.GetInt32("HttpStatus") ?? 0,
            e.GetString("EnrolmentId"), e.GetString("AttemptId"), e.GetString("LearnerHash"),
            outcome, outcomeDetail, e.GetDateTimeOffset("ProcessedAt"), e.GetString("Detail"), e.GetDateTimeOffset("DuplicateAt"),
            // Records written before sources were recorded all came over HTTP.
            e.GetString("Source") ?? DeliverySources.Http);
    }

    /// <summary>
    /// A later delivery that found the event already applied proves an earlier "failed" one had
    /// in fact written it (it failed after the aggregate write): report it as applied.
    /// </summary>
    private static (string? Outcome, string? Detail) OutcomeOf(TableEntity e)
    {
        var outcome = e.GetString("Outcome");
        var detail = e.GetString("OutcomeDetail");
        var duplicateAt = e.GetDateTimeOffset("DuplicateAt");
        if (outcome is null) return (duplicateAt is null ? null : DeliveryOutcomes.Duplicate, detail);
        if (outcome == DeliveryOutcomes.Failed && duplicateAt is { } d && d >= (e.GetDateTimeOffset("ProcessedAt") ?? DateTimeOffset.MinValue))
            return (DeliveryOutcomes.Applied, $"applied; a later delivery found it in place after this failure: {detail}");
        return (outcome, detail);
    }

    private static string? Truncate(string? value) => value is { Length: > 4_000 } ? value[..4_000] : value;
}
