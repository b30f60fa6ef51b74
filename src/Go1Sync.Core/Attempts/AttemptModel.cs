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

/// <summary>One attempt as the rules leave it in storage (before any "as of" reporting).</summary>
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
/// An attempt as reported at a given instant: legacy-closed attempts are shown the way the
/// LMS shows them (completed at 0 %) without that ever being written.
/// </summary>
public sealed record AttemptReport
{
    public required string AttemptId { get; init; }
    public required string Email { get; init; }
    public required string CourseId { get; init; }
    public required AttemptOrigin Origin { get; init; }
    public required Platform Platform { get; init; }
    public required AttemptStatus Status { get; init; }
    public required int Progress { get; init; }
    public required AttemptResult Result { get; init; }
    public int? Score { get; init; }
    public required DateTimeOffset FirstActivityAt { get; init; }
    public required DateTimeOffset LastActivityAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public required long TimeSpentMs { get; init; }
    public string? Go1EnrolmentId { get; init; }
    public bool DurationUnknown { get; init; }
    public required bool LegacyClosed { get; init; }
}
