using System.Security.Cryptography;
using System.Text;

namespace Go1Sync.Infrastructure.Storage;

/// <summary>One row of the open-attempt index, as the sweep reads it.</summary>
public sealed record OpenAttemptRow(string RowKey, string LearnerHash, string CourseId, string AttemptId, int Checks);

/// <summary>What the sweep is to do with a due row, given the attempt the aggregate holds now.</summary>
public enum OpenAttemptReview
{
    /// <summary>The row has no reason to be (attempt gone, closed, re-keyed, legacy-closed or abandoned): delete it.</summary>
    Remove,
    /// <summary>The attempt had activity the row missed and is not stale yet: move the row to its fresh due time.</summary>
    NotStaleYet,
    /// <summary>Worth asking Go1 about; afterwards <see cref="OpenAttemptIndex.BackOffAsync"/>.</summary>
    Stale,
}

/// <summary>
/// The open-attempt index (table <c>OpenAttempts</c>), owned here alone: its keys, the due time
/// of a row and the sweep's back-off. The projection tells it about activity
/// (<see cref="TrackAsync"/>, <see cref="UntrackAsync"/>); the sweep reads the due rows and
/// reports what it did (<see cref="DueAsync"/>, <see cref="Review"/>, <see cref="BackOffAsync"/>).
/// <para>
/// The policy: a row is due <c>Sweep__StaleAfter</c> after its attempt's last activity. Each
/// question to Go1 that finds nothing backs it off (30 min, 1 h, 2 h, ... up to
/// <c>Sweep__MaxBackoff</c>) and counts in <c>Checks</c>. Activity written by the projection
/// (a launch or continue, or a redelivery restoring the row) starts over: due again after
/// <c>StaleAfter</c>, no checks.
/// </para>
/// </summary>
public sealed class OpenAttemptIndex(TableServiceClient tables, IOptions<SweepOptions> options, AttemptRules rules)
{
    public const string Partition = "open";
    private const int MaxBatch = 100;

    private readonly TableClient _table = tables.GetTableClient(TableNames.OpenAttempts);

    /// <summary>
    /// RowKey of a row: first activity (so a range read returns the oldest first) then a hash of
    /// the attempt's identity, which keeps the key short whatever the ids look like.
    /// </summary>
    public static string RowKey(LearnerCourseKey key, Attempt attempt)
    {
        var identity = SHA256.HashData(Encoding.UTF8.GetBytes($"{key.LearnerHash}\n{attempt.CourseId}\n{attempt.AttemptId}"));
        return $"{RowPrefix(attempt.FirstActivityAt)}_{Convert.ToHexStringLower(identity.AsSpan(0, 16))}";
    }

    public static string RowPrefix(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyyMMddHHmmssfff", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>When an attempt with no further activity is worth asking Go1 about.</summary>
    public DateTimeOffset DueAt(Attempt attempt) => attempt.LastActivityAt + options.Value.StaleAfter;

    /// <summary>Doubling from StaleAfter, capped at MaxBackoff: an attempt abandoned for a month is not asked about every 5 minutes.</summary>
    public static TimeSpan Backoff(SweepOptions settings, int checks)
    {
        var factor = Math.Pow(2, Math.Min(checks - 1, 30));
        var ticks = Math.Min(settings.StaleAfter.Ticks * factor, settings.MaxBackoff.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>
    /// Rows for these open attempts of one learner and course, due at their fresh due time with
    /// no checks (an upsert: it creates a missing row and restarts an existing one's back-off).
    /// One entity-group transaction per 100 attempts.
    /// </summary>
    public async Task TrackAsync(LearnerCourseKey key, IReadOnlyList<Attempt> open, CancellationToken cancellationToken)
    {
        foreach (var batch in open.Chunk(MaxBatch))
        {
            var actions = batch.Select(a => new TableTransactionAction(TableTransactionActionType.UpsertMerge, new TableEntity(Partition, RowKey(key, a))
            {
                ["LearnerHash"] = key.LearnerHash,
                ["CourseId"] = a.CourseId,
                ["AttemptId"] = a.AttemptId,
                ["LastActivityAt"] = a.LastActivityAt,
                ["NextCheckAt"] = DueAt(a),
                ["Checks"] = 0,
            }));
            await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes the row of an attempt as it was indexed (closed, gone, or re-keyed by an earlier first activity); a missing row is fine.</summary>
    public async Task UntrackAsync(LearnerCourseKey key, Attempt asIndexed, CancellationToken cancellationToken) =>
        await _table.DeleteEntityAsync(Partition, RowKey(key, asIndexed), ETag.All, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The due rows, oldest first, at most <c>Sweep__MaxPerRun</c>: one query. Rows are keyed by
    /// first activity, so an attempt that started less than StaleAfter ago is not even read;
    /// <c>NextCheckAt</c> holds the back-off.
    /// </summary>
    public async Task<IReadOnlyList<OpenAttemptRow>> DueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {Partition} and RowKey lt {RowPrefix(now - settings.StaleAfter)} and NextCheckAt le {now}");
        var due = new List<OpenAttemptRow>();
        await foreach (var page in _table.QueryAsync<TableEntity>(filter, maxPerPage: settings.MaxPerRun, cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            due.AddRange(page.Values.Take(settings.MaxPerRun - due.Count).Select(e =>
                new OpenAttemptRow(e.RowKey, e.GetString("LearnerHash"), e.GetString("CourseId"), e.GetString("AttemptId"), e.GetInt32("Checks") ?? 0)));
            if (due.Count >= settings.MaxPerRun) break;
        }
        return due;
    }

    /// <summary>What a due row deserves, given its attempt in the aggregate now (null: no such attempt).</summary>
    public OpenAttemptReview Review(LearnerCourseKey key, OpenAttemptRow row, Attempt? attempt, DateTimeOffset now)
    {
        // Rows of attempts that are gone, closed, moved, legacy-closed (a continue re-indexes
        // those) or abandoned for longer than Sweep__GiveUpAfter.
        if (attempt is null || attempt.Status != AttemptStatus.Open || RowKey(key, attempt) != row.RowKey
            || rules.IsLegacyClosed(attempt, now) || now - attempt.LastActivityAt > options.Value.GiveUpAfter)
            return OpenAttemptReview.Remove;
        return DueAt(attempt) > now ? OpenAttemptReview.NotStaleYet : OpenAttemptReview.Stale;
    }

    public async Task RemoveAsync(OpenAttemptRow row, CancellationToken cancellationToken) =>
        await _table.DeleteEntityAsync(Partition, row.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);

    /// <summary>A row that missed its attempt's activity: due at the fresh due time, no checks.</summary>
    public Task CatchUpAsync(OpenAttemptRow row, Attempt attempt, CancellationToken cancellationToken) =>
        DeferAsync(row, DueAt(attempt), checks: 0, cancellationToken);

    /// <summary>Go1 was asked about the row's attempt and had nothing new: one more check, asked again after the back-off.</summary>
    public Task BackOffAsync(OpenAttemptRow row, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var checks = row.Checks + 1;
        return DeferAsync(row, now + Backoff(options.Value, checks), checks, cancellationToken);
    }

    private async Task DeferAsync(OpenAttemptRow row, DateTimeOffset nextCheckAt, int checks, CancellationToken cancellationToken)
    {
        try
        {
            await _table.UpdateEntityAsync(new TableEntity(Partition, row.RowKey) { ["NextCheckAt"] = nextCheckAt, ["Checks"] = checks }, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // The attempt completed (and its row went) while the sweep was looking at it: nothing to defer.
        }
    }
}
