namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// The stats rows of the read side: one per attempt in the LMS stats shape, in the course's
/// partition of <c>AttemptStats</c> beside the aggregates that derive them (see <see cref="CourseRows"/>).
/// They are written only in the aggregate's own batch (<see cref="TableAttemptStore"/>), so they
/// are always the fold of the aggregate version that committed.
/// </summary>
public static class StatsRows
{
    /// <summary>RowKey of a stats row: learner id then attempt id, so two learners can never collide on an LMS attempt id.</summary>
    public static string StatsRow(LearnerCourseKey key, string attemptId) => $"{key.LearnerHash}_{KeyEncoding.Escape(attemptId)}";

    public static string StatsPartition(string courseId) => KeyEncoding.Escape(courseId);

    public static TableEntity StatsEntity(LearnerCourseKey key, Attempt a) => new(StatsPartition(a.CourseId), StatsRow(key, a.AttemptId))
    {
        ["AttemptId"] = a.AttemptId,
        ["Email"] = a.Email,
        ["LearnerHash"] = key.LearnerHash,
        ["CourseId"] = a.CourseId,
        ["Origin"] = WireNames.Of(a.Origin),
        ["Platform"] = WireNames.Of(a.Platform),
        ["Status"] = WireNames.Of(a.Status),
        ["Progress"] = a.Progress,
        ["Result"] = a.Result == AttemptResult.None ? null : WireNames.Of(a.Result),
        ["Score"] = a.Score,
        ["FirstActivityAt"] = a.FirstActivityAt,
        ["LastActivityAt"] = a.LastActivityAt,
        ["CompletedAt"] = a.CompletedAt,
        ["TimeSpentMs"] = a.TimeSpentMs,
        ["Go1EnrolmentId"] = a.Go1EnrolmentId,
        ["DurationUnknown"] = a.DurationUnknown,
    };

    public static Attempt ReadStats(TableEntity e) => new()
    {
        AttemptId = e.GetString("AttemptId"),
        Email = e.GetString("Email"),
        CourseId = e.GetString("CourseId"),
        Origin = WireNames.Parse<AttemptOrigin>(e.GetString("Origin")),
        Platform = WireNames.Parse<Platform>(e.GetString("Platform")),
        Status = WireNames.Parse<AttemptStatus>(e.GetString("Status")),
        Progress = e.GetInt32("Progress") ?? 0,
        Result = e.GetString("Result") is { } r ? WireNames.Parse<AttemptResult>(r) : AttemptResult.None,
        Score = e.GetInt32("Score"),
        FirstActivityAt = e.GetDateTimeOffset("FirstActivityAt") ?? throw new InvalidDataException("FirstActivityAt missing"),
        LastActivityAt = e.GetDateTimeOffset("LastActivityAt") ?? throw new InvalidDataException("LastActivityAt missing"),
        CompletedAt = e.GetDateTimeOffset("CompletedAt"),
        TimeSpentMs = e.GetInt64("TimeSpentMs") ?? 0,
        Go1EnrolmentId = e.GetString("Go1EnrolmentId"),
        DurationUnknown = e.GetBoolean("DurationUnknown") ?? false,
    };
}
