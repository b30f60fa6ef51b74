namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// The layout of a course's partition of <c>AttemptStats</c> (PartitionKey: the escaped course id),
/// the one place that says which row is which. Everything one event changes lives here, so the
/// aggregate and its read side commit in one entity-group transaction guarded by the aggregate's
/// ETag (Azure and Azurite roll a failed batch back whole: <c>AzuriteBatchCanaryTests</c>).
/// <list type="table">
/// <item><term><c>{learner id}_{escaped attempt id}</c></term><description>a stats row (<see cref="StatsRows"/>); learner ids are lowercase hex, so every stats row sorts before <see cref="StatsEnd"/>.</description></item>
/// <item><term><c>~h~{learner id}</c></term><description>the learner's aggregate on the course (<see cref="TableAttemptStore"/>), or the tombstone an erasure left in its place.</description></item>
/// <item><term><c>~o~{first activity}_{identity hash}</c></term><description>an open attempt, for the sweep, oldest first (<see cref="OpenAttemptIndex"/>).</description></item>
/// <item><term><c>~c~{changed at, UTC ticks, 19 digits}_{learner id}_{escaped attempt id}</c></term><description>a change of an attempt, for the change feed, oldest first (<see cref="ChangeRows"/>); written by the same batch as the aggregate.</description></item>
/// <item><term><c>~d~{UTC day of receipt, yyyyMMdd}_{escaped delivery identity}</c></term><description>the delivery record of an event that committed the aggregate (and of its duplicates), for the delivery log (<see cref="DeliveryRows"/>); written by the same batch as the aggregate.</description></item>
/// </list>
/// </summary>
public static class CourseRows
{
    /// <summary>Every row that is not a stats row starts with this, which sorts after every stats row: the read API pages <c>RowKey lt '~'</c>.</summary>
    public const string StatsEnd = "~";

    public const string AggregatePrefix = "~h~";

    public const string OpenPrefix = "~o~";

    /// <summary>Just past every open-index row (<c>~</c> sorts after the digits of the first activity).</summary>
    public const string OpenEnd = "~o~~";

    public static string Aggregate(string learnerId) => AggregatePrefix + learnerId;

    public const string ChangePrefix = "~c~";

    /// <summary>Just past every change row (<c>~</c> sorts after the digits of the ticks).</summary>
    public const string ChangeEnd = "~c~~";

    /// <summary>The first change row key stamped at <paramref name="ticks"/> or later: fixed-width ticks, so keys sort by time.</summary>
    public static string ChangesFrom(long ticks) => ChangePrefix + ticks.ToString("D19", System.Globalization.CultureInfo.InvariantCulture);

    public static string Change(long ticks, string learnerId, string attemptId) => $"{ChangesFrom(ticks)}_{learnerId}_{KeyEncoding.Escape(attemptId)}";

    public const string DeliveryPrefix = "~d~";

    /// <summary>Just past every delivery row (<c>~</c> sorts after the digits of the day).</summary>
    public const string DeliveryEnd = "~d~~";

    /// <summary>The first delivery row key of deliveries received on <paramref name="instant"/>'s UTC day or later.</summary>
    public static string DeliveriesFrom(DateTimeOffset instant) => DeliveryPrefix + DeliveryRows.Day(instant);

    public static string Delivery(DateTimeOffset receivedAt, string identity) => $"{DeliveriesFrom(receivedAt)}_{KeyEncoding.Escape(identity)}";

    /// <summary>The range of one learner's stats rows on a course: <c>RowKey ge From and RowKey lt To</c>.</summary>
    public static (string From, string To) LearnerStats(string learnerId) => (learnerId + "_", learnerId + "`");
}
