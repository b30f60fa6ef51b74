namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// Table names. infra/storage-names.json is the one list: Bicep creates exactly its tables, and
/// StorageNamesTests fail when these constants or <see cref="All"/> differ from it.
/// </summary>
public static class TableNames
{
    /// <summary>Source of truth: one row per (learner, course) history.</summary>
    public const string Attempts = "Attempts";
    /// <summary>Read model in the LMS stats shape, one row per attempt, partitioned by course.</summary>
    public const string AttemptStats = "AttemptStats";
    /// <summary>Open attempts in first-activity order, for the sweep.</summary>
    public const string OpenAttempts = "OpenAttempts";
    public const string Courses = "Courses";
    public const string Parked = "Parked";
    /// <summary>Every webhook delivery and launch request, with its answer and processing outcome.</summary>
    public const string Deliveries = "Deliveries";
    /// <summary>Go1 user ids by learner id, and the sweep's own state.</summary>
    public const string Go1Users = "Go1Users";
    /// <summary>The reconciliation's watermark and lease, and backfill checkpoints.</summary>
    public const string Reconciliation = "Reconciliation";

    /// <summary>Erased learners, by learner id (one partition), with the erasure time and no email: later events for them are dropped.</summary>
    public const string Tombstones = "Tombstones";

    /// <summary>The outbound webhooks' endpoint state (cursor, status, failures) and the changes parked after their retries ran out.</summary>
    public const string Outbound = "Outbound";

    public static readonly IReadOnlyList<string> All = [Attempts, AttemptStats, OpenAttempts, Courses, Parked, Deliveries, Go1Users, Reconciliation, Tombstones, Outbound];
}
