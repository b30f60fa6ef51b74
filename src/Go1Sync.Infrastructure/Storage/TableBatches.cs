namespace Go1Sync.Infrastructure.Storage;

/// <summary>Batched writes to Table Storage: a transaction holds at most 100 operations, all in one partition.</summary>
internal static class TableBatches
{
    public const int MaxOperations = 100;

    /// <summary>Deletes every row the filter finds (keys only read), in batches per partition; returns how many.</summary>
    public static async Task<int> DeleteAsync(TableClient table, string filter, CancellationToken cancellationToken)
    {
        var rows = new List<(string PartitionKey, string RowKey)>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            rows.Add((row.PartitionKey, row.RowKey));
        foreach (var partition in rows.GroupBy(r => r.PartitionKey))
            foreach (var batch in partition.Chunk(MaxOperations))
            {
                try
                {
                    await table.SubmitTransactionAsync(batch.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(r.PartitionKey, r.RowKey), ETag.All)), cancellationToken).ConfigureAwait(false);
                }
                catch (TableTransactionFailedException ex) when (ex.Status == 404)
                {
                    // Somebody else (the retention, an erasure, a writer) deleted one of them first, which
                    // failed the whole batch: delete the rest one by one, a missing one being fine.
                    foreach (var (partitionKey, rowKey) in batch)
                    {
                        try { await table.DeleteEntityAsync(partitionKey, rowKey, ETag.All, cancellationToken).ConfigureAwait(false); }
                        catch (RequestFailedException gone) when (gone.Status == 404) { /* deleted by the other one: what was wanted */ }
                    }
                }
            }
        return rows.Count;
    }
}
