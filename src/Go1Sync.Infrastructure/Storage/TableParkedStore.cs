using System.Text;

namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// Messages that cannot apply, PartitionKey the category, RowKey the message id. Parking the
/// same message again overwrites its row, so redelivery never multiplies it.
/// </summary>
public sealed class TableParkedStore(TableServiceClient tables) : IParkedStore
{
    private readonly TableClient _table = tables.GetTableClient(TableNames.Parked);

    public async Task ParkAsync(ParkedMessage message, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(message.Category, KeyEncoding.Escape(message.MessageId))
        {
            ["MessageId"] = message.MessageId,
            ["Reason"] = message.Reason.Length > 8_000 ? message.Reason[..8_000] : message.Reason,
            // Binary: a queued body is at most 48 KiB, under the 64 KiB property limit, whatever its characters.
            ["Body"] = Encoding.UTF8.GetBytes(message.Body),
            ["ParkedAt"] = message.ParkedAt,
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ParkedMessage>> ListAsync(string? category, CancellationToken cancellationToken)
    {
        var filter = category is null ? null : TableClient.CreateQueryFilter($"PartitionKey eq {category}");
        var result = new List<ParkedMessage>();
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            result.Add(new ParkedMessage(
                e.PartitionKey,
                e.GetString("MessageId"),
                e.GetString("Reason"),
                Encoding.UTF8.GetString(e.GetBinary("Body")),
                e.GetDateTimeOffset("ParkedAt") ?? DateTimeOffset.MinValue));
        }
        return result;
    }

    public async Task<int> CountAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var _ in _table.QueryAsync<TableEntity>(select: ["PartitionKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            count++;
        return count;
    }

    /// <summary>
    /// A scan of the keys and parking instants (the table holds only what waits for an operator),
    /// then batches of deletes per category. A row without ParkedAt cannot be dated and stays.
    /// </summary>
    public async Task<IReadOnlyList<(string Category, string MessageId)>> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"ParkedAt lt {before}");
        var doomed = new List<TableEntity>();
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey", "MessageId"], cancellationToken: cancellationToken).ConfigureAwait(false))
            doomed.Add(e);
        foreach (var category in doomed.GroupBy(e => e.PartitionKey))
            foreach (var batch in category.Chunk(100))
                await _table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(e.PartitionKey, e.RowKey), ETag.All)), cancellationToken).ConfigureAwait(false);
        return doomed.Select(e => (e.PartitionKey, e.GetString("MessageId") ?? e.RowKey)).ToList();
    }

    public async Task RemoveAsync(string category, string messageId, CancellationToken cancellationToken) =>
        await _table.DeleteEntityAsync(category, KeyEncoding.Escape(messageId), ETag.All, cancellationToken).ConfigureAwait(false);
}
