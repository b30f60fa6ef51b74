namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// Keeps the read side in line with an aggregate: the per-course stats rows (batched, one
/// entity-group transaction per 100 attempts since they share the course partition) and, through
/// <see cref="OpenAttemptIndex"/> (which owns its keys, due times and back-off), the open-attempt
/// index the sweep reads in time order. Every write is an idempotent upsert or a delete that
/// tolerates "not found", so running it twice is harmless.
/// </summary>
public sealed class TableAttemptProjection(TableServiceClient tables, OpenAttemptIndex index) : IAttemptProjection
{
    private const int MaxBatch = 100;

    private readonly TableClient _stats = tables.GetTableClient(TableNames.AttemptStats);

    public async Task UpdateAsync(LearnerCourseKey key, IReadOnlyList<Attempt> before, IReadOnlyList<Attempt> after, CancellationToken cancellationToken)
    {
        var previous = before.ToDictionary(a => a.AttemptId, StringComparer.Ordinal);
        var changed = after.Where(a => !previous.TryGetValue(a.AttemptId, out var old) || old != a).ToList();
        var remaining = after.Select(a => a.AttemptId).ToHashSet(StringComparer.Ordinal);
        var removed = before.Where(b => !remaining.Contains(b.AttemptId)).ToList();

        await UpsertStatsAsync(key, changed, cancellationToken).ConfigureAwait(false);
        foreach (var gone in removed)
            await _stats.DeleteEntityAsync(key.CourseKey, StatsRow(key, gone.AttemptId), ETag.All, cancellationToken).ConfigureAwait(false);

        await index.TrackAsync(key, changed.Where(a => a.Status == AttemptStatus.Open).ToList(), cancellationToken).ConfigureAwait(false);
        // An index row is keyed by first activity: it goes when its attempt closes or disappears,
        // and also when a late, earlier launch moves the attempt's first activity (its key changes).
        var staleRows = changed
            .Where(a => previous.TryGetValue(a.AttemptId, out var old) && old.Status == AttemptStatus.Open
                && (a.Status != AttemptStatus.Open || old.FirstActivityAt != a.FirstActivityAt))
            .Select(a => previous[a.AttemptId])
            .Concat(removed.Where(r => r.Status == AttemptStatus.Open));
        foreach (var stale in staleRows)
            await index.UntrackAsync(key, stale, cancellationToken).ConfigureAwait(false);
    }

    public async Task RepairAsync(LearnerCourseKey key, IReadOnlyList<Attempt> attempts, IReadOnlyCollection<string> touched, CancellationToken cancellationToken)
    {
        await UpsertStatsAsync(key, attempts, cancellationToken).ConfigureAwait(false);

        // Rows of this learner on this course that the fold no longer has (a go1-direct attempt a
        // late launch took over while the previous run stopped half way): one range read of the
        // learner's rows in the course partition, then deletes of what is left over.
        var kept = attempts.Select(a => StatsRow(key, a.AttemptId)).ToHashSet(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {key.CourseKey} and RowKey ge {key.LearnerHash + "_"} and RowKey lt {key.LearnerHash + "`"}");
        var orphans = new List<string>();
        await foreach (var row in _stats.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            if (!kept.Contains(row.RowKey)) orphans.Add(row.RowKey);
        foreach (var orphan in orphans)
            await _stats.DeleteEntityAsync(key.CourseKey, orphan, ETag.All, cancellationToken).ConfigureAwait(false);

        // Index rows only for the attempts the redelivered event is about: rewriting the others
        // would reset the sweep's back-off on every Go1 retry.
        await index.TrackAsync(key, attempts.Where(a => a.Status == AttemptStatus.Open && touched.Contains(a.AttemptId)).ToList(), cancellationToken).ConfigureAwait(false);
        foreach (var closed in attempts.Where(a => a.Status != AttemptStatus.Open && touched.Contains(a.AttemptId)))
            await index.UntrackAsync(key, closed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>RowKey of a stats row: learner id then attempt id, so two learners can never collide on an LMS attempt id.</summary>
    public static string StatsRow(LearnerCourseKey key, string attemptId) => $"{key.LearnerHash}_{KeyEncoding.Escape(attemptId)}";

    public static string StatsPartition(string courseId) => KeyEncoding.Escape(courseId);

    private async Task UpsertStatsAsync(LearnerCourseKey key, IReadOnlyList<Attempt> attempts, CancellationToken cancellationToken)
    {
        foreach (var batch in attempts.Chunk(MaxBatch))
        {
            var actions = batch.Select(a => new TableTransactionAction(TableTransactionActionType.UpsertReplace, StatsEntity(key, a)));
            await _stats.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        }
    }

    internal static TableEntity StatsEntity(LearnerCourseKey key, Attempt a) => new(StatsPartition(a.CourseId), StatsRow(key, a.AttemptId))
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

    internal static Attempt ReadStats(TableEntity e) => new()
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
