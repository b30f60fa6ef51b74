namespace Go1Sync.Infrastructure.Reconciliation;

/// <summary>
/// Where the reconciliation stands: Go1's <c>updated_time</c> read up to, and the last run.
/// <see cref="Resume"/>: where a run stopped by the page cap left off, so the next run goes on
/// from there exactly instead of re-reading the overlap (a burst larger than one run inside the
/// overlap would otherwise be read again and again).
/// </summary>
public sealed record ReconciliationState(
    DateTimeOffset? Watermark,
    DateTimeOffset? ReadUpTo,
    DateTimeOffset? LastRunAt,
    string? LastOutcome,
    string? LeaseOwner,
    DateTimeOffset? LeaseUntil,
    ScanCursor? Resume = null);

/// <summary>Where a backfill of one window stopped: the lower bound it reads from and how many hits at exactly that bound it has read.</summary>
public sealed record ScanCursor(DateTimeOffset From, int SkipAtFrom);

/// <summary>A backfill's saved position, so a stopped backfill of the same window resumes instead of starting over.</summary>
public sealed record BackfillCheckpoint(ScanCursor Cursor, long Pages, long Listed, long Queued, bool Done);

/// <summary>Thrown when another run took the reconciliation lease: this run must stop without saving anything.</summary>
public sealed class ReconciliationLeaseLostException(string message) : Exception(message);

/// <summary>
/// The table <c>Reconciliation</c>. One row holds the watermark and the lease: taking the lease is a
/// conditional write on that row, so the timer and the CLI (or two instances) cannot both read Go1
/// at once, and only the holder of the lease can move the watermark. Backfill checkpoints are rows
/// of their own, keyed by their window.
/// </summary>
public sealed class ReconciliationStateStore(TableServiceClient tables)
{
    public const string StatePartition = "watermark";
    public const string StateRow = "completed";
    public const string BackfillPartition = "backfill";

    private readonly TableClient _table = tables.GetTableClient(TableNames.Reconciliation);

    /// <summary>A held lease: its owner and the ETag of the state row as the owner last wrote it.</summary>
    public sealed class Lease(string owner, ETag etag, ReconciliationState state)
    {
        public string Owner { get; } = owner;
        internal ETag ETag { get; set; } = etag;
        /// <summary>The state as it was when the lease was taken.</summary>
        public ReconciliationState State { get; } = state;
    }

