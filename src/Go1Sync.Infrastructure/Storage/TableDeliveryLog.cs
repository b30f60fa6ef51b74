namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// The delivery log over two places (<see cref="DeliveryRows"/>). <c>Deliveries</c>: PartitionKey the
/// UTC day of receipt (yyyyMMdd), so "since" is a key range and retention drops whole old partitions;
/// RowKey the escaped delivery identity, so a redelivered event updates its record instead of adding
/// one. It holds refused and ignored requests' receipts and the outcomes that commit no aggregate
/// (parked, no effect, erased, failed). The outcome of an event that commits its aggregate is a row of
/// the aggregate's own batch in the course partition (<see cref="CourseRows.Delivery"/>, written by
/// <see cref="TableAttemptStore"/>), and a duplicate of such an event writes its instant there too (one
/// merge). A listing reads the day partitions since the day asked, the course list, and per course one
/// range of delivery rows: 2 + courses queries whatever the number of days. A record holding a learner
/// id says which key made it (<c>LearnerIdKey</c>), so the migration of learner ids knows which ids are old.
/// <para>
/// Outcomes of the day partition are written by group commit: an outcome recorded while another write of the log is in
/// flight waits for it and goes in the next entity-group transaction with every outcome that queued
/// meanwhile (same day partition, at most 100, one per row). Each caller returns only once its own
/// outcome is stored (or throws with the batch's failure, so the queue retries the message), so
/// nothing is acknowledged before it is durable.
/// </para>
/// </summary>
public sealed class TableDeliveryLog(TableServiceClient tables, TimeProvider time, LearnerIds ids, OpenAttemptIndex courses) : IDeliveryLog
{
    private readonly TableClient _table = tables.GetTableClient(TableNames.Deliveries);
    private readonly TableClient _courses = tables.GetTableClient(TableNames.AttemptStats);

    private sealed record PendingOutcome(TableEntity Entity, TaskCompletionSource Stored);

    private readonly Lock _gate = new();
    private readonly List<PendingOutcome> _queued = [];
    private bool _flushing;

    public static string Day(DateTimeOffset instant) => DeliveryRows.Day(instant);

    public async Task RecordReceiptAsync(DeliveryReceipt receipt, CancellationToken cancellationToken) =>
        // Merge: a redelivery refreshes the receipt without erasing an outcome already recorded.
        await _table.UpsertEntityAsync(DeliveryRows.Receipt(Day(receipt.ReceivedAt), KeyEncoding.Escape(receipt.Identity), receipt, ids), TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);

    public async Task RecordOutcomeAsync(DeliveryOutcome outcome, CancellationToken cancellationToken)
    {
        if (outcome.CourseKey is { } course)
        {
            // Beside the aggregate's own outcome (a duplicate): one merge in the course partition.
            await _courses.UpsertEntityAsync(DeliveryRows.Outcome(course, CourseRows.Delivery(outcome.ReceivedAt, outcome.Identity), outcome, ids, time.GetUtcNow()),
                TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            return;
        }
        // The receipt the message carried and the outcome: one merge, one request (or a share of one).
        var entity = DeliveryRows.Outcome(Day(outcome.ReceivedAt), KeyEncoding.Escape(outcome.Identity), outcome, ids, time.GetUtcNow());
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
        var match = "";
        if (query.EnrolmentId is not null) match += " and " + TableClient.CreateQueryFilter($"EnrolmentId eq {query.EnrolmentId}");
        if (query.LearnerHash is not null) match += " and " + TableClient.CreateQueryFilter($"LearnerHash eq {query.LearnerHash}");
        var byIdentity = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (var e in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey ge {Day(query.Since)}") + match, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (byIdentity.Count >= query.Max) break;
            byIdentity[e.GetString("Identity") ?? e.PartitionKey + "/" + e.RowKey] = e;
        }
        // Per listed course, its delivery rows from that day on: one range query each. Each source is
        // read up to Max in its day order, and the earliest Max of them all are kept, so a day
        // partition full of refusals cannot hide the applied deliveries of the course partitions.
        foreach (var course in await courses.CoursesAsync(cancellationToken).ConfigureAwait(false))
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {course} and RowKey ge {CourseRows.DeliveriesFrom(query.Since)} and RowKey lt {CourseRows.DeliveryEnd}") + match;
            var added = 0;
            await foreach (var e in _courses.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                var identity = e.GetString("Identity") ?? e.PartitionKey + "/" + e.RowKey;
                if (byIdentity.TryGetValue(identity, out var day)) byIdentity[identity] = DeliveryRows.Merge(day, e);
                else if (added++ < query.Max) byIdentity[identity] = e;
                else break;
            }
        }
        return byIdentity.Values
            .Select(DeliveryRows.Read)
            .Where(r => r.ReceivedAt == DateTimeOffset.MinValue || r.ReceivedAt >= query.Since)
            .OrderBy(r => r.ReceivedAt)
            .Take(query.Max)
            .ToList();
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
        // The records kept in course partitions: per listed course, one range of keys before the day.
        var inCourses = 0;
        foreach (var course in await courses.CoursesAsync(cancellationToken).ConfigureAwait(false))
            inCourses += await TableBatches.DeleteAsync(_courses, TableClient.CreateQueryFilter(
                $"PartitionKey eq {course} and RowKey ge {CourseRows.DeliveryPrefix} and RowKey lt {CourseRows.DeliveriesFrom(before)}"), cancellationToken).ConfigureAwait(false);
        return doomed.Count + inCourses;
    }
}
