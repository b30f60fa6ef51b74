using System.Security.Cryptography;
using System.Text;
using Go1Sync.Core.Sweep;

namespace Go1Sync.Infrastructure.Storage;

/// <summary>A sweep run's due rows, and the course it stopped in when it reached <c>Sweep__MaxPerRun</c> (null: it read every course).</summary>
public sealed record DueRows(IReadOnlyList<OpenAttemptRow> Rows, string? StoppedAt);

/// <summary>One row of the open-attempt index, as the sweep reads it (<paramref name="CourseKey"/>: its partition).</summary>
public sealed record OpenAttemptRow(string CourseKey, string RowKey, string LearnerHash, string CourseId, string AttemptId, int Checks);

/// <summary>
/// The open-attempt index, owned here alone: its keys and rows, storing the due time and back-off
/// that <see cref="SweepPolicy"/> (Core, no I/O) decides. Its rows live in each course's partition of
/// <c>AttemptStats</c> (<see cref="CourseRows"/>) and are written by the aggregate's own batch
/// (<see cref="Track"/>, <see cref="Untrack"/> build the operations), so an open attempt has its row
/// exactly when the committed aggregate says it is open. The courses that have rows are listed in
/// <c>OpenAttempts</c>, partition <c>courses</c> (<see cref="RegisterCourseAsync"/>), so the sweep reads
/// the due range of each course and never scans a table. The sweep reads the due rows and reports
/// what it did (<see cref="DueAsync"/>, <see cref="Review"/>, <see cref="DeferAsync"/>, <see cref="BackOffAsync"/>).
/// </summary>
public sealed class OpenAttemptIndex(TableServiceClient tables, IOptions<SweepOptions> options, AttemptRules rules)
{
    private readonly SweepPolicy _policy = new(Settings(options.Value), rules);

    public static SweepSettings Settings(SweepOptions options) => new(options.StaleAfter, options.MaxBackoff, options.GiveUpAfter);

    /// <summary>The partition of <c>OpenAttempts</c> listing the courses whose partitions hold index rows.</summary>
    public const string CoursesPartition = "courses";

    /// <summary>The one partition of the index before the course-partitioned layout (storage v3); read only by the upgrade, erasure and the learner-id migration.</summary>
    public const string LegacyPartition = "open";

    private readonly TableClient _rows = tables.GetTableClient(TableNames.AttemptStats);
    private readonly TableClient _courses = tables.GetTableClient(TableNames.OpenAttempts);

    /// <summary>
    /// RowKey of a row: <see cref="CourseRows.OpenPrefix"/>, first activity (so a range read returns
    /// the oldest first) then a hash of the attempt's identity, which keeps the key short whatever the ids look like.
    /// </summary>
    public static string RowKey(LearnerCourseKey key, Attempt attempt) => CourseRows.OpenPrefix + LegacyRowKey(key, attempt);

    /// <summary>The row's key in the legacy partition (<see cref="LegacyPartition"/>).</summary>
    public static string LegacyRowKey(LearnerCourseKey key, Attempt attempt)
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
    /// The operation that indexes an open attempt, due at its fresh due time with no checks (an
    /// upsert: it creates a missing row and restarts an existing one's back-off).
    /// </summary>
    public TableTransactionAction Track(LearnerCourseKey key, Attempt open) =>
        new(TableTransactionActionType.UpsertMerge, new TableEntity(key.CourseKey, RowKey(key, open))
        {
            ["LearnerHash"] = key.LearnerHash,
            ["CourseId"] = open.CourseId,
            ["AttemptId"] = open.AttemptId,
            ["LastActivityAt"] = open.LastActivityAt,
            ["NextCheckAt"] = DueAt(open),
            ["Checks"] = 0,
        });

    /// <summary>The operation that deletes the row of an attempt as it was indexed (closed, gone, or re-keyed by an earlier first activity).</summary>
    public static TableTransactionAction Untrack(LearnerCourseKey key, Attempt asIndexed) =>
        new(TableTransactionActionType.Delete, new TableEntity(key.CourseKey, RowKey(key, asIndexed)), ETag.All);

