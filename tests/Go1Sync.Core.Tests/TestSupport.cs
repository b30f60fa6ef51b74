using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Tests;

/// <summary>Instants and defaults shared by the tests. Every instant is exact to the millisecond.</summary>
internal static class At
{
    public static readonly TimeSpan CetOffset = TimeSpan.FromHours(1);

    /// <summary>Central European Time (UTC+1 in December), the article's clock.</summary>
    public static DateTimeOffset Cet(int month, int day, int hour, int minute = 0, int year = 2024) =>
        new(year, month, day, hour, minute, 0, CetOffset);

    public static DateTimeOffset Utc(int month, int day, int hour, int minute = 0, int second = 0, int millisecond = 0, int year = 2024) =>
        new(year, month, day, hour, minute, second, millisecond, TimeSpan.Zero);

    /// <summary>Connector, time-spent and web launch-tracking cutover: 19 December 2024 12:00 CET.</summary>
    public static DateTimeOffset ConnectorCutover => Cutovers.DefaultConnector;
    public static DateTimeOffset WebCutover => Cutovers.DefaultWebLaunch;
    /// <summary>Mobile launch-tracking cutover: 26 December 2024 00:00 CET.</summary>
    public static DateTimeOffset MobileCutover => Cutovers.DefaultMobileLaunch;

    public static readonly TimeSpan OneMs = TimeSpan.FromMilliseconds(1);

    public static long Hours(double hours) => (long)(hours * 3_600_000);
}

/// <summary>One learner on one course, with the rules applied event by event as the processor would.</summary>
internal sealed class Learner(string email = Learner.DefaultEmail, string courseId = Learner.DefaultCourseId, Cutovers? cutovers = null)
{
    public const string DefaultEmail = "learner@example.com";
    public const string DefaultCourseId = "go1-lo-4242";

    public AttemptRules Rules { get; } = new(cutovers ?? Cutovers.Default);
    public LearnerCourseHistory History { get; private set; } = LearnerCourseHistory.Empty(email, courseId);
    public string Email { get; } = email;
    public string CourseId { get; } = courseId;

    public bool Launch(string attemptId, DateTimeOffset launchedAt, Platform platform = Platform.Web)
    {
        var acceptance = Rules.Accept(History, new Launch(attemptId, Email, CourseId, platform, launchedAt));
        History = acceptance.History;
        return acceptance.IsNew;
    }

    public bool Complete(string enrolmentId, DateTimeOffset completedAt, int? durationMinutes, bool passed = true, int? score = null, DateTimeOffset? startedAt = null)
    {
        var acceptance = Rules.Accept(History, new Completion(enrolmentId, Email, CourseId, completedAt, passed, score, startedAt), durationMinutes);
        History = acceptance.History;
        return acceptance.IsNew;
    }

    public IReadOnlyList<Attempt> Attempts => Rules.Fold(History);

    public Attempt Attempt(string attemptId) => Assert.Single(Attempts, a => a.AttemptId == attemptId);

    public AttemptReport Report(string attemptId, DateTimeOffset asOf) => Rules.Report(Attempt(attemptId), asOf);
}
