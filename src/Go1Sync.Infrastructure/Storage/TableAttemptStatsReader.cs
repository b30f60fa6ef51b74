using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using Go1Sync.Core.Attempts;
using Go1Sync.Core.Processing;

namespace Go1Sync.Infrastructure.Storage;

/// <summary>Reads a course's attempts from its partition of the stats projection: never a table scan.</summary>
public sealed class TableAttemptStatsReader(TableServiceClient tables) : IAttemptStatsReader
{
    private readonly TableClient _stats = tables.GetTableClient(TableNames.AttemptStats);

    public async IAsyncEnumerable<Attempt> ReadCourseAsync(string courseId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TableAttemptProjection.StatsPartition(courseId)}");
        await foreach (var row in _stats.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: cancellationToken).ConfigureAwait(false))
            yield return TableAttemptProjection.ReadStats(row);
    }
}
