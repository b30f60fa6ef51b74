using System.Runtime.CompilerServices;

namespace Go1Sync.Infrastructure.Storage;

/// <summary>Reads a course's attempts from its partition of the stats projection: never a table scan.</summary>
public sealed class TableAttemptStatsReader(TableServiceClient tables) : IAttemptStatsReader
{
    private readonly TableClient _stats = tables.GetTableClient(TableNames.AttemptStats);

    public async IAsyncEnumerable<Attempt> ReadCourseAsync(string courseId, AttemptRange range, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in _stats.QueryAsync<TableEntity>(Filter(courseId, range), maxPerPage: 1000, cancellationToken: cancellationToken).ConfigureAwait(false))
            yield return StatsRows.ReadStats(row);
    }

    public async Task<AttemptPage> ReadPageAsync(string courseId, AttemptRange range, string? continuation, int pageSize, CancellationToken cancellationToken)
    {
        await foreach (var page in _stats.QueryAsync<TableEntity>(Filter(courseId, range), cancellationToken: cancellationToken)
            .AsPages(continuation, pageSize).ConfigureAwait(false))
        {
            return new AttemptPage(page.Values.Select(StatsRows.ReadStats).ToList(), page.ContinuationToken);
        }
        return new AttemptPage([], null);
    }

    private static string Filter(string courseId, AttemptRange range)
    {
        // The course's partition also holds its aggregates and open-index rows, all sorting after the stats rows.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {StatsRows.StatsPartition(courseId)} and RowKey lt {CourseRows.StatsEnd}");
        if (range.LastActivityFrom is { } from) filter += " and " + TableClient.CreateQueryFilter($"LastActivityAt ge {from}");
        if (range.LastActivityTo is { } to) filter += " and " + TableClient.CreateQueryFilter($"LastActivityAt lt {to}");
        return filter;
    }
}
