using System.Security.Cryptography;
using System.Text;
using Go1Sync.Core.Sweep;

namespace Go1Sync.Infrastructure.Storage;

/// <summary>One row of the open-attempt index, as the sweep reads it.</summary>
public sealed record OpenAttemptRow(string RowKey, string LearnerHash, string CourseId, string AttemptId, int Checks);

/// <summary>
/// The open-attempt index (table <c>OpenAttempts</c>), owned here alone: its keys and rows, storing
/// the due time and back-off that <see cref="SweepPolicy"/> (Core, no I/O) decides. The projection
/// tells it about activity (<see cref="TrackAsync"/>, <see cref="UntrackAsync"/>); the sweep reads
/// the due rows and reports what it did (<see cref="DueAsync"/>, <see cref="Review"/>,
/// <see cref="DeferAsync"/>, <see cref="BackOffAsync"/>).
/// </summary>
public sealed class OpenAttemptIndex(TableServiceClient tables, IOptions<SweepOptions> options, AttemptRules rules)
{
    private readonly SweepPolicy _policy = new(Settings(options.Value), rules);

    public static SweepSettings Settings(SweepOptions options) => new(options.StaleAfter, options.MaxBackoff, options.GiveUpAfter);

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

    /// <summary>When an attempt with no further activity is worth asking Go1 about (<see cref="SweepPolicy.DueAt"/>).</summary>
    public DateTimeOffset DueAt(Attempt attempt) => _policy.DueAt(attempt);

    /// <summary>The back-off after <paramref name="checks"/> questions (<see cref="SweepPolicy.Backoff"/>).</summary>
    public static TimeSpan Backoff(SweepOptions settings, int checks) => SweepPolicy.Backoff(Settings(settings), checks);

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

    /// <summary>What a due row deserves, given its attempt in the aggregate now (null: no such attempt): the policy's decision on the row's data.</summary>
    public SweepDecision Review(LearnerCourseKey key, OpenAttemptRow row, Attempt? attempt, DateTimeOffset now) =>
        _policy.Review(attempt, attempt is not null && RowKey(key, attempt) == row.RowKey, now);

    public async Task RemoveAsync(OpenAttemptRow row, CancellationToken cancellationToken) =>
        await _table.DeleteEntityAsync(Partition, row.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);

    /// <summary>Stores a <see cref="SweepAction.Defer"/> decision: the row's next due time and checks.</summary>
    public Task DeferAsync(OpenAttemptRow row, SweepDecision decision, CancellationToken cancellationToken) =>
        DeferAsync(row, decision.NextCheckAt ?? throw new ArgumentException("Only a deferral has a next check.", nameof(decision)), decision.Checks, cancellationToken);

    /// <summary>Go1 was asked about the row's attempt and had nothing new: one more check, asked again after the back-off.</summary>
    public Task BackOffAsync(OpenAttemptRow row, DateTimeOffset now, CancellationToken cancellationToken) =>
        DeferAsync(row, _policy.AfterAsking(row.Checks, now), cancellationToken);

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
