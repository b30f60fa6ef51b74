using System.IO.Compression;
using Go1Sync.Core.Reporting;

namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// The aggregates and their read side, in each course's partition of <c>AttemptStats</c>
/// (<see cref="CourseRows"/>): a learner's aggregate on the course (RowKey <c>~h~{learner id}</c>), its
/// attempts' stats rows and open-index rows. An event's change is one entity-group transaction
/// guarded by the aggregate's ETag: the aggregate, the stats rows that changed and the index rows
/// that changed commit together or not at all, so the read side is always the fold of the committed
/// version and nothing needs converging or repairing.
/// <para>
/// The history is gzipped JSON split over binary properties of at most 64 KiB, so one entity
/// (at most 1 MiB) holds thousands of attempts. The JSON is a stored document of its own
/// (<see cref="HistoryDocumentV2"/>), read by the reader of the row's <c>Format</c> (<see cref="HistoryDocuments"/>);
/// <c>LearnerIdKey</c> says which key made the learner id (none: legacy SHA-256).
/// </para>
/// <para>
/// The same batch adds a change row per attempt that changed or went (<see cref="ChangeRows"/>), stamped
/// with the aggregate's next <c>Version</c> (the one read plus one, stored on the aggregate) and a
/// change instant later than the previous version's (<c>ChangedTicks</c>), for the change feed, and
/// the event's delivery record (<see cref="AggregateWrite.Outcome"/>, <see cref="DeliveryRows"/>): one
/// operation more, counted in the batch's 100.
/// </para>
/// <para>
/// A change too large for one batch (over 100 operations), one that finds a read-side row missing,
/// or the first write of a legacy aggregate is written in full instead: the aggregate first, marked
/// <c>ProjectionPending</c>, then every read-side row of the learner on the course and a change row for each of its attempts, then the mark
/// cleared; whoever reads a marked aggregate writes in full too, so a run stopped half way is
/// finished by the next event on the pair.
/// </para>
/// <para>
/// <c>Attempts</c> (PartitionKey the learner id, RowKey the escaped course id) lists each learner's
/// courses (<see cref="RegisterAsync"/>), for learner look-ups, erasure and the learner-id migration.
/// Before storage v3 it held the aggregates themselves: such a row is still read, and its first write
/// here moves it (<see cref="StoredHistory.Legacy"/>; <c>go1sync migrate storage</c> moves them all).
/// </para>
/// </summary>
public sealed class TableAttemptStore(TableServiceClient tables, LearnerIds ids, AttemptRules rules, OpenAttemptIndex index, TimeProvider time, ILogger<TableAttemptStore> logger) : IAttemptStore
{
    /// <summary>The format rows are written in.</summary>
    public const string Format = HistoryDocuments.CurrentFormat;
    /// <summary>The property naming the key id of the scheme that made the row's learner id.</summary>
    public const string LearnerIdKeyProperty = "LearnerIdKey";
    /// <summary>Set on an aggregate whose read side is being written in full (see the class).</summary>
    public const string PendingProperty = "ProjectionPending";
    /// <summary>Set on the tombstone an erasure leaves in place of an aggregate.</summary>
    public const string ErasedProperty = "ErasedAt";
    /// <summary>The <c>Kind</c> of a course-list row in <c>Attempts</c> (a legacy aggregate there has none).</summary>
    public const string CourseListKind = "course";
    /// <summary>The aggregate's sequence number (<see cref="StoredHistory.Version"/>).</summary>
    public const string VersionProperty = "Version";
    /// <summary>The UTC ticks the version's change rows were stamped with (<see cref="StoredHistory.ChangedTicks"/>).</summary>
    public const string ChangedTicksProperty = "ChangedTicks";
    internal const int ChunkBytes = 64 * 1024;
    /// <summary>15 chunks of 64 KiB stay under the 1 MiB entity limit with room for the other properties.</summary>
    internal const int MaxChunks = 15;
    /// <summary>
    /// The most JSON one row may inflate to. A full row (about 10,000 attempts) is a few MiB of
    /// JSON; gzip can expand a thousandfold, so a row beyond this was not written by us and is
    /// refused instead of being inflated without limit.
    /// </summary>
    internal const int MaxInflatedBytes = 16 * 1024 * 1024;
    /// <summary>Rounds of a full write that found the aggregate changed under it before it leaves the rest to the next event.</summary>
    private const int MaxFullWriteRounds = 5;

