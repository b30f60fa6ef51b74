using System.Globalization;

namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// PartitionKey the UTC day of receipt (yyyyMMdd), so "since" is a key range and retention drops
/// whole old partitions; RowKey the escaped delivery identity, so a redelivered event updates its
/// record instead of adding one. A record holding a learner id says which key made it
/// (<c>LearnerIdKey</c>), so the migration of learner ids knows which ids are old.
/// <para>
/// Outcomes are written by group commit: an outcome recorded while another write of the log is in
/// flight waits for it and goes in the next entity-group transaction with every outcome that queued
/// meanwhile (same day partition, at most 100, one per row). Each caller returns only once its own
/// outcome is stored (or throws with the batch's failure, so the queue retries the message), so
/// nothing is acknowledged before it is durable; under load the log costs a fraction of a request
/// per event instead of one.
/// </para>
/// </summary>
public sealed class TableDeliveryLog(TableServiceClient tables, TimeProvider time, LearnerIds ids) : IDeliveryLog
{
    private readonly TableClient _table = tables.GetTableClient(TableNames.Deliveries);

    private sealed record PendingOutcome(TableEntity Entity, TaskCompletionSource Stored);

    private readonly Lock _gate = new();
    private readonly List<PendingOutcome> _queued = [];
    private bool _flushing;

    public static string Day(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public async Task RecordReceiptAsync(DeliveryReceipt receipt, CancellationToken cancellationToken) =>
        // Merge: a redelivery refreshes the receipt without erasing an outcome already recorded.
        await _table.UpsertEntityAsync(ReceiptEntity(receipt), TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);

    private TableEntity ReceiptEntity(DeliveryReceipt receipt) =>
        new(Day(receipt.ReceivedAt), KeyEncoding.Escape(receipt.Identity))
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

    public async Task RecordOutcomeAsync(string identity, DateTimeOffset receivedAt, string outcome, string? detail, string? enrolmentId, string? learnerHash, DeliveryReceipt? receipt, CancellationToken cancellationToken)
    {
        // The receipt the message carried and the outcome: one merge, one request.
        var entity = receipt is not null && receipt.Identity == identity && Day(receipt.ReceivedAt) == Day(receivedAt)
            ? ReceiptEntity(receipt)
            : new TableEntity(Day(receivedAt), KeyEncoding.Escape(identity)) { ["Identity"] = identity };
        // Null values are left out of a merge, so what the receipt already knew stays.
        if (enrolmentId is not null) entity["EnrolmentId"] = enrolmentId;
        if (learnerHash is not null)
        {
            entity["LearnerHash"] = learnerHash;
            entity[TableAttemptStore.LearnerIdKeyProperty] = ids.CurrentKeyId;
        }
        if (outcome == DeliveryOutcomes.Duplicate)
        {
            // A redelivery must not hide what the first delivery did ("applied to attempt X").
            entity["DuplicateAt"] = time.GetUtcNow();
        }
        else
        {
            entity["Outcome"] = outcome;
            entity["OutcomeDetail"] = Truncate(detail);
            entity["ProcessedAt"] = time.GetUtcNow();
        }
        var pending = new PendingOutcome(entity, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        bool lead;
        lock (_gate)
        {
            _queued.Add(pending);
            lead = !_flushing;
            _flushing = true;
        }
        // The first caller to find the log idle starts a flush that writes for everybody until nothing is
        // queued. It runs on its own, not on that caller's invocation or token: under steady load it
        // could outlive the caller, and a caller's cancellation must not fail the others' outcomes.
        if (lead) _ = Task.Run(FlushAsync, CancellationToken.None);
        await pending.Stored.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes what is queued, batch after batch, until the queue is empty.</summary>
    private async Task FlushAsync()
    {
        // Bounded by the storage client's own timeouts and retries, not by any caller's token.
        var cancellationToken = CancellationToken.None;
        while (true)
        {
            List<PendingOutcome> batch;
            lock (_gate)
            {
                if (_queued.Count == 0)
                {
                    _flushing = false;
                    return;
                }
                batch = NextBatch();
            }
            try
            {
                if (batch.Count == 1)
                    await _table.UpsertEntityAsync(batch[0].Entity, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                else
                    await _table.SubmitTransactionAsync(batch.Select(p => new TableTransactionAction(TableTransactionActionType.UpsertMerge, p.Entity)), cancellationToken).ConfigureAwait(false);
                foreach (var p in batch) p.Stored.TrySetResult();
            }
            catch (Exception ex)
            {
                // Every waiter of this batch sees the failure (its message is retried); the others go on.
                foreach (var p in batch) p.Stored.TrySetException(ex);
            }
        }
    }

    /// <summary>The oldest queued outcome's partition: up to 100 of its outcomes, one per row (a transaction may not touch a row twice).</summary>
    private List<PendingOutcome> NextBatch()
    {
        var partition = _queued[0].Entity.PartitionKey;
        var rows = new HashSet<string>(StringComparer.Ordinal);
        var batch = new List<PendingOutcome>();
        foreach (var p in _queued)
        {
            if (batch.Count == TableBatches.MaxOperations) break;
            if (p.Entity.PartitionKey == partition && rows.Add(p.Entity.RowKey)) batch.Add(p);
        }
        foreach (var p in batch) _queued.Remove(p);
        return batch;
    }

    public async Task<IReadOnlyList<DeliveryRecord>> FindAsync(DeliveryQuery query, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {Day(query.Since)}");
        if (query.EnrolmentId is not null) filter += " and " + TableClient.CreateQueryFilter($"EnrolmentId eq {query.EnrolmentId}");
        if (query.LearnerHash is not null) filter += " and " + TableClient.CreateQueryFilter($"LearnerHash eq {query.LearnerHash}");
        var records = new List<DeliveryRecord>();
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var receivedAt = e.GetDateTimeOffset("ReceivedAt");
            // An outcome recorded for a receipt this log never saw (e.g. a replayed CLI event) has no ReceivedAt.
            if (receivedAt is { } r && r < query.Since) continue;
            var (outcome, outcomeDetail) = Outcome(e);
            records.Add(new DeliveryRecord(
                e.GetString("Identity"), e.GetString("Kind") ?? "unknown", e.GetString("EventType"),
                receivedAt ?? DateTimeOffset.MinValue, e.GetString("Signature") ?? "n/a", e.GetInt32("HttpStatus") ?? 0,
                e.GetString("EnrolmentId"), e.GetString("AttemptId"), e.GetString("LearnerHash"),
                outcome, outcomeDetail, e.GetDateTimeOffset("ProcessedAt"), e.GetString("Detail"), e.GetDateTimeOffset("DuplicateAt"),
                // Records written before sources were recorded all came over HTTP.
                e.GetString("Source") ?? DeliverySources.Http));
            if (records.Count >= query.Max) break;
        }
        return records.OrderBy(r => r.ReceivedAt).ToList();
    }

    public async Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey lt {Day(before)}");
        var doomed = new List<TableEntity>();
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            doomed.Add(e);
        foreach (var partition in doomed.GroupBy(e => e.PartitionKey))
            foreach (var batch in partition.Chunk(100))
                await _table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, e, ETag.All)), cancellationToken).ConfigureAwait(false);
        return doomed.Count;
    }

    /// <summary>
    /// A later delivery that found the event already applied proves an earlier "failed" one had
    /// in fact written it (it failed after the aggregate write): report it as applied.
    /// </summary>
    private static (string? Outcome, string? Detail) Outcome(TableEntity e)
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