    public async Task<ReconciliationState?> ReadAsync(CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(StatePartition, StateRow, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue && row.Value is { } e ? State(e) : null;
    }

    /// <summary>Takes the lease until <paramref name="until"/>, or returns the state of whoever holds it (null lease).</summary>
    public async Task<(Lease? Lease, ReconciliationState? Holder)> TryAcquireAsync(string owner, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var existing = await _table.GetEntityIfExistsAsync<TableEntity>(StatePartition, StateRow, cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            if (!existing.HasValue || existing.Value is null)
            {
                var fresh = new TableEntity(StatePartition, StateRow) { ["LeaseOwner"] = owner, ["LeaseUntil"] = until };
                var added = await _table.AddEntityAsync(fresh, cancellationToken).ConfigureAwait(false);
                return (new Lease(owner, added.Headers.ETag ?? ETag.All, State(fresh)), null);
            }

            var row = existing.Value;
            var state = State(row);
            if (state.LeaseUntil > now && state.LeaseOwner != owner)
                return (null, state);
            var update = new TableEntity(StatePartition, StateRow) { ["LeaseOwner"] = owner, ["LeaseUntil"] = until };
            var updated = await _table.UpdateEntityAsync(update, row.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            return (new Lease(owner, updated.Headers.ETag ?? ETag.All, state), null);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Another run took it between our read and our write.
            return (null, await ReadAsync(cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>Extends the lease; throws <see cref="ReconciliationLeaseLostException"/> if another run has taken it since.</summary>
    public Task RenewAsync(Lease lease, DateTimeOffset until, CancellationToken cancellationToken) =>
        WriteAsync(lease, new TableEntity(StatePartition, StateRow) { ["LeaseUntil"] = until }, cancellationToken);

    /// <summary>Ends the lease, recording the run; the watermark moves only when <paramref name="watermark"/> is given.</summary>
    /// <param name="resume">Null: leave the resume point as it is; a value: set it (<see cref="NoResume"/> clears it).</param>
    public Task ReleaseAsync(Lease lease, DateTimeOffset ranAt, string outcome, DateTimeOffset? watermark, DateTimeOffset? readUpTo, CancellationToken cancellationToken, ScanCursor? resume = null)
    {
        var entity = new TableEntity(StatePartition, StateRow)
        {
            ["LeaseOwner"] = "",
            ["LeaseUntil"] = ranAt,
            ["LastRunAt"] = ranAt,
            ["LastOutcome"] = outcome.Length > 1_000 ? outcome[..1_000] : outcome,
        };
        if (watermark is not null) entity["Watermark"] = watermark.Value;
        if (readUpTo is not null) entity["ReadUpTo"] = readUpTo.Value;
        if (resume is not null) entity["Resume"] = resume == NoResume ? "" : $"{Core.Attempts.Instants.Format(resume.From)}|{resume.SkipAtFrom}";
        return WriteAsync(lease, entity, cancellationToken);
    }

    public async Task<BackfillCheckpoint?> ReadCheckpointAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(BackfillPartition, BackfillRow(from, to), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!row.HasValue || row.Value is not { } e || e.GetDateTimeOffset("CursorFrom") is not { } cursorFrom) return null;
        return new BackfillCheckpoint(new ScanCursor(cursorFrom, e.GetInt32("SkipAtFrom") ?? 0),
            e.GetInt64("Pages") ?? 0, e.GetInt64("Listed") ?? 0, e.GetInt64("Queued") ?? 0, e.GetBoolean("Done") ?? false);
    }

    public async Task SaveCheckpointAsync(DateTimeOffset from, DateTimeOffset to, BackfillCheckpoint checkpoint, CancellationToken cancellationToken) =>
        await _table.UpsertEntityAsync(new TableEntity(BackfillPartition, BackfillRow(from, to))
        {
            ["CursorFrom"] = checkpoint.Cursor.From,
            ["SkipAtFrom"] = checkpoint.Cursor.SkipAtFrom,
            ["Pages"] = checkpoint.Pages,
            ["Listed"] = checkpoint.Listed,
            ["Queued"] = checkpoint.Queued,
            ["Done"] = checkpoint.Done,
        }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);

    private async Task WriteAsync(Lease lease, TableEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _table.UpdateEntityAsync(entity, lease.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            lease.ETag = response.Headers.ETag ?? ETag.All;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            throw new ReconciliationLeaseLostException(
                $"Another reconciliation took the lease from {lease.Owner} (its lease had expired); this run stops and saves nothing.");
        }
    }

    private static string BackfillRow(DateTimeOffset from, DateTimeOffset to) =>
        KeyEncoding.Escape($"{Core.Attempts.Instants.Format(from)}_{Core.Attempts.Instants.Format(to)}");

    /// <summary>Passed to <see cref="ReleaseAsync"/> to clear the resume point after a complete read.</summary>
    public static readonly ScanCursor NoResume = new(DateTimeOffset.MinValue, -1);

    private static ScanCursor? Resume(string? stored)
    {
        if (string.IsNullOrEmpty(stored) || stored.Split('|') is not [var from, var skip]) return null;
        // Written by Instants.Format (UTC with Z), so read by the one strict reader.
        return Core.Attempts.Instants.TryParseIso8601(from, out var at)
            && int.TryParse(skip, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? new ScanCursor(at, n)
            : null;
    }

    private static ReconciliationState State(TableEntity e) => new(
        e.GetDateTimeOffset("Watermark"),
        e.GetDateTimeOffset("ReadUpTo"),
        e.GetDateTimeOffset("LastRunAt"),
        e.GetString("LastOutcome"),
        string.IsNullOrEmpty(e.GetString("LeaseOwner")) ? null : e.GetString("LeaseOwner"),
        e.GetDateTimeOffset("LeaseUntil"),
        Resume(e.GetString("Resume")));
}
