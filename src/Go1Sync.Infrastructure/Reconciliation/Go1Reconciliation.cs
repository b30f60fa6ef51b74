using System.Collections.Concurrent;
using Go1Sync.Infrastructure.Go1;

namespace Go1Sync.Infrastructure.Reconciliation;

/// <summary>What one reconciliation or backfill run did.</summary>
/// <param name="Outcome"><c>ok</c>, <c>partial</c> (page cap reached; the rest is the next run's), <c>skipped</c> (another run holds the lease) or <c>failed</c>.</param>
public sealed record ReconcileResult(
    string Mode,
    string Outcome,
    DateTimeOffset RanAt,
    DateTimeOffset From,
    DateTimeOffset To,
    long Pages,
    long Listed,
    long AlreadyApplied,
    long Queued,
    long Ignored,
    int UsersResolved,
    DateTimeOffset? Watermark,
    string? Detail = null);

/// <summary>After each list page: how far a run has got, for a progress display.</summary>
/// <param name="Remaining">Go1's count of the enrolments still ahead in the window (its <c>total</c> less what was read).</param>
public sealed record ScanProgress(long Pages, long Listed, long Queued, long Remaining, DateTimeOffset Position);

/// <summary>
/// Every completed enrolment in the Go1 portal reaches the statistics, whether or not its webhook
/// arrived. A run lists Go1's completed enrolments changed since the watermark (less an overlap,
/// because Go1's list is served from a reporting index that can lag), oldest change first, and
/// queues each completion the learner's history lacks as the same message a webhook would carry.
/// The watermark is Go1's own <c>updated_time</c> of what was read, and moves only when the run
/// has read and queued every page up to it. One run at a time (a lease on the watermark row).
/// <para>
/// Paging is by seek, not by deep offsets: each page asks again from the <c>updated_time</c> of the
/// last hit read, skipping the hits at exactly that instant already read. The window narrows as it
/// is read, so Go1's 10,000 cap on offset + limit is never reached unless more than 10,000
/// completions share one instant (then the run fails, saying so), and a portal with a burst of
/// 100,000 completions is read whole at one request per 50 enrolments.
/// </para>
/// </summary>
public sealed class Go1Reconciliation(
    ReconciliationStateStore state,
    Go1CompletionQueue completions,
    IAttemptStore store,
    IOptions<ReconcileOptions> options,
    TimeProvider time,
    ProcessingMetrics metrics,
    ILogger<Go1Reconciliation> logger,
    LearnerIds ids,
    IGo1Enrolments? go1 = null,
    IGo1Directory? directory = null)
{
    /// <summary>Renewed after every page, so a run that died frees the reconciliation within this long.</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromMinutes(5);

    public const string ModeReconcile = "reconcile";
    public const string ModeBackfill = "backfill";

    public bool IsConfigured => go1 is not null && directory is not null;

    // What a run's scan uses (primary-constructor parameters are not visible to a nested class).
    private IGo1Enrolments Go1 => go1 ?? throw new InvalidOperationException("No Go1 API is configured.");
    private IGo1Directory Directory => directory ?? throw new InvalidOperationException("No Go1 API is configured.");
    private ReconciliationStateStore State => state;
    private Go1CompletionQueue Completions => completions;
    private IAttemptStore Store => store;
    private ProcessingMetrics Metrics => metrics;
    private TimeProvider Time => time;
    private LearnerIds Ids => ids;

    /// <summary>One scheduled run: from the watermark (less the overlap) to now.</summary>
    public async Task<ReconcileResult> RunOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        return await WithLeaseAsync(ModeReconcile, now, async lease =>
        {
            // After a run the page cap stopped, go on exactly where it left off; otherwise re-read the overlap.
            var start = lease.State.Resume
                ?? new ScanCursor(lease.State.Watermark is { } w ? w - settings.Overlap : now - settings.InitialLookback, 0);
            var from = start.From;
            var scan = NewScan(lease);
            var complete = await scan.RunAsync(start, now, settings.MaxPagesPerRun, null, cancellationToken).ConfigureAwait(false);
            // Never backwards: an overlap that read nothing new leaves the watermark where it was.
            var watermark = Max(lease.State.Watermark, scan.MaxUpdated);
            var outcome = complete ? "ok" : "partial";
            var readUpTo = complete ? now : scan.Position.From;
            await state.ReleaseAsync(lease, now, Describe(outcome, scan), watermark, readUpTo, cancellationToken,
                resume: complete ? ReconciliationStateStore.NoResume : scan.Position).ConfigureAwait(false);
            return Result(ModeReconcile, outcome, now, from, now, scan, watermark,
                complete ? null : $"stopped after Reconcile__MaxPagesPerRun={settings.MaxPagesPerRun} pages; the next run goes on from {Instants.Format(scan.Position.From)}");
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Onboarding: the same reading over an explicit window. Resumable: a backfill of the same window
    /// that stopped goes on from its checkpoint, and re-reading applies nothing twice. The watermark is
    /// left alone.
    /// </summary>
    public async Task<ReconcileResult> BackfillAsync(DateTimeOffset since, DateTimeOffset until, IProgress<ScanProgress>? progress, CancellationToken cancellationToken)
    {
        if (until < since) throw new ArgumentException("The window ends before it starts.", nameof(until));
        var now = time.GetUtcNow();
        return await WithLeaseAsync(ModeBackfill, now, async lease =>
        {
            var checkpoint = await state.ReadCheckpointAsync(since, until, cancellationToken).ConfigureAwait(false);
            var resume = checkpoint is { Done: false } ? checkpoint : null;
            var scan = NewScan(lease, resume);
            async Task SaveAsync(ScanCursor cursor, bool done) =>
                await state.SaveCheckpointAsync(since, until, new BackfillCheckpoint(cursor, scan.Pages, scan.Listed, scan.Queued, done), cancellationToken).ConfigureAwait(false);

            await scan.RunAsync(resume?.Cursor ?? new ScanCursor(since, 0), until, int.MaxValue, async (p, cursor) =>
            {
                progress?.Report(p);
                await SaveAsync(cursor, done: false).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            await SaveAsync(scan.Position, done: true).ConfigureAwait(false);
            await state.ReleaseAsync(lease, now, $"backfill {Instants.Format(since)}..{Instants.Format(until)}: {Describe("ok", scan)}", null, null, cancellationToken).ConfigureAwait(false);
            return Result(ModeBackfill, "ok", now, since, until, scan, null,
                resume is null ? null : $"resumed a stopped backfill of this window after {resume.Pages} pages");
        }, cancellationToken).ConfigureAwait(false);
    }

    private Scan NewScan(ReconciliationStateStore.Lease lease, BackfillCheckpoint? resume = null) =>
        new(this, lease, new Go1Pacer(options.Value.RequestsPerSecond, time), resume);

    private async Task<ReconcileResult> WithLeaseAsync(string mode, DateTimeOffset now, Func<ReconciliationStateStore.Lease, Task<ReconcileResult>> run, CancellationToken cancellationToken)
    {
        if (!IsConfigured)
            throw new InvalidOperationException("No Go1 API is configured (set Go1__ClientId and Go1__ClientSecret): there is nothing to reconcile with.");

        var owner = $"{mode}:{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
        var (lease, holder) = await state.TryAcquireAsync(owner, now, now + LeaseDuration, cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            var detail = $"another reconciliation ({holder?.LeaseOwner ?? "unknown"}) holds the lease until {(holder?.LeaseUntil is { } u ? Instants.Format(u) : "?")}";
            logger.LogInformation("Go1 {Mode} skipped: {Detail}", mode, detail);
            return new ReconcileResult(mode, "skipped", now, now, now, 0, 0, 0, 0, 0, 0, holder?.Watermark, detail);
        }

        try
        {
            var result = await run(lease).ConfigureAwait(false);
            logger.LogInformation(
                "Go1 {Mode} {Outcome}: {Pages} pages, {Listed} completed enrolments listed, {AlreadyApplied} already applied, {Queued} queued, {Ignored} ignored, {Users} users resolved; watermark {Watermark}",
                mode, result.Outcome, result.Pages, result.Listed, result.AlreadyApplied, result.Queued, result.Ignored, result.UsersResolved, result.Watermark);
            return result;
        }
        catch (ReconciliationLeaseLostException)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever was queued stays queued (it applies once); the watermark stays where it was.
            logger.LogError(ex, "Go1 {Mode} failed; the watermark stays where it was and the next run reads the same window again", mode);
            try
            {
                await state.ReleaseAsync(lease, now, $"failed: {ex.GetType().Name}: {ex.Message.Split('\n')[0]}", null, null, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception releaseFailure) when (releaseFailure is not OperationCanceledException)
            {
                // The lease then expires by itself; the original failure is the one to report.
                logger.LogWarning(releaseFailure, "Could not release the reconciliation lease after the failure");
            }
            throw;
        }
    }

    private static string Describe(string outcome, Scan scan) =>
        $"{outcome}: {scan.Pages} pages, {scan.Listed} listed, {scan.Queued} queued";

    private static ReconcileResult Result(string mode, string outcome, DateTimeOffset ranAt, DateTimeOffset from, DateTimeOffset to, Scan scan, DateTimeOffset? watermark, string? detail) =>
        new(mode, outcome, ranAt, from, to, scan.Pages, scan.Listed, scan.AlreadyApplied, scan.Queued, scan.Ignored, scan.UsersResolved, watermark, detail);

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    /// <summary>One run's reading of Go1's list, with its per-run caches (users, histories).</summary>
    private sealed class Scan(Go1Reconciliation owner, ReconciliationStateStore.Lease lease, Go1Pacer pacer, BackfillCheckpoint? resume)
    {
        /// <summary>A page's hits are handled this many (learner, course) pairs at a time: storage round trips, not Go1 requests.</summary>
        private const int Parallelism = 8;

        private readonly Dictionary<string, string?> _emails = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<LearnerCourseKey, HashSet<string>> _known = new();
        private long _queued = resume?.Queued ?? 0, _alreadyApplied, _ignored;

        public long Pages { get; private set; } = resume?.Pages ?? 0;
        public long Listed { get; private set; } = resume?.Listed ?? 0;
        public long Queued => Interlocked.Read(ref _queued);
        public long AlreadyApplied => Interlocked.Read(ref _alreadyApplied);
        public long Ignored => Interlocked.Read(ref _ignored);
        public int UsersResolved => _emails.Count;
        public DateTimeOffset? MaxUpdated { get; private set; }
        public ScanCursor Position { get; private set; } = new(DateTimeOffset.MinValue, 0);

        /// <summary>Reads [cursor, to] page by page; true when the window was read to its end, false when the page cap stopped it.</summary>
        public async Task<bool> RunAsync(ScanCursor cursor, DateTimeOffset to, int maxPages, Func<ScanProgress, ScanCursor, Task>? onPage, CancellationToken cancellationToken)
        {
            Position = cursor;
            for (var pages = 0; pages < maxPages; pages++)
            {
                if (cursor.SkipAtFrom + Go1ApiClient.PageSize > Go1ApiClient.MaxListDepth)
                    throw new InvalidOperationException(
                        $"More than {Go1ApiClient.MaxListDepth - Go1ApiClient.PageSize} completed enrolments share updated_time {Instants.Format(cursor.From)}: Go1's list cannot page past {Go1ApiClient.MaxListDepth}, and a narrower window cannot split one instant.");

                await pacer.WaitAsync(cancellationToken).ConfigureAwait(false);
                var page = await owner.Go1.ListCompletedChangedAsync(cursor.From, to, cursor.SkipAtFrom, Go1ApiClient.PageSize, cancellationToken).ConfigureAwait(false);
                Pages++;
                Listed += page.Hits.Count;
                owner.Metrics.ReconcileListed.Add(page.Hits.Count);
                await HandlePageAsync(page.Hits, cancellationToken).ConfigureAwait(false);

                var remaining = Math.Max(0, page.Total - cursor.SkipAtFrom - page.Hits.Count);
                cursor = Advance(cursor, page.Hits);
                Position = cursor;
                // Renewing the lease after every page also proves we still hold it before the next one.
                await owner.State.RenewAsync(lease, owner.Time.GetUtcNow() + LeaseDuration, cancellationToken).ConfigureAwait(false);
                if (onPage is not null)
                    await onPage(new ScanProgress(Pages, Listed, Queued, remaining, cursor.From), cursor).ConfigureAwait(false);
                if (page.Hits.Count == 0 || remaining == 0)
                    return true;
            }
            return false;
        }

        /// <summary>
        /// Seek to the last hit's <c>updated_time</c>, skipping the hits at exactly that instant that were read;
        /// hits without a usable time (or out of order) fall back to a deeper offset from the same bound.
        /// </summary>
        private ScanCursor Advance(ScanCursor cursor, IReadOnlyList<Go1Enrolment> hits)
        {
            foreach (var hit in hits)
                if (hit.UpdatedTime is { } u && (MaxUpdated is null || u > MaxUpdated)) MaxUpdated = u;
            if (hits.Count == 0) return cursor;
            if (hits[^1].UpdatedTime is not { } last || last <= cursor.From)
                return cursor with { SkipAtFrom = cursor.SkipAtFrom + hits.Count };
            return new ScanCursor(last, hits.Count(h => h.UpdatedTime == last));
        }

        /// <summary>
        /// Users first, one paced Go1 request each; then the hits, grouped by (learner, course) so one
        /// group's history is read once and its hits are checked in order, the groups concurrently.
        /// </summary>
        private async Task HandlePageAsync(IReadOnlyList<Go1Enrolment> hits, CancellationToken cancellationToken)
        {
            var completed = new List<(Go1Enrolment Hit, string? Email)>();
            foreach (var hit in hits)
            {
                if (!string.Equals(hit.Status, CompletionEnricher.CompletedStatus, StringComparison.OrdinalIgnoreCase))
                {
                    Interlocked.Increment(ref _ignored);
                    continue;
                }
                completed.Add((hit, hit.UserAccountId is { } userId ? await EmailAsync(userId, cancellationToken).ConfigureAwait(false) : null));
            }

            var groups = completed.GroupBy(c => KeyOf(owner.Ids, c.Hit, c.Email)?.ToString() ?? "unmatched:" + c.Hit.Id, StringComparer.Ordinal);
            await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (group, ct) =>
            {
                foreach (var (hit, email) in group)
                    await HandleAsync(hit, email, ct).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }

        private static LearnerCourseKey? KeyOf(LearnerIds ids, Go1Enrolment hit, string? email) =>
            email is not null && LearnerEmail.IsValid(email.Trim()) && hit.LoId is { } courseId && hit.EndDate is not null
                ? LearnerCourseKey.For(ids, email, courseId)
                : null;

        private async Task HandleAsync(Go1Enrolment hit, string? email, CancellationToken cancellationToken)
        {
            if (KeyOf(owner.Ids, hit, email) is { } key)
            {
                if (!_known.TryGetValue(key, out var identities))
                {
                    var stored = await owner.Store.GetAsync(key, cancellationToken).ConfigureAwait(false);
                    identities = stored is null ? [] : stored.History.Completions.Select(c => c.Identity).ToHashSet(StringComparer.Ordinal);
                    _known[key] = identities;
                }
                // Add returns false when the history (or this run) has it already. One group per key
                // per page, pages one after another: a set is never touched by two tasks at once.
                if (!identities.Add(CompletionRecord.IdentityOf(hit.Id, hit.EndDate!.Value)))
                {
                    Interlocked.Increment(ref _alreadyApplied);
                    return;
                }
            }
            // Anything incomplete (no user email, no course, no end date) is queued all the same: the
            // processor fetches what it can and parks the rest with its reason, so nothing is dropped.
            await owner.Completions.QueueAsync(hit, email, DeliverySources.Reconcile, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _queued);
            owner.Metrics.ReconcileQueued.Add(1);
        }

        private async Task<string?> EmailAsync(string userId, CancellationToken cancellationToken)
        {
            if (_emails.TryGetValue(userId, out var known)) return known;
            await pacer.WaitAsync(cancellationToken).ConfigureAwait(false);
            var email = await owner.Directory.GetUserEmailAsync(userId, cancellationToken).ConfigureAwait(false);
            _emails[userId] = email;
            return email;
        }
    }
}
