using Go1Sync.Core.Reporting;

namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// Reads the change rows (<see cref="ChangeRows"/>) of every course: the course list (one query, the
/// sweep's list, <see cref="OpenAttemptIndex.CoursesAsync"/>), then per course one range query from the
/// position up to the horizon, merged in (ticks, course, row key) order. Never a table scan: a page
/// costs one query plus one per course (more only when a course's range spans several result pages).
/// </summary>
public sealed class TableAttemptChangeFeed(TableServiceClient tables, OpenAttemptIndex index) : IAttemptChangeFeed
{
    private readonly TableClient _rows = tables.GetTableClient(TableNames.AttemptStats);

    public async Task<IReadOnlyList<StoredChange>> ReadAsync(ChangePosition? after, DateTimeOffset before, int limit, CancellationToken cancellationToken)
    {
        var upTo = CourseRows.ChangesFrom(before.UtcTicks);
        var found = new List<StoredChange>();
        foreach (var course in await index.CoursesAsync(cancellationToken).ConfigureAwait(false))
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {course} and RowKey lt {upTo}") + " and " + From(course, after);
            var read = 0;
            await foreach (var page in _rows.QueryAsync<TableEntity>(filter, maxPerPage: limit, cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
            {
                found.AddRange(page.Values.Take(limit - read).Select(ChangeRows.Read));
                read += page.Values.Count;
                // A course's rows come in order: the first `limit` of them are all this page can use.
                if (read >= limit) break;
            }
        }
        found.Sort((a, b) => a.Position.CompareTo(b.Position));
        return found.Count > limit ? found.GetRange(0, limit) : found;
    }

    /// <summary>The lower bound of a course's range: its rows after the position in the feed's order (ticks, then course, then row key).</summary>
    private static string From(string course, ChangePosition? after)
    {
        if (after is null)
            return TableClient.CreateQueryFilter($"RowKey ge {CourseRows.ChangePrefix}");
        var order = string.CompareOrdinal(course, after.Course);
        if (order == 0)
            // The row key starts with the ticks, so the rest of this course is every later key (and
            // none before the cursor's instant, whatever row key the cursor holds).
            return TableClient.CreateQueryFilter($"RowKey gt {after.RowKey} and RowKey ge {CourseRows.ChangesFrom(after.Ticks)}");
        // A course after the cursor's: its rows of the same instant are still to come; one before it: from the next tick.
        var ticks = order > 0 ? after.Ticks : after.Ticks + 1;
        return TableClient.CreateQueryFilter($"RowKey ge {CourseRows.ChangesFrom(ticks)}");
    }
}
