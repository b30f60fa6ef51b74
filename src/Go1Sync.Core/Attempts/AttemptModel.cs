namespace Go1Sync.Core.Attempts;

// The attempt enums carry no serialization attribute: their names outside the process are in
// WireNames, shared by the boundaries that write them.
public enum AttemptOrigin
{
    LmsLaunch,
    Go1Direct,
}

public enum Platform
{
    Web,
    Mobile,
    Unknown,
}

public enum AttemptStatus
{
    Open,
    Completed,
}

public enum AttemptResult
{
    None,
    Success,
    Failed,
}

/// <summary>
/// One attempt: what the fold of a history gives (<see cref="AttemptRules.Fold"/>), and, inside an
/// <see cref="AttemptReport"/>, the way it is shown at an instant. The only attempt type.
/// </summary>
public sealed record Attempt
{
    public required string AttemptId { get; init; }
    public required string Email { get; init; }
    public required string CourseId { get; init; }
    public required AttemptOrigin Origin { get; init; }
    public required Platform Platform { get; init; }
    public AttemptStatus Status { get; init; } = AttemptStatus.Open;
    public int Progress { get; init; }
    public AttemptResult Result { get; init; } = AttemptResult.None;
    public int? Score { get; init; }
    public required DateTimeOffset FirstActivityAt { get; init; }
    public required DateTimeOffset LastActivityAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public long TimeSpentMs { get; init; }
    public string? Go1EnrolmentId { get; init; }
    public bool DurationUnknown { get; init; }
}

/// <summary>
/// An attempt as reported at a given instant: <see cref="Attempt"/> is the attempt the way the
/// LMS shows it then, and <see cref="LegacyClosed"/> says whether that is the legacy-closed
/// view (rule 6: completed at 0 %, no result, score or time spent), which is never written.
/// </summary>
/// <remarks>
/// Why this shape: there is one attempt type, and reporting adds one fact to it. The fields
/// reporting changes (status, progress, result, score, time spent, duration flag) change only
/// for a legacy-closed attempt, and then <see cref="AttemptRules.Report"/> gives the attempt
/// with them replaced. Keeping the stored attempt and the changed fields beside it would leave
/// every reader two statuses to pick from; the stored attempt is what the fold returns.
/// </remarks>
public sealed record AttemptReport(Attempt Attempt, bool LegacyClosed);
