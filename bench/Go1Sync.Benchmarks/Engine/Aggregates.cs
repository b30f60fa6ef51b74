using Go1Sync.Core.Attempts;
using Go1Sync.Core.Learners;

namespace Go1Sync.Benchmarks.Engine;

/// <summary>
/// Realistic (learner, course) aggregates of a given number of attempts, built through the
/// rules themselves: every attempt is an LMS launch after the December 2024 cutovers, the older
/// half is already completed, the newer half is open. The next completion therefore goes to the
/// oldest open attempt, as it does in production.
/// </summary>
public static class Aggregates
{
    public const string Email = "bench.learner@example.com";
    public const string CourseId = "go1-course-bench";
    public const int DurationMinutes = 60;

    private static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

    public static AttemptRules Rules { get; } = new(Cutovers.Default);

    public static LearnerCourseKey Key { get; } = LearnerCourseKey.For(LearnerIds.Development, Email, CourseId);

    public static LearnerCourseHistory Build(int attempts)
    {
        var history = LearnerCourseHistory.Empty(Email, CourseId);
        for (var i = 0; i < attempts; i++)
            history = Rules.Accept(history, new Launch($"att-{i:D5}", Email, CourseId, i % 3 == 0 ? Platform.Mobile : Platform.Web, Start.AddMinutes(i))).History;
        // Completions after every launch, in time order: each goes to the oldest open attempt.
        var completionsAt = Start.AddMinutes(attempts + 60);
        for (var i = 0; i < attempts / 2; i++)
            history = Rules.Accept(history, Completion(i, completionsAt.AddSeconds(i)), DurationMinutes).History;
        return history;
    }

    /// <summary>The next completion for an aggregate of <paramref name="attempts"/> attempts (new enrolment id, after all its events).</summary>
    public static Completion NextCompletion(int attempts) => Completion(attempts, Start.AddMinutes(attempts + 120).AddSeconds(attempts / 2));

    /// <summary>A launch of a new attempt for an aggregate of <paramref name="attempts"/> attempts, after all its events.</summary>
    public static Launch NextLaunch(int attempts) => new($"att-{attempts:D5}", Email, CourseId, Platform.Web, Start.AddMinutes(attempts + 180).AddSeconds(attempts / 2));

    private static Completion Completion(int i, DateTimeOffset at) =>
        new($"enr-{i:D5}", Email, CourseId, at, Passed: i % 4 != 0, Score: 50 + i % 50);
}
