using Go1Sync.Core.Security;
using Go1Sync.Infrastructure.Erasure;
using Go1Sync.Infrastructure.Sweep;

namespace Go1Sync.Infrastructure.Learners;

/// <summary>What one migration of learner ids did (<c>go1sync migrate learner-ids</c>).</summary>
/// <param name="CurrentKeyId">The key id every learner id now has.</param>
/// <param name="Learners">Learners whose rows were under an older id.</param>
/// <param name="AggregatesMoved">Aggregates (<c>Attempts</c> rows) moved to the current id.</param>
/// <param name="AggregatesMerged">Of those, moved into a row the current id already had with other events (events applied after the deployment, before the migration): the union was written.</param>
/// <param name="StatsRowsDeleted">Stats rows under old ids removed (those under the new id were written from the moved aggregate).</param>
/// <param name="OpenRowsDeleted">Open-attempt index rows under old ids removed.</param>
/// <param name="DeliveriesRewritten">Delivery records whose learner id was rewritten to the current one.</param>
/// <param name="DeliveriesUnmapped">Delivery records whose old learner id named no aggregate: kept, without a learner id.</param>
/// <param name="Go1UsersRekeyed">Go1 user cache rows moved to the current id.</param>
/// <param name="Go1UsersDropped">Go1 user cache rows under an old id that names no aggregate: deleted (a cache, refilled on demand).</param>
/// <param name="TombstonesUnderOldSchemes">Tombstones per old key id (<c>sha256</c>: legacy). They cannot be rekeyed (no email is kept), so the app keeps checking their scheme: keep <c>Learners__PreviousIdKey</c> while its count is not 0.</param>
public sealed record LearnerIdMigrationReport(
    string CurrentKeyId,
    int Learners,
    int AggregatesMoved,
    int AggregatesMerged,
    int StatsRowsDeleted,
    int OpenRowsDeleted,
    int DeliveriesRewritten,
    int DeliveriesUnmapped,
    int Go1UsersRekeyed,
    int Go1UsersDropped,
    IReadOnlyDictionary<string, int> TombstonesUnderOldSchemes)
{
    public bool ChangedNothing =>
        AggregatesMoved == 0 && StatsRowsDeleted == 0 && OpenRowsDeleted == 0 && DeliveriesRewritten == 0
        && DeliveriesUnmapped == 0 && Go1UsersRekeyed == 0 && Go1UsersDropped == 0;
}

