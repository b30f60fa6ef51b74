using Go1Sync.Core.Reporting;

namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// The change rows of the change feed (<c>GET /api/attempts/changes</c>), in each course's partition of
/// <c>AttemptStats</c> (<see cref="CourseRows.Change"/>): the attempt's stats-row values, the aggregate
/// <c>Version</c> that made them, <c>ChangedAt</c> and <c>Change</c> (<c>updated</c> or <c>removed</c>).
/// They ride in the aggregate's own batch (<see cref="TableAttemptStore"/>), so a change costs no
/// transaction of its own and a row exists exactly when its version committed.
/// </summary>
public static class ChangeRows
{
    public const string VersionProperty = "Version";
    public const string ChangedAtProperty = "ChangedAt";
    public const string ChangeProperty = "Change";

    public static TableEntity Entity(LearnerCourseKey key, Attempt attempt, long version, long ticks, string change)
    {
        var entity = StatsRows.StatsEntity(key, attempt);
        entity.PartitionKey = key.CourseKey;
        entity.RowKey = CourseRows.Change(ticks, key.LearnerHash, attempt.AttemptId);
        entity[VersionProperty] = version;
        entity[ChangedAtProperty] = new DateTimeOffset(ticks, TimeSpan.Zero);
        entity[ChangeProperty] = change;
        return entity;
    }

    /// <summary>An upsert: a writer finishing another's full write writes the same row again, harmlessly.</summary>
    public static TableTransactionAction Write(LearnerCourseKey key, Attempt attempt, long version, long ticks, string change) =>
        new(TableTransactionActionType.UpsertReplace, Entity(key, attempt, version, ticks, change));

    public static StoredChange Read(TableEntity row)
    {
        var ticks = long.Parse(row.RowKey.AsSpan(CourseRows.ChangePrefix.Length, 19), System.Globalization.CultureInfo.InvariantCulture);
        return new StoredChange(
            StatsRows.ReadStats(row),
            row.GetInt64(VersionProperty) ?? 0,
            new DateTimeOffset(ticks, TimeSpan.Zero),
            row.GetString(ChangeProperty) ?? ChangeKinds.Updated,
            new ChangePosition(ticks, row.PartitionKey, row.RowKey));
    }
}