    private readonly TableClient _course = tables.GetTableClient(TableNames.AttemptStats);
    private readonly TableClient _learners = tables.GetTableClient(TableNames.Attempts);
    private readonly TableClient _legacyOpen = tables.GetTableClient(TableNames.OpenAttempts);

    public async Task<StoredHistory?> GetAsync(LearnerCourseKey key, CancellationToken cancellationToken) =>
        await GetCurrentAsync(key, cancellationToken).ConfigureAwait(false) ?? await GetLegacyAsync(key, cancellationToken).ConfigureAwait(false);

    public async Task<StoredHistory?> GetCurrentAsync(LearnerCourseKey key, CancellationToken cancellationToken)
    {
        var response = await _course.GetEntityIfExistsAsync<TableEntity>(key.CourseKey, CourseRows.Aggregate(key.LearnerHash), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (response.HasValue && response.Value is { } row)
        {
            if (row.GetDateTimeOffset(ErasedProperty) is not null)
                return new StoredHistory(LearnerCourseHistory.Empty("", KeyEncoding.Unescape(key.CourseKey)), row.ETag.ToString()) { Erased = true };
            return Stored(row) with
            {
                ProjectionPending = row.GetBoolean(PendingProperty) ?? false,
                Version = row.GetInt64(VersionProperty) ?? 0,
                ChangedTicks = row.GetInt64(ChangedTicksProperty) ?? 0,
            };
        }
        return null;
    }

    /// <summary>The pair's aggregate of the layout before v3 (its row of <c>Attempts</c>), or null.</summary>
    private async Task<StoredHistory?> GetLegacyAsync(LearnerCourseKey key, CancellationToken cancellationToken)
    {
        var legacy = await _learners.GetEntityIfExistsAsync<TableEntity>(key.LearnerHash, key.CourseKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return legacy.HasValue && legacy.Value is { } old && IsLegacyAggregate(old) ? Stored(old) with { Legacy = true } : null;
    }

    /// <summary>A row of <c>Attempts</c> that is an aggregate of the layout before v3 (it has a format), not a course-list row.</summary>
    public static bool IsLegacyAggregate(TableEntity row) => row.GetString("Format") is not null;

    private StoredHistory Stored(TableEntity row)
    {
        var document = ReadDocument(row);
        if (document.FoldProblem is { } problem)
            logger.LogWarning("The stored fold of row {PartitionKey}/{RowKey} could not be restored ({Problem}); its events are folded again",
                row.PartitionKey, row.RowKey, problem);
        return new StoredHistory(document.History, row.ETag.ToString()) { Fold = document.Fold };
    }

    public async Task<StoredHistory?> RegisterAsync(LearnerCourseKey key, string courseId, CancellationToken cancellationToken)
    {
        StoredHistory? legacy = null;
        try
        {
            await _learners.AddEntityAsync(new TableEntity(key.LearnerHash, key.CourseKey)
            {
                ["Kind"] = CourseListKind,
                ["CourseId"] = courseId,
                [LearnerIdKeyProperty] = ids.CurrentKeyId,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Listed already, or the row is the pair's aggregate of the layout before v3, which lists
            // it as well: only a pair that is not new pays this read.
            legacy = await GetLegacyAsync(key, cancellationToken).ConfigureAwait(false);
        }
        await index.RegisterCourseAsync(key.CourseKey, courseId, cancellationToken).ConfigureAwait(false);
        return legacy;
    }

    public async Task ForgetAsync(LearnerCourseKey key, CancellationToken cancellationToken)
    {
        await _course.UpsertEntityAsync(new TableEntity(key.CourseKey, CourseRows.Aggregate(key.LearnerHash)) { [ErasedProperty] = time.GetUtcNow() },
            TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        await DeleteErasedRowsAsync(key, cancellationToken).ConfigureAwait(false);
        await DeleteIfThereAsync(_learners, key.LearnerHash, key.CourseKey, cancellationToken).ConfigureAwait(false);
    }

    public async Task<string?> TryCommitAsync(AggregateWrite write, CancellationToken cancellationToken)
    {
        var after = (write.Fold ?? rules.StateOf(write.History, null)).Attempts;
        var stamp = Next(write.Read, write.VersionFloor);
        if (write.Before is null || write.Read is { Legacy: true } or { ProjectionPending: true })
            return await WriteInFullAsync(write, after, stamp, cancellationToken).ConfigureAwait(false);

        var actions = new List<TableTransactionAction> { AggregateAction(write, stamp, pending: false) };
        actions.AddRange(ReadSideChanges(write.Key, write.Before, after, stamp));
        if (OutcomeAction(write) is { } outcome) actions.Add(outcome);
        if (actions.Count > TableBatches.MaxOperations)
            return await WriteInFullAsync(write, after, stamp, cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await _course.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            return ETagOf(response.Value[0]);
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412)
        {
            // Someone else wrote first (or our own retried write did): the caller re-reads, and the
            // event set in the row tells whether this event is already in.
            return null;
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 404)
        {
            // A read-side row this change deletes is not there (the sweep removed it, or the aggregate
            // itself went): nothing was written; write in full, which tolerates missing rows.
            logger.LogInformation("The batch for learner {LearnerHash} on course {CourseKey} found a row missing; writing its read side in full", write.Key.LearnerHash, Core.Security.LogValue.Of(write.Key.CourseKey));
            return await WriteInFullAsync(write, after, stamp, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The version a write commits and the instant its change rows carry.</summary>
    private readonly record struct Stamp(long Version, long Ticks);

    /// <summary>
    /// The next version of what was read, stamped now, or just after the read version's stamp when
    /// this writer's clock is behind: an aggregate's change rows never share a key, and they keep its order.
    /// </summary>
    private Stamp Next(StoredHistory? read, long floor) =>
        new(Math.Max(read?.Version ?? 0, floor) + 1, Math.Max(time.GetUtcNow().UtcTicks, (read?.ChangedTicks ?? 0) + 1));

    /// <summary>The stats, open-index and change-row operations that take the read side from one fold to the next.</summary>
    private IEnumerable<TableTransactionAction> ReadSideChanges(LearnerCourseKey key, IReadOnlyList<Attempt> before, IReadOnlyList<Attempt> after, Stamp stamp)
    {
        var previous = before.ToDictionary(a => a.AttemptId, StringComparer.Ordinal);
        var changed = after.Where(a => !previous.TryGetValue(a.AttemptId, out var old) || old != a).ToList();
        var remaining = after.Select(a => a.AttemptId).ToHashSet(StringComparer.Ordinal);
        var removed = before.Where(b => !remaining.Contains(b.AttemptId)).ToList();

        foreach (var attempt in changed)
            yield return new TableTransactionAction(TableTransactionActionType.UpsertReplace, StatsRows.StatsEntity(key, attempt));
        foreach (var gone in removed)
            yield return new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(key.CourseKey, StatsRows.StatsRow(key, gone.AttemptId)), ETag.All);
        foreach (var open in changed.Where(a => a.Status == AttemptStatus.Open))
            yield return index.Track(key, open);
        // An index row is keyed by first activity: it goes when its attempt closes or disappears,
        // and also when a late, earlier launch moves the attempt's first activity (its key changes).
        var stale = changed
            .Where(a => previous.TryGetValue(a.AttemptId, out var old) && old.Status == AttemptStatus.Open
                && (a.Status != AttemptStatus.Open || old.FirstActivityAt != a.FirstActivityAt))
            .Select(a => previous[a.AttemptId])
            .Concat(removed.Where(r => r.Status == AttemptStatus.Open));
        foreach (var row in stale)
            yield return OpenAttemptIndex.Untrack(key, row);
        foreach (var attempt in changed)
            yield return ChangeRows.Write(key, attempt, stamp.Version, stamp.Ticks, ChangeKinds.Updated);
        foreach (var gone in removed)
            yield return ChangeRows.Write(key, gone, stamp.Version, stamp.Ticks, ChangeKinds.Removed);
    }

    private TableTransactionAction AggregateAction(AggregateWrite write, Stamp stamp, bool pending)
    {
        var entity = Write(write.Key, write.History, ids.CurrentKeyId, write.Fold);
        entity[VersionProperty] = stamp.Version;
        entity[ChangedTicksProperty] = stamp.Ticks;
        if (pending) entity[PendingProperty] = true;
        // A legacy aggregate has no row here yet: the first write inserts it.
        var etag = write.Read is { Legacy: true } ? null : write.ETag;
        return etag is null
            ? new TableTransactionAction(TableTransactionActionType.Add, entity)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, new ETag(etag));
    }

    /// <summary>
    /// The event's delivery record as a row of the batch (<see cref="CourseRows.Delivery"/>): a merge, so
    /// a duplicate's instant written there before (by an earlier, unacknowledged commit) stays.
    /// </summary>
    private TableTransactionAction? OutcomeAction(AggregateWrite write) =>
        write.Outcome is { } outcome
            ? new TableTransactionAction(TableTransactionActionType.UpsertMerge,
                DeliveryRows.Outcome(write.Key.CourseKey, CourseRows.Delivery(outcome.ReceivedAt, outcome.Identity), outcome, ids, time.GetUtcNow()))
            : null;

    private static string ETagOf(Response response) =>
        response.Headers.ETag?.ToString() ?? throw new InvalidOperationException("Table storage returned no ETag for a write.");

    /// <summary>
    /// The write of a change that cannot be one batch (see the class): the aggregate marked pending
    /// (the guarded write: null on a conflict), every read-side row of the learner on the course
    /// upserted and the ones the fold no longer has deleted, a legacy row's old rows removed, a change
    /// row written for every attempt (and each one deleted), then the mark cleared if nobody wrote
    /// since; if somebody did, their version is written in full too. The change rows come before the
    /// mark goes, so a run stopped before them is redone by the next writer (at least once is the feed's promise).
    /// </summary>
    private async Task<string?> WriteInFullAsync(AggregateWrite write, IReadOnlyList<Attempt> after, Stamp stamp, CancellationToken cancellationToken)
    {
        string etag;
        try
        {
            // The delivery outcome commits with the aggregate here too: it exists exactly when this version does.
            var response = await _course.SubmitTransactionAsync([AggregateAction(write, stamp, pending: true), .. OutcomeAction(write) is { } outcome ? [outcome] : Array.Empty<TableTransactionAction>()],
                cancellationToken).ConfigureAwait(false);
            etag = ETagOf(response.Value[0]);
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 404 or 409 or 412)
        {
            return null;
        }
        if (write.Read is { Legacy: true } legacy)
            await RetireLegacyAsync(write.Key, legacy, cancellationToken).ConfigureAwait(false);

        var written = etag;
        for (var round = 0; round < MaxFullWriteRounds; round++)
        {
            // The change rows (removals included) are written before any row is deleted: a run stopped
            // after the deletes would otherwise leave a removal the next run cannot see any more.
            var (attempts, at) = (after, stamp);
            await ProjectInFullAsync(write.Key, after, removed => WriteChangesAsync(write.Key, attempts, removed, at, cancellationToken), cancellationToken).ConfigureAwait(false);
            try
            {
                await _course.UpdateEntityAsync(new TableEntity(write.Key.CourseKey, CourseRows.Aggregate(write.Key.LearnerHash)) { [PendingProperty] = false },
                    new ETag(written), TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                return etag;
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412)
            {
                // Somebody wrote after us (they saw the mark and write in full as well) or erased the
                // learner: make sure the rows end at the newest version, whoever finishes last.
                var latest = await GetAsync(write.Key, cancellationToken).ConfigureAwait(false);
                if (latest is { Erased: true })
                {
                    // Erased while we wrote: the rows we wrote after its deletes go too.
                    await DeleteErasedRowsAsync(write.Key, cancellationToken).ConfigureAwait(false);
                    return etag;
                }
                if (latest is null || latest.Legacy) return etag;
                after = rules.StateOf(latest.History, latest.Fold).Attempts;
                written = latest.ETag;
                stamp = new Stamp(latest.Version, latest.ChangedTicks);
            }
        }
        // Our last projection may have overwritten the rows of a newer version, and that version
        // need not be marked (a plain batch may have committed it after someone cleared the mark):
        // mark the newest, so that its next event writes it in full.
        await MarkNewestAsync(write.Key, written, cancellationToken).ConfigureAwait(false);
        logger.LogWarning("The aggregate of learner {LearnerHash} on course {CourseKey} kept changing while its read side was written in full; it stays marked and the next event writes it again",
            write.Key.LearnerHash, Core.Security.LogValue.Of(write.Key.CourseKey));
        return etag;
    }

    /// <summary>Marks the newest version of the aggregate pending (<paramref name="etag"/>: the newest known), unless it is marked, erased or gone already.</summary>
    private async Task MarkNewestAsync(LearnerCourseKey key, string etag, CancellationToken cancellationToken)
    {
        for (var round = 0; round < MaxFullWriteRounds; round++)
        {
            try
            {
                await _course.UpdateEntityAsync(new TableEntity(key.CourseKey, CourseRows.Aggregate(key.LearnerHash)) { [PendingProperty] = true },
                    new ETag(etag), TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412)
            {
                var latest = await GetAsync(key, cancellationToken).ConfigureAwait(false);
                if (latest is { Erased: true })
                {
                    // Erased meanwhile: the rows we wrote after its deletes go too (as above).
                    await DeleteErasedRowsAsync(key, cancellationToken).ConfigureAwait(false);
                    return;
                }
                if (latest is null or { Legacy: true } or { ProjectionPending: true }) return;
                etag = latest.ETag;
            }
        }
    }

    /// <summary>
    /// The learner was erased while a full write was under way: the stats, index and change rows it
    /// wrote after the erasure's deletes go too (they hold the email).
    /// </summary>
    private async Task DeleteErasedRowsAsync(LearnerCourseKey key, CancellationToken cancellationToken)
    {
        await ProjectInFullAsync(key, [], null, cancellationToken).ConfigureAwait(false);
        await TableBatches.DeleteAsync(_course, TableClient.CreateQueryFilter(
            $"PartitionKey eq {key.CourseKey} and RowKey ge {CourseRows.ChangePrefix} and RowKey lt {CourseRows.ChangeEnd} and LearnerHash eq {key.LearnerHash}"), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A change row for every attempt of the fold and every one it no longer has, in batches (one partition).</summary>
    private async Task WriteChangesAsync(LearnerCourseKey key, IReadOnlyList<Attempt> attempts, IReadOnlyList<Attempt> removed, Stamp stamp, CancellationToken cancellationToken)
    {
        var rows = attempts.Select(a => ChangeRows.Write(key, a, stamp.Version, stamp.Ticks, ChangeKinds.Updated))
            .Concat(removed.Select(a => ChangeRows.Write(key, a, stamp.Version, stamp.Ticks, ChangeKinds.Removed)));
        foreach (var batch in rows.Chunk(TableBatches.MaxOperations))
            await _course.SubmitTransactionAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Every read-side row of the learner on the course, as the fold has them; rows it no longer has are
    /// deleted (missing ones are fine). <paramref name="beforeDeletes"/> gets the attempts whose stats rows
    /// are about to go, as they were, before anything is deleted (their change rows).
    /// </summary>
    private async Task ProjectInFullAsync(LearnerCourseKey key, IReadOnlyList<Attempt> attempts, Func<IReadOnlyList<Attempt>, Task>? beforeDeletes, CancellationToken cancellationToken)
    {
        var upserts = attempts.Select(a => new TableTransactionAction(TableTransactionActionType.UpsertReplace, StatsRows.StatsEntity(key, a)))
            .Concat(attempts.Where(a => a.Status == AttemptStatus.Open).Select(a => index.Track(key, a)));
        foreach (var batch in upserts.Chunk(TableBatches.MaxOperations))
            await _course.SubmitTransactionAsync(batch, cancellationToken).ConfigureAwait(false);

        var kept = attempts.Select(a => StatsRows.StatsRow(key, a.AttemptId))
            .Concat(attempts.Where(a => a.Status == AttemptStatus.Open).Select(a => OpenAttemptIndex.RowKey(key, a)))
            .ToHashSet(StringComparer.Ordinal);
        var (from, to) = CourseRows.LearnerStats(key.LearnerHash);
        var removed = new List<TableEntity>();
        // Stats rows are read whole: one that goes is an attempt the fold no longer has, and its change row says so with its last values.
        await foreach (var row in _course.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {key.CourseKey} and RowKey ge {from} and RowKey lt {to}"), cancellationToken: cancellationToken).ConfigureAwait(false))
            if (!kept.Contains(row.RowKey)) removed.Add(row);
        var stale = new List<string>();
        var open = TableClient.CreateQueryFilter($"PartitionKey eq {key.CourseKey} and RowKey ge {CourseRows.OpenPrefix} and RowKey lt {CourseRows.OpenEnd} and LearnerHash eq {key.LearnerHash}");
        await foreach (var row in _course.QueryAsync<TableEntity>(open, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            if (!kept.Contains(row.RowKey)) stale.Add(row.RowKey);

        if (beforeDeletes is not null) await beforeDeletes(removed.Select(StatsRows.ReadStats).ToList()).ConfigureAwait(false);
        foreach (var rowKey in removed.Select(r => r.RowKey).Concat(stale))
            await DeleteIfThereAsync(_course, key.CourseKey, rowKey, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// After a legacy aggregate moved here: its open-index rows in the legacy partition go, and its
    /// row in <c>Attempts</c> becomes the course-list row (unless it changed meanwhile, which only an
    /// instance of the previous release could do; the upgrade procedure stops those first).
    /// </summary>
    private async Task RetireLegacyAsync(LearnerCourseKey key, StoredHistory legacy, CancellationToken cancellationToken)
    {
        foreach (var open in rules.StateOf(legacy.History, legacy.Fold).Attempts.Where(a => a.Status == AttemptStatus.Open))
            await DeleteIfThereAsync(_legacyOpen, OpenAttemptIndex.LegacyPartition, OpenAttemptIndex.LegacyRowKey(key, open), cancellationToken).ConfigureAwait(false);
        try
        {
            await _learners.UpdateEntityAsync(new TableEntity(key.LearnerHash, key.CourseKey)
            {
                ["Kind"] = CourseListKind,
                ["CourseId"] = legacy.History.CourseId,
                [LearnerIdKeyProperty] = ids.CurrentKeyId,
            }, new ETag(legacy.ETag), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            logger.LogWarning("The legacy aggregate of learner {LearnerHash} on course {CourseKey} changed while it was moved (an instance of the previous release is still running); go1sync migrate storage merges the events it holds now into the moved history",
                key.LearnerHash, Core.Security.LogValue.Of(key.CourseKey));
        }
        await index.RegisterCourseAsync(key.CourseKey, legacy.History.CourseId, cancellationToken).ConfigureAwait(false);
    }

    private static async Task DeleteIfThereAsync(TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            await table.DeleteEntityAsync(partitionKey, rowKey, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Gone already: what was wanted.
        }
    }

    public async Task<IReadOnlyList<LearnerCourseHistory>> GetLearnerAsync(string learnerId, CancellationToken cancellationToken)
    {
        var result = new List<LearnerCourseHistory>();
        await foreach (var row in _learners.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {learnerId}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (await GetAsync(new LearnerCourseKey(learnerId, row.RowKey), cancellationToken).ConfigureAwait(false) is { Erased: false } stored)
                result.Add(stored.History);
        }
        return result;
    }

    /// <param name="learnerIdKey">The key id of the scheme that made <paramref name="key"/>'s learner id.</param>
    /// <param name="fold">The fold of <paramref name="history"/>, stored beside it (null: folded from the events when read).</param>
    internal static TableEntity Write(LearnerCourseKey key, LearnerCourseHistory history, string learnerIdKey, FoldState? fold = null)
    {
        var bytes = Compress(HistoryDocuments.Serialize(history, fold));
        // The fold is a cache of the events: a history that fits a row only without it is written
        // without it (and folded when read) rather than refused.
        if (fold is not null && bytes.Length > MaxChunks * ChunkBytes)
            bytes = Compress(HistoryDocuments.Serialize(history, null));
        var chunks = (bytes.Length + ChunkBytes - 1) / ChunkBytes;
        if (chunks > MaxChunks)
            throw new InvalidOperationException(
                $"The history of one learner on course {Core.Security.LogValue.Of(history.CourseId)} is {bytes.Length} bytes compressed, over the {MaxChunks * ChunkBytes} bytes one row holds.");

        var entity = new TableEntity(key.CourseKey, CourseRows.Aggregate(key.LearnerHash))
        {
            ["Email"] = history.Email,
            ["CourseId"] = history.CourseId,
            ["Format"] = Format,
            ["Chunks"] = chunks,
            ["Launches"] = history.Launches.Length,
            ["Completions"] = history.Completions.Length,
            [LearnerIdKeyProperty] = learnerIdKey,
        };
        for (var i = 0; i < chunks; i++)
            entity[ChunkName(i)] = bytes.AsSpan(i * ChunkBytes, Math.Min(ChunkBytes, bytes.Length - i * ChunkBytes)).ToArray();
        return entity;
    }

    internal static LearnerCourseHistory Read(TableEntity entity) => ReadDocument(entity).History;

    internal static StoredDocument ReadDocument(TableEntity entity)
    {
        var format = entity.GetString("Format");
        var reader = HistoryDocuments.ReaderFor(format)
            ?? throw new InvalidDataException($"Row {entity.PartitionKey}/{entity.RowKey} has format '{format}', expected {string.Join(" or ", HistoryDocuments.Readable.Select(f => $"'{f}'"))}.");
        var chunks = entity.GetInt32("Chunks") ?? 0;
        if (chunks is < 0 or > MaxChunks)
            throw new InvalidDataException($"Row {entity.PartitionKey}/{entity.RowKey} claims {chunks} chunks; a row holds at most {MaxChunks}.");
        using var buffer = new MemoryStream();
        for (var i = 0; i < chunks; i++)
            buffer.Write(entity.GetBinary(ChunkName(i)) ?? throw new InvalidDataException($"Row {entity.PartitionKey}/{entity.RowKey} lacks chunk {i}."));
        buffer.Position = 0;
        using var json = Inflate(buffer, entity);
        return reader(json)
            ?? throw new InvalidDataException($"Row {entity.PartitionKey}/{entity.RowKey} holds no history.");
    }

    /// <summary>Gunzips at most <see cref="MaxInflatedBytes"/>, reading in small pieces so a bomb stops at the bound.</summary>
    private static MemoryStream Inflate(MemoryStream compressed, TableEntity entity)
    {
        using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
        var json = new MemoryStream();
        var piece = new byte[64 * 1024];
        int read;
        while ((read = gzip.Read(piece)) > 0)
        {
            if (json.Length + read > MaxInflatedBytes)
            {
                json.Dispose();
                throw new InvalidDataException(
                    $"Row {entity.PartitionKey}/{entity.RowKey} inflates to more than {MaxInflatedBytes / (1024 * 1024)} MiB of JSON; it is refused rather than inflated further.");
            }
            json.Write(piece, 0, read);
        }
        json.Position = 0;
        return json;
    }

    private static string ChunkName(int i) => $"D{i:00}";

    private static byte[] Compress(byte[] json)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(json);
        return output.ToArray();
    }
}
