using Azure.Data.Tables;
using Go1Sync.Core.Processing;
using Go1Sync.Infrastructure.Storage;

namespace Go1Sync.Infrastructure.Erasure;

/// <summary>
/// One row per erased learner: PartitionKey the learner hash, RowKey <c>erased</c>, with the erasure
/// time and no email. The processor reads it (one point read) before applying any event.
/// </summary>
public sealed class TableLearnerTombstones(TableServiceClient tables) : ILearnerTombstones
{
    public const string Row = "erased";

    private readonly TableClient _table = tables.GetTableClient(TableNames.Tombstones);

    public async Task<bool> IsErasedAsync(string learnerHash, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(learnerHash, Row, select: ["PartitionKey"], cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue;
    }

    public Task RecordAsync(string learnerHash, DateTimeOffset erasedAt, CancellationToken cancellationToken) =>
        _table.UpsertEntityAsync(new TableEntity(learnerHash, Row) { ["ErasedAt"] = erasedAt }, TableUpdateMode.Replace, cancellationToken);
}
