namespace Go1Sync.Core.Attempts;

/// <summary>The LMS reports that a learner clicked START (or continued) on a Go1 course.</summary>
public sealed record Launch(string AttemptId, string Email, string CourseId, Platform Platform, DateTimeOffset LaunchedAt);

/// <summary>A Go1 enrolment reached <c>completed</c>, with everything the rules need.</summary>
public sealed record Completion(
    string EnrolmentId,
    string Email,
    string CourseId,
    DateTimeOffset CompletedAt,
    bool Passed,
    int? Score = null,
    DateTimeOffset? StartedAt = null);

/// <summary>
/// The instants where the connector's behaviour changed (December 2024). Defaults are the
/// article's dates: 19 December 12:00 CET for the connector and web launches, start of
/// 26 December CET for mobile launches.
/// </summary>
public sealed record Cutovers(DateTimeOffset Connector, DateTimeOffset WebLaunch, DateTimeOffset MobileLaunch)
{
    public static readonly DateTimeOffset DefaultConnector = new(2024, 12, 19, 11, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset DefaultWebLaunch = new(2024, 12, 19, 11, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset DefaultMobileLaunch = new(2024, 12, 25, 23, 0, 0, TimeSpan.Zero);

    public static Cutovers Default { get; } = new(DefaultConnector, DefaultWebLaunch, DefaultMobileLaunch);

    /// <summary>The time-spent cutover is the connector cutover (the article gives one date for both).</summary>
    public DateTimeOffset TimeSpent => Connector;

    public DateTimeOffset LaunchTrackingFor(Platform platform) =>
        platform == Platform.Mobile ? MobileLaunch : WebLaunch;
}
