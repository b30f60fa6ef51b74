using Go1Sync.Core.Security;

namespace Go1Sync.Infrastructure.Erasure;

/// <summary>
/// One row per erased learner, all in one partition: PartitionKey <c>erased</c>, RowKey the learner
/// id, with the erasure time, the key id of the scheme that made the id (<c>LearnerIdKey</c>) and
/// no email. A tombstone cannot be rekeyed when the learner-id key changes (it keeps no email), so
/// the processor also looks under the older schemes that still matter: the previous key while
/// <c>Learners__PreviousIdKey</c> is set, the legacy SHA-256 while legacy tombstones exist. With
/// only the current scheme the check is one point read; with older ones it is one query on the
/// partition (<c>RowKey eq current or RowKey eq previous or RowKey eq legacy</c>): one request either way.
/// </summary>
public sealed class TableLearnerTombstones(TableServiceClient tables, LearnerIds ids, ILogger<TableLearnerTombstones> logger) : ILearnerTombstones
{
    public const string Partition = "erased";
    /// <summary>RowKey of a tombstone written before keyed learner ids (PartitionKey the SHA-256 of the email); moved into <see cref="Partition"/> at start.</summary>
    public const string LegacyRow = "erased";

    private readonly TableClient _table = tables.GetTableClient(TableNames.Tombstones);
    private volatile bool _legacyPresent;

    /// <summary>Whether the check looks for legacy SHA-256 tombstones too (some existed at start).</summary>
    public bool ChecksLegacy => _legacyPresent;

    /// <summary>
    /// At start: moves tombstones of the layout before keyed ids (one partition per learner) into
    /// the one partition, keeping their SHA-256 id, and notes which schemes hold tombstones, so each
    /// event's check covers exactly those. Idempotent, and harmless when instances do it at once.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var perScheme = new Dictionary<string, int>(StringComparer.Ordinal);
        var legacyLayout = new List<TableEntity>();
        await foreach (var row in _table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey", "LearnerIdKey", "ErasedAt"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.PartitionKey == Partition)
            {
                var scheme = row.GetString("LearnerIdKey") ?? LearnerIdKey.LegacyKeyId;
                perScheme[scheme] = perScheme.GetValueOrDefault(scheme) + 1;
            }
            else if (row.RowKey == LegacyRow)
            {
                legacyLayout.Add(row);
            }
        }

        foreach (var old in legacyLayout)
        {
            await _table.UpsertEntityAsync(new TableEntity(Partition, old.PartitionKey)
            {
                ["ErasedAt"] = old.GetDateTimeOffset("ErasedAt"),
                ["LearnerIdKey"] = LearnerIdKey.LegacyKeyId,
            }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            await _table.DeleteEntityAsync(old.PartitionKey, old.RowKey, Azure.ETag.All, cancellationToken).ConfigureAwait(false);
            perScheme[LearnerIdKey.LegacyKeyId] = perScheme.GetValueOrDefault(LearnerIdKey.LegacyKeyId) + 1;
        }
        if (legacyLayout.Count > 0)
            logger.LogInformation("Moved {Count} tombstones written before keyed learner ids into partition {Partition}", legacyLayout.Count, Partition);

        _legacyPresent = perScheme.ContainsKey(LearnerIdKey.LegacyKeyId);
        foreach (var (scheme, count) in perScheme)
        {
            if (scheme == ids.CurrentKeyId || scheme == LearnerIdKey.LegacyKeyId || scheme == ids.Previous?.KeyId) continue;
            logger.LogWarning(
                "{Count} tombstones were written under learner-id key {KeyId}, which is neither Learners__IdKey nor Learners__PreviousIdKey: later events of those erased learners are not recognised. Set Learners__PreviousIdKey to that key (README, \"Rotating the learner-id key\")",
                count, LogValue.Of(scheme));
        }
    }

    public async Task<bool> IsErasedAsync(string email, CancellationToken cancellationToken)
    {
        var current = ids.Id(email);
        var previous = ids.Previous?.IdOf(email);
        var legacy = _legacyPresent ? LearnerEmail.LegacySha256(email) : null;
        if (previous is null && legacy is null)
        {
            var row = await _table.GetEntityIfExistsAsync<TableEntity>(Partition, current, select: ["PartitionKey"], cancellationToken: cancellationToken).ConfigureAwait(false);
            return row.HasValue;
        }

        // One partition, and a RowKey range around the ids so the service reads only that part of it.
        var candidates = new[] { current, previous, legacy }.OfType<string>().Order(StringComparer.Ordinal).ToList();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey ge {candidates[0]} and RowKey le {candidates[^1]}")
            + " and (" + string.Join(" or ", candidates.Select(id => TableClient.CreateQueryFilter($"RowKey eq {id}"))) + ")";
        await foreach (var _ in _table.QueryAsync<TableEntity>(filter, maxPerPage: 3, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            return true;
        return false;
    }

    /// <summary>Writes the tombstone of a learner under the current key.</summary>
    public Task RecordAsync(string learnerId, DateTimeOffset erasedAt, CancellationToken cancellationToken) =>
        _table.UpsertEntityAsync(new TableEntity(Partition, learnerId) { ["ErasedAt"] = erasedAt, ["LearnerIdKey"] = ids.CurrentKeyId }, TableUpdateMode.Replace, cancellationToken);

    /// <summary>How many tombstones each scheme (key id) holds, the legacy layout counted as <see cref="LearnerIdKey.LegacyKeyId"/>.</summary>
    public async Task<IReadOnlyDictionary<string, int>> CountBySchemeAsync(CancellationToken cancellationToken)
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        await foreach (var row in _table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey", "LearnerIdKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var scheme = row.PartitionKey == Partition ? row.GetString("LearnerIdKey") ?? LearnerIdKey.LegacyKeyId
                : row.RowKey == LegacyRow ? LearnerIdKey.LegacyKeyId
                : null;
            if (scheme is not null) counts[scheme] = counts.GetValueOrDefault(scheme) + 1;
        }
        return counts;
    }
}