/// <summary>
/// Moves every row keyed by an older learner id (the legacy SHA-256, or the key before a rotation)
/// to the current id (<see cref="LearnerIds.Id"/>). An aggregate keeps the email in its history,
/// which gives its new id; the aggregate is written under it with the store's guarded write, its
/// read side in full (merged with a row already there: events processed after the deployment but
/// before the migration), then the old stats and open-index rows and the old aggregate and its
/// course-list row go. Delivery
/// records are rewritten by the map of old to new ids, before any aggregate goes (so a crash never
/// loses the map); the Go1 user cache is rekeyed or dropped. Every step is idempotent and the old
/// aggregate goes last, so a run that stops anywhere is finished by the next, and a run with
/// nothing left to move writes nothing. Tombstones cannot be moved (they keep no email): the
/// report counts those under old schemes.
/// </summary>
public sealed class LearnerIdMigration(
    TableServiceClient tables,
    IAttemptStore store,
    AttemptRules rules,
    LearnerIds ids,
    TableLearnerTombstones tombstones,
    ProcessingOptions processing,
    ILogger<LearnerIdMigration> logger)
{
    /// <summary>The steps of one aggregate's move, as <c>afterStep</c> names them.</summary>
    public static class Steps
    {
        public const string DeliveriesRewritten = "deliveries-rewritten";
        public const string AggregateWritten = "aggregate-written";
        public const string OldProjectionsDeleted = "old-projections-deleted";
        public const string OldAggregateDeleted = "old-aggregate-deleted";
    }


    private readonly LearnerTables _tables = new(tables);

    private sealed record OldAggregate(string LearnerId, string CourseKey, string Email);

    /// <param name="afterStep">Called after each step (<see cref="Steps"/>), for tests that stop a migration part way; null otherwise.</param>
    public async Task<LearnerIdMigrationReport> MigrateAsync(CancellationToken cancellationToken, Func<string, Task>? afterStep = null)
    {
        afterStep ??= _ => Task.CompletedTask;
        var current = ids.CurrentKeyId;

        // The rows to move and the map of old ids to new, from the aggregates' Email column.
        var old = new List<OldAggregate>();
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var row in _tables.Attempts.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey", "Email", "Format", TableAttemptStore.LearnerIdKeyProperty], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var scheme = row.GetString(TableAttemptStore.LearnerIdKeyProperty) ?? LearnerIdKey.LegacyKeyId;
            if (scheme == current) continue;
            // A legacy aggregate holds its Email; a course-list row names an aggregate that does (none: nothing to move,
            // e.g. the pair of an erased learner, or one whose first event never committed).
            var email = TableAttemptStore.IsLegacyAggregate(row)
                ? row.GetString("Email")
                : (await store.GetAsync(new LearnerCourseKey(row.PartitionKey, row.RowKey), cancellationToken).ConfigureAwait(false)) is { Erased: false } stored ? stored.History.Email : null;
            if (email is null && !TableAttemptStore.IsLegacyAggregate(row)) continue;
            if (string.IsNullOrEmpty(email))
                throw new InvalidDataException($"Attempts row {row.PartitionKey}/{row.RowKey} has no Email: its learner's new id cannot be computed.");
            // The Email column must be the one the row's id was made from, where this process holds that scheme's key.
            if (ids.IdUnder(scheme, email) is { } expected && expected != row.PartitionKey)
                throw new InvalidDataException($"Attempts row {row.PartitionKey}/{row.RowKey} (key id {LogValue.Of(scheme)}) holds an Email whose id under that key is not its PartitionKey; it is left for an operator to look at.");
            var newId = ids.Id(email);
            if (map.TryGetValue(row.PartitionKey, out var known) && known != newId)
                throw new InvalidDataException($"Attempts partition {row.PartitionKey} holds rows of two different emails; it is left for an operator to look at.");
            map[row.PartitionKey] = newId;
            old.Add(new OldAggregate(row.PartitionKey, row.RowKey, email));
        }

        var (rewritten, unmapped) = await RewriteDeliveriesAsync(map, current, cancellationToken).ConfigureAwait(false);
        rewritten += await RewriteCourseDeliveriesAsync(old, map, current, cancellationToken).ConfigureAwait(false);
        await afterStep(Steps.DeliveriesRewritten).ConfigureAwait(false);

        // The legacy open index, read once: the rows of old ids say which attempts the sweep was following.
        var openRows = new Dictionary<string, List<TableEntity>>(StringComparer.Ordinal);
        await foreach (var row in _tables.Open.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {OpenAttemptIndex.LegacyPartition}"),
            select: ["PartitionKey", "RowKey", "LearnerHash", "CourseId", "AttemptId"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.GetString("LearnerHash") is { } learner && map.ContainsKey(learner))
                (openRows.TryGetValue(learner, out var list) ? list : openRows[learner] = []).Add(row);
        }

        int moved = 0, merged = 0, statsDeleted = 0, openDeleted = 0;
        foreach (var aggregate in old)
        {
            var result = await MoveAsync(aggregate, map[aggregate.LearnerId], openRows.GetValueOrDefault(aggregate.LearnerId) ?? [], afterStep, cancellationToken).ConfigureAwait(false);
            if (result is null) continue;
            moved++;
            if (result.Value.Merged) merged++;
            statsDeleted += result.Value.StatsDeleted;
            openDeleted += result.Value.OpenDeleted;
        }
        // Index rows of old ids on a course without an aggregate (the sweep would remove them anyway).
        var movedCourses = old.Select(a => (a.LearnerId, a.CourseKey)).ToHashSet();
        foreach (var row in openRows.SelectMany(g => g.Value.Where(r => !movedCourses.Contains((g.Key, KeyEncoding.Escape(r.GetString("CourseId") ?? ""))))))
        {
            await _tables.Open.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
            openDeleted++;
        }

        var (rekeyed, dropped) = await RekeyGo1UsersAsync(map, current, cancellationToken).ConfigureAwait(false);

        var tombstoneCounts = await tombstones.CountBySchemeAsync(cancellationToken).ConfigureAwait(false);
        var oldTombstones = tombstoneCounts.Where(t => t.Key != current).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);

        var report = new LearnerIdMigrationReport(current, map.Count, moved, merged, statsDeleted, openDeleted, rewritten, unmapped, rekeyed, dropped, oldTombstones);
        logger.LogInformation(
            "Learner ids migrated to key {KeyId}: {Learners} learners, {Moved} aggregates moved ({Merged} merged), {Stats} old stats rows and {Open} old open-index rows removed, {Rewritten} delivery records rewritten, {Unmapped} left without a learner id, {Rekeyed} Go1 user rows rekeyed, {Dropped} dropped; tombstones under old schemes: {Tombstones}",
            current, map.Count, moved, merged, statsDeleted, openDeleted, rewritten, unmapped, rekeyed, dropped,
            oldTombstones.Count == 0 ? "none" : string.Join(", ", oldTombstones.Select(t => $"{t.Key}={t.Value}")));
        return report;
    }

    /// <summary>
    /// Moves one aggregate; null when it was already gone (moved by a run that stopped after
    /// deleting it). The old aggregate is deleted only as it was read: if it changed meanwhile (an
    /// instance of the previous version wrote to it), the move starts again from the new version.
    /// </summary>
    private async Task<(bool Merged, int StatsDeleted, int OpenDeleted)?> MoveAsync(
        OldAggregate aggregate, string newId, IReadOnlyList<TableEntity> learnerOpenRows, Func<string, Task> afterStep, CancellationToken cancellationToken)
    {
        var oldKey = new LearnerCourseKey(aggregate.LearnerId, aggregate.CourseKey);
        var newKey = new LearnerCourseKey(newId, aggregate.CourseKey);
        for (var attempt = 0; ; attempt++)
        {
            var source = await store.GetAsync(oldKey, cancellationToken).ConfigureAwait(false);
            if (source is null) return null;
            if (source.History.Email != LearnerEmail.Normalize(aggregate.Email))
                throw new InvalidDataException($"Attempts row {oldKey.LearnerHash}/{oldKey.CourseKey} holds a history of another email than its Email column; it is left for an operator to look at.");
            if (newId == aggregate.LearnerId)
            {
                // Already under the current id but not marked so (a row written without its key id): mark it.
                // A conflict means the processor rewrote the row meanwhile, which marks it too.
                await store.TryCommitAsync(new AggregateWrite(oldKey, source.History, source.ETag, source.Fold, null, source), cancellationToken).ConfigureAwait(false);
                return null;
            }

            var merged = await WriteUnderNewIdAsync(newKey, source.History, source.Version, cancellationToken).ConfigureAwait(false);
            await afterStep(Steps.AggregateWritten).ConfigureAwait(false);

            var courseOpenRows = learnerOpenRows.Where(r => KeyEncoding.Escape(r.GetString("CourseId") ?? "") == aggregate.CourseKey).ToList();

            var (from, to) = CourseRows.LearnerStats(aggregate.LearnerId);
            var statsDeleted = await TableBatches.DeleteAsync(_tables.Stats, TableClient.CreateQueryFilter(
                $"PartitionKey eq {aggregate.CourseKey} and RowKey ge {from} and RowKey lt {to}"), cancellationToken).ConfigureAwait(false);
            var openDeleted = await TableBatches.DeleteAsync(_tables.Stats, TableClient.CreateQueryFilter(
                $"PartitionKey eq {aggregate.CourseKey} and RowKey ge {CourseRows.OpenPrefix} and RowKey lt {CourseRows.OpenEnd} and LearnerHash eq {aggregate.LearnerId}"), cancellationToken).ConfigureAwait(false);
            foreach (var row in courseOpenRows)
                await _tables.Open.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
            // The old id's change rows go too: the write under the new id announced every attempt
            // again with a higher version, so a feed consumer loses nothing (not counted: the report predates the feed).
            await TableBatches.DeleteAsync(_tables.Stats, TableClient.CreateQueryFilter(
                $"PartitionKey eq {aggregate.CourseKey} and RowKey ge {CourseRows.ChangePrefix} and RowKey lt {CourseRows.ChangeEnd} and LearnerHash eq {aggregate.LearnerId}"), cancellationToken).ConfigureAwait(false);
            await afterStep(Steps.OldProjectionsDeleted).ConfigureAwait(false);

            try
            {
                if (!source.Legacy)
                    await _tables.Stats.DeleteEntityAsync(oldKey.CourseKey, CourseRows.Aggregate(oldKey.LearnerHash), new ETag(source.ETag), cancellationToken).ConfigureAwait(false);
                await _tables.Attempts.DeleteEntityAsync(oldKey.LearnerHash, oldKey.CourseKey, source.Legacy ? new ETag(source.ETag) : ETag.All, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < processing.MaxConflictRetries)
            {
                // The old row changed after it was read: move what it holds now.
                continue;
            }
            await afterStep(Steps.OldAggregateDeleted).ConfigureAwait(false);
            return (merged, statsDeleted, courseOpenRows.Count + openDeleted);
        }
    }

    /// <summary>
    /// Writes the history under the new id, or its union with the row already there, with the
    /// processor's conditional write (insert, or If-Match on the version read); re-reads and merges
    /// again on a conflict. True when the row there held events of its own.
    /// </summary>
    /// <param name="version">The moved aggregate's version: the new one goes on from it (<see cref="AggregateWrite.VersionFloor"/>).</param>
    private async Task<bool> WriteUnderNewIdAsync(LearnerCourseKey newKey, LearnerCourseHistory history, long version, CancellationToken cancellationToken)
    {
        // The processor's order for a first write (list, then the tombstones, then insert), so that an
        // erasure running meanwhile either finds the new pair or is seen here.
        await store.RegisterAsync(newKey, history.CourseId, cancellationToken).ConfigureAwait(false);
        if (await tombstones.IsErasedAsync(history.Email, cancellationToken).ConfigureAwait(false))
        {
            await store.ForgetAsync(newKey, cancellationToken).ConfigureAwait(false);
            return false;
        }
        for (var conflicts = 0; ; conflicts++)
        {
            var target = await store.GetAsync(newKey, cancellationToken).ConfigureAwait(false);
            if (target is { Erased: true }) return false;
            var merged = target is not null && !target.History.SameEventsAs(history);
            var union = target is null ? history : rules.Merge(target.History, history) is { IsNew: true } m ? m.History : null;
            // Nothing new for a row already written in this layout: it was moved (and projected) by a run that stopped later.
            // (Unless its versions are behind the old id's: consumers keeping the highest version would then ignore its next changes.)
            if (union is null && target is { Legacy: false, ProjectionPending: false } && target.Version > version) return merged;
            // The read side is written in full under the new id, with the aggregate.
            var written = await store.TryCommitAsync(new AggregateWrite(newKey, union ?? target!.History, target?.ETag, null, null, target) { VersionFloor = version }, cancellationToken).ConfigureAwait(false);
            if (written is not null) return merged;
            if (conflicts >= processing.MaxConflictRetries)
                throw new ConcurrencyExhaustedException($"The aggregate {newKey.LearnerHash}/{newKey.CourseKey} kept changing under the migration ({conflicts + 1} conflicts); run it again.");
        }
    }

    /// <summary>Delivery records of old ids: rewritten to the new id, or (old id of no aggregate) kept without a learner id.</summary>
    private async Task<(int Rewritten, int Unmapped)> RewriteDeliveriesAsync(IReadOnlyDictionary<string, string> map, string current, CancellationToken cancellationToken)
    {
        var stale = new List<TableEntity>();
        await foreach (var row in _tables.Deliveries.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey", "LearnerHash", TableAttemptStore.LearnerIdKeyProperty], cancellationToken: cancellationToken).ConfigureAwait(false))
            if (row.GetString("LearnerHash") is not null && row.GetString(TableAttemptStore.LearnerIdKeyProperty) != current)
                stale.Add(row);

        int rewritten = 0, unmapped = 0;
        foreach (var row in stale)
        {
            if (map.TryGetValue(row.GetString("LearnerHash")!, out var newId))
            {
                try
                {
                    await _tables.Deliveries.UpdateEntityAsync(new TableEntity(row.PartitionKey, row.RowKey)
                    {
                        ["LearnerHash"] = newId,
                        [TableAttemptStore.LearnerIdKeyProperty] = current,
                    }, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                    rewritten++;
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    // Deleted since it was listed (retention): nothing left to rewrite.
                }
            }
            else if (await RemoveLearnerIdAsync(row.PartitionKey, row.RowKey, cancellationToken).ConfigureAwait(false))
            {
                unmapped++;
            }
        }
        return (rewritten, unmapped);
    }

    /// <summary>
    /// The delivery records kept beside the old ids' aggregates (each written by a commit of that very
    /// pair, so its id is always mapped): rewritten to the new id, one range query per moved pair.
    /// </summary>
    private async Task<int> RewriteCourseDeliveriesAsync(IReadOnlyList<OldAggregate> old, IReadOnlyDictionary<string, string> map, string current, CancellationToken cancellationToken)
    {
        var rewritten = 0;
        foreach (var aggregate in old)
        {
            var rows = new List<TableEntity>();
            await foreach (var row in _tables.Stats.QueryAsync<TableEntity>(TableClient.CreateQueryFilter(
                $"PartitionKey eq {aggregate.CourseKey} and RowKey ge {CourseRows.DeliveryPrefix} and RowKey lt {CourseRows.DeliveryEnd} and LearnerHash eq {aggregate.LearnerId}"),
                select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
                rows.Add(row);
            foreach (var row in rows)
            {
                try
                {
                    await _tables.Stats.UpdateEntityAsync(new TableEntity(row.PartitionKey, row.RowKey)
                    {
                        ["LearnerHash"] = map[aggregate.LearnerId],
                        [TableAttemptStore.LearnerIdKeyProperty] = current,
                    }, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                    rewritten++;
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    // Deleted since it was listed (retention): nothing left to rewrite.
                }
            }
        }
        return rewritten;
    }

    /// <summary>A merge cannot remove a property: the record is replaced without it, if it is still as read (else read again).</summary>
    private async Task<bool> RemoveLearnerIdAsync(string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        for (var conflicts = 0; ; conflicts++)
        {
            var read = await _tables.Deliveries.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!read.HasValue || read.Value is not { } entity || entity.GetString("LearnerHash") is null) return false;
            entity.Remove("LearnerHash");
            entity.Remove(TableAttemptStore.LearnerIdKeyProperty);
            try
            {
                await _tables.Deliveries.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && conflicts < processing.MaxConflictRetries)
            {
                // The record's outcome was written meanwhile: read it again.
            }
        }
    }

    /// <summary>The Go1 user cache (<c>user</c> / learner id): rows of old ids move to the new id, or go when their id names no aggregate.</summary>
    private async Task<(int Rekeyed, int Dropped)> RekeyGo1UsersAsync(IReadOnlyDictionary<string, string> map, string current, CancellationToken cancellationToken)
    {
        var stale = new List<TableEntity>();
        await foreach (var row in _tables.Users.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {ReconciliationSweep.UserPartition}"), cancellationToken: cancellationToken).ConfigureAwait(false))
            if (row.GetString(TableAttemptStore.LearnerIdKeyProperty) != current)
                stale.Add(row);

        int rekeyed = 0, dropped = 0;
        foreach (var row in stale)
        {
            if (map.TryGetValue(row.RowKey, out var newId))
            {
                var moved = new TableEntity(row.PartitionKey, newId)
                {
                    ["UserId"] = row.GetString("UserId"),
                    ["ResolvedAt"] = row.GetDateTimeOffset("ResolvedAt"),
                    [TableAttemptStore.LearnerIdKeyProperty] = current,
                };
                try
                {
                    await _tables.Users.AddEntityAsync(moved, cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException ex) when (ex.Status == 409)
                {
                    // The sweep resolved the learner under the new id already: that row is newer.
                }
                rekeyed++;
            }
            else
            {
                dropped++;
            }
            await _tables.Users.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        return (rekeyed, dropped);
    }
}
