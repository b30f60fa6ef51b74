namespace Go1Sync.Infrastructure.Storage;

/// <summary>What one storage migration did (<c>go1sync migrate storage</c>).</summary>
/// <param name="AggregatesMoved">Legacy aggregates (rows of <c>Attempts</c> before storage v3) moved into their course partition, with their whole read side.</param>
/// <param name="AlreadyMoved">Legacy rows whose aggregate was in the course partition already (moved by an event, or by a run that stopped): turned into course-list rows.</param>
/// <param name="LegacyIndexRowsDeleted">Rows of the legacy open-attempt index (<c>OpenAttempts</c>, partition <c>open</c>) gone by the end of the run: deleted with their aggregate's move, or at the end.</param>
/// <param name="LeftForLearnerIdMigration">Legacy aggregates under an older learner-id scheme, left alone: <c>go1sync migrate learner-ids</c> moves them under the current id and into the v3 layout at once.</param>
public sealed record StorageMigrationReport(
    int AggregatesMoved,
    int AlreadyMoved,
    int LegacyIndexRowsDeleted,
    int LeftForLearnerIdMigration)
{
    public bool ChangedNothing => AggregatesMoved == 0 && AlreadyMoved == 0 && LegacyIndexRowsDeleted == 0;
}

/// <summary>
/// Moves every aggregate still in the layout before storage v3 (a row of <c>Attempts</c> with a
/// <c>Format</c>, see <see cref="TableAttemptStore.IsLegacyAggregate"/>) into its course partition,
/// through the store's own guarded write (<see cref="IAttemptStore.TryCommitAsync"/> of what
/// <see cref="IAttemptStore.GetAsync"/> read, as the next event on the pair would), so it races
/// safely with the app: whoever loses re-reads and finds the aggregate moved. A legacy row whose
/// aggregate is in the course partition already becomes a course-list row, only as it was read
/// (If-Match). Then the legacy open-attempt index goes: nothing reads it any more (the moved
/// aggregates' open attempts are indexed in their course partitions). Every step is idempotent, so
/// a run that stops anywhere is finished by the next, and a run with nothing left writes nothing.
/// <para>
/// A legacy row under an older learner-id scheme is not moved here: the store writes under the
/// current key, which would mark the old id as current and hide the row from
/// <c>go1sync migrate learner-ids</c>; that migration moves it under the current id and into this
/// layout in one go.
/// </para>
/// </summary>
public sealed class StorageMigration(TableServiceClient tables, IAttemptStore store, AttemptRules rules, LearnerIds ids, ProcessingOptions processing, ILogger<StorageMigration> logger)
{
    private readonly TableClient _learners = tables.GetTableClient(TableNames.Attempts);
    private readonly TableClient _legacyOpen = tables.GetTableClient(TableNames.OpenAttempts);

