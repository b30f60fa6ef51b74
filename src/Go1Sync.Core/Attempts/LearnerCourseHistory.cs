using System.Collections.Immutable;
using Go1Sync.Core.Learners;

namespace Go1Sync.Core.Attempts;

/// <summary>A launch as kept in a learner's history on a course.</summary>
public sealed record LaunchRecord(string AttemptId, Platform Platform, DateTimeOffset LaunchedAt);

/// <summary>
/// A completion as kept in the history. <see cref="DurationMinutes"/> is the course's
/// theoretical duration as it was known when the completion was accepted, so that folding the
/// history again later gives the same time spent.
/// </summary>
public sealed record CompletionRecord(
    string EnrolmentId,
    DateTimeOffset CompletedAt,
    bool Passed,
    int? Score,
    DateTimeOffset? StartedAt,
    int? DurationMinutes)
{
    /// <summary>Go1 re-enrolment gives a new enrolment id; the same enrolment and instant is the same completion.</summary>
    public string Identity => IdentityOf(EnrolmentId, CompletedAt);

    /// <summary>The one definition of a completion's identity, for whoever must check a history before queueing.</summary>
    public static string IdentityOf(string enrolmentId, DateTimeOffset completedAt) =>
        $"{enrolmentId}|{Instants.ToMillisecondUtc(completedAt).UtcTicks}";
}

/// <summary>
/// The aggregate: every event accepted for one (learner, course), in time order. The attempts
/// are never stored on their own; they are the fold of this history (<see cref="AttemptRules.Fold"/>),
/// so delivery order and duplicates cannot change the outcome.
/// </summary>
public sealed record LearnerCourseHistory(
    string Email,
    string CourseId,
    ImmutableArray<LaunchRecord> Launches,
    ImmutableArray<CompletionRecord> Completions)
{
    public static LearnerCourseHistory Empty(string email, string courseId) =>
        new(LearnerEmail.Normalize(email), courseId, ImmutableArray<LaunchRecord>.Empty, ImmutableArray<CompletionRecord>.Empty);

    public bool IsEmpty => Launches.IsEmpty && Completions.IsEmpty;

    public bool SameEventsAs(LearnerCourseHistory other) =>
        Launches.SequenceEqual(other.Launches) && Completions.SequenceEqual(other.Completions);
}