    /// <summary>
    /// Lists the course for the sweep (an upsert, so repeating it is harmless). Once this instance has
    /// listed a course it does not send the upsert again: nothing in the app removes a row of the list,
    /// so only an instance's first new pair on a course pays the write. (A list emptied by hand is
    /// filled again by instances started after it.)
    /// </summary>
    public async Task RegisterCourseAsync(string courseKey, string courseId, CancellationToken cancellationToken)
    {
        if (_listed.ContainsKey(courseKey)) return;
        await _courses.UpsertEntityAsync(new TableEntity(CoursesPartition, courseKey) { ["CourseId"] = courseId }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        if (_listed.Count < MaxListedRemembered) _listed.TryAdd(courseKey, 0);
    }

    /// <summary>Bounds the memory of <see cref="RegisterCourseAsync"/>: beyond it, a course is listed on each new pair as before.</summary>
    internal const int MaxListedRemembered = 100_000;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _listed = new(StringComparer.Ordinal);

    /// <summary>The courses listed for the sweep (keys only): one query.</summary>
    public async Task<IReadOnlyList<string>> CoursesAsync(CancellationToken cancellationToken)
    {
        var courses = new List<string>();
        await foreach (var row in _courses.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {CoursesPartition}"), select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            courses.Add(row.RowKey);
        return courses;
    }

    /// <summary>
    /// The due rows, oldest first within a course, at most <c>Sweep__MaxPerRun</c>: one query for the
    /// courses, then one range query per course. Rows are keyed by first activity, so an attempt
    /// that started less than StaleAfter ago is not even read; <c>NextCheckAt</c> holds the back-off.
    /// The courses are read in key order starting after <paramref name="resumeAfter"/> (where the
    /// last run that filled up stopped) and wrapping round, so rows that stay due on one course
    /// (Go1 failing for its learners) cannot hold the courses after it back run after run.
    /// </summary>
    public async Task<DueRows> DueAsync(DateTimeOffset now, string? resumeAfter, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var due = new List<OpenAttemptRow>();
        var courses = await CoursesAsync(cancellationToken).ConfigureAwait(false);
        var after = resumeAfter is null ? [] : courses.Where(c => string.CompareOrdinal(c, resumeAfter) > 0).ToList();
        foreach (var course in after.Concat(courses.Except(after)))
        {
            var filter = TableClient.CreateQueryFilter(
                $"PartitionKey eq {course} and RowKey ge {CourseRows.OpenPrefix} and RowKey lt {CourseRows.OpenPrefix + RowPrefix(now - settings.StaleAfter)} and NextCheckAt le {now}");
            await foreach (var page in _rows.QueryAsync<TableEntity>(filter, maxPerPage: settings.MaxPerRun - due.Count, cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
            {
                due.AddRange(page.Values.Take(settings.MaxPerRun - due.Count).Select(e =>
                    new OpenAttemptRow(e.PartitionKey, e.RowKey, e.GetString("LearnerHash"), e.GetString("CourseId"), e.GetString("AttemptId"), e.GetInt32("Checks") ?? 0)));
                if (due.Count >= settings.MaxPerRun) break;
            }
            // Full: the next run starts after this course. Its rows past the ones read wait for the rotation
            // to come back; rows that stay due on this course are read first again then (a known limit).
            if (due.Count >= settings.MaxPerRun) return new DueRows(due, course);
        }
        return new DueRows(due, null);
    }

    /// <summary>What a due row deserves, given its attempt in the aggregate now (null: no such attempt): the policy's decision on the row's data.</summary>
    public SweepDecision Review(LearnerCourseKey key, OpenAttemptRow row, Attempt? attempt, DateTimeOffset now) =>
        _policy.Review(attempt, attempt is not null && RowKey(key, attempt) == row.RowKey, now);

    /// <summary>
    /// Deletes a row the sweep found with no reason to be (legacy-closed, given up). A later event
    /// that closes its attempt then finds no row to delete: its batch fails with 404 and
    /// <see cref="TableAttemptStore"/> writes the read side in full instead, which tolerates it.
    /// </summary>
    public async Task RemoveAsync(OpenAttemptRow row, CancellationToken cancellationToken) =>
        await _rows.DeleteEntityAsync(row.CourseKey, row.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);

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
            await _rows.UpdateEntityAsync(new TableEntity(row.CourseKey, row.RowKey) { ["NextCheckAt"] = nextCheckAt, ["Checks"] = checks }, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // The attempt completed (and its row went) while the sweep was looking at it: nothing to defer.
        }
    }
}