    public async Task<StorageMigrationReport> MigrateAsync(CancellationToken cancellationToken)
    {
        // Keys only (and Format, which tells a legacy aggregate from a course-list row): the
        // histories are read one at a time, through the store, when they are moved.
        var indexAtStart = await LegacyIndexAsync(cancellationToken).ConfigureAwait(false);
        var legacy = new List<TableEntity>();
        await foreach (var row in _learners.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey", "Format", TableAttemptStore.LearnerIdKeyProperty], cancellationToken: cancellationToken).ConfigureAwait(false))
            if (TableAttemptStore.IsLegacyAggregate(row))
                legacy.Add(row);

        int moved = 0, already = 0, otherScheme = 0;
        foreach (var row in legacy)
        {
            if ((row.GetString(TableAttemptStore.LearnerIdKeyProperty) ?? LearnerIdKey.LegacyKeyId) != ids.CurrentKeyId)
            {
                otherScheme++;
                continue;
            }
            switch (await MoveAsync(new LearnerCourseKey(row.PartitionKey, row.RowKey), cancellationToken).ConfigureAwait(false))
            {
                case Moved.Now: moved++; break;
                case Moved.Before: already++; break;
            }
        }

        // Last, once every aggregate of the current scheme is in its course partition with its index
        // rows: what the moves left (rows of no aggregate, or of one under an older scheme, which
        // migrate learner-ids indexes afresh when it moves it). Those the moves deleted count too.
        var left = await LegacyIndexAsync(cancellationToken).ConfigureAwait(false);
        await DeleteLegacyIndexAsync(left, cancellationToken).ConfigureAwait(false);
        var indexRows = indexAtStart.Union(left, StringComparer.Ordinal).Count();

        var report = new StorageMigrationReport(moved, already, indexRows, otherScheme);
        logger.LogInformation(
            "Storage migrated to v3: {Moved} legacy aggregates moved, {Already} found moved already, {IndexRows} legacy open-index rows deleted, {OtherScheme} under an older learner-id scheme left for go1sync migrate learner-ids",
            moved, already, indexRows, otherScheme);
        return report;
    }

    private enum Moved { Now, Before, Gone }

    /// <summary>Moves one legacy aggregate, or retires its row if the aggregate was moved already; retried on a conflict as the processor retries.</summary>
    private async Task<Moved> MoveAsync(LearnerCourseKey key, CancellationToken cancellationToken)
    {
        for (var conflicts = 0; ; conflicts++)
        {
            var stored = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (stored is null) return Moved.Gone;
            if (stored.Legacy)
            {
                // The same write the pair's next event would make: the v3 aggregate inserted, its
                // read side written in full, its legacy open rows deleted, its row made a course-list row.
                if (await store.TryCommitAsync(new AggregateWrite(key, stored.History, stored.ETag, stored.Fold, null, stored), cancellationToken).ConfigureAwait(false) is not null)
                    return Moved.Now;
            }
            else
            {
                // Moved already (by an event, or a run that stopped before the row was retired). A
                // version whose read side was still being written is finished first, as an event would.
                if (stored is { ProjectionPending: true }
                    && await store.TryCommitAsync(new AggregateWrite(key, stored.History, stored.ETag, stored.Fold, null, stored), cancellationToken).ConfigureAwait(false) is null)
                {
                    if (conflicts >= processing.MaxConflictRetries) throw Exhausted(key, conflicts);
                    continue;
                }
                return await RetireAsync(key, stored, cancellationToken).ConfigureAwait(false) ? Moved.Before : Moved.Gone;
            }
            if (conflicts >= processing.MaxConflictRetries) throw Exhausted(key, conflicts);
        }
    }

    /// <summary>
    /// The legacy row of an aggregate in its course partition becomes its course-list row, if it is
    /// still the legacy row read (If-Match); false when it was retired meanwhile (by the app).
    /// An erased learner's row holds an email too: it loses it the same way, and the erasure's own
    /// last step (run <c>go1sync forget</c> again) deletes the course-list row.
    /// </summary>
    private async Task<bool> RetireAsync(LearnerCourseKey key, StoredHistory stored, CancellationToken cancellationToken)
    {
        for (var conflicts = 0; ; conflicts++)
        {
            var read = await _learners.GetEntityIfExistsAsync<TableEntity>(key.LearnerHash, key.CourseKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!read.HasValue || read.Value is not { } row || !TableAttemptStore.IsLegacyAggregate(row)) return false;
            var courseId = row.GetString("CourseId") ?? stored.History.CourseId;
            // Events an instance of the previous release wrote to the legacy row after it was moved are
            // merged into the moved history first (each launch and completion once), so none is lost.
            var current = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (current is { Erased: false, Legacy: false } && rules.Merge(current.History, TableAttemptStore.Read(row)) is { IsNew: true } union)
            {
                if (await store.TryCommitAsync(new AggregateWrite(key, union.History, current.ETag, null, null, current), cancellationToken).ConfigureAwait(false) is null)
                {
                    if (conflicts >= processing.MaxConflictRetries) throw Exhausted(key, conflicts);
                    continue;
                }
                logger.LogInformation("Merged events written to the legacy row of learner {LearnerHash} on course {CourseKey} after it moved", key.LearnerHash, Core.Security.LogValue.Of(key.CourseKey));
            }
            try
            {
                await _learners.UpdateEntityAsync(new TableEntity(key.LearnerHash, key.CourseKey)
                {
                    ["Kind"] = TableAttemptStore.CourseListKind,
                    ["CourseId"] = courseId,
                    [TableAttemptStore.LearnerIdKeyProperty] = ids.CurrentKeyId,
                }, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412 && conflicts < processing.MaxConflictRetries)
            {
                // Changed since it was read (the app retired it, or erased the learner): read it again.
                continue;
            }
            // The pair is listed for the sweep too (a move that stopped may have stopped before it).
            await store.RegisterAsync(key, courseId, cancellationToken).ConfigureAwait(false);
            return true;
        }
    }

    /// <summary>
    /// Row by row rather than in batches: the app (a legacy aggregate moved by its event, an erasure)
    /// may delete some meanwhile, and one missing row would fail a whole batch.
    /// </summary>
    private async Task DeleteLegacyIndexAsync(IEnumerable<string> rowKeys, CancellationToken cancellationToken)
    {
        foreach (var rowKey in rowKeys)
        {
            try
            {
                await _legacyOpen.DeleteEntityAsync(OpenAttemptIndex.LegacyPartition, rowKey, ETag.All, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // Deleted by the app meanwhile: what was wanted.
            }
        }
    }

    /// <summary>The row keys of the legacy open-attempt index (keys only: one partition, a few rows per open attempt).</summary>
    private async Task<List<string>> LegacyIndexAsync(CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var row in _legacyOpen.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {OpenAttemptIndex.LegacyPartition}"), select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            keys.Add(row.RowKey);
        return keys;
    }

    private static ConcurrencyExhaustedException Exhausted(LearnerCourseKey key, int conflicts) =>
        new($"The aggregate {key.LearnerHash}/{key.CourseKey} kept changing under the migration ({conflicts + 1} conflicts); run it again.");
}
