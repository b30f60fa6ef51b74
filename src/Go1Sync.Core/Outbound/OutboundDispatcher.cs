using Go1Sync.Core.Reporting;
using Microsoft.Extensions.Logging;

namespace Go1Sync.Core.Outbound;

/// <summary>How much one run does: POSTs in flight at once inside a page, and changes per run.</summary>
public sealed record OutboundLimits(int Parallelism, int MaxPerRun);

/// <summary>How a run ended.</summary>
public static class OutboundRunOutcome
{
    public const string Off = "off";
    public const string Disabled = "disabled";
    public const string NeedsResync = "needs-resync";
    /// <summary>Retrying, and the next attempt is not due yet.</summary>
    public const string Waiting = "waiting";
    public const string CaughtUp = "caught-up";
    /// <summary>A POST failed: the run stopped at that change, to be retried at the next attempt time.</summary>
    public const string Failed = "failed";
    /// <summary>The endpoint answered 410 Gone: it is disabled.</summary>
    public const string Gone = "gone";
    /// <summary>The run sent its maximum (<c>Outbound__MaxPerRun</c>); the next run goes on.</summary>
    public const string MoreWaiting = "more-waiting";
    /// <summary>Another writer (the CLI, another run) changed the state meanwhile: this run stopped without overwriting it.</summary>
    public const string Conflict = "conflict";
}

public sealed record OutboundRunResult(string Outcome, int Delivered, int Parked, int Failed);

/// <summary>
/// The outbound webhooks (issue #15): the change feed is the outbox. A run reads the feed from the
/// stored cursor and POSTs each change in feed order (a few at once inside a page); the cursor moves
/// only past a contiguous prefix of changes that were delivered (or parked), so every change is sent
/// at least once, and a change sent again keeps its <c>webhook-id</c> (<see cref="WebhookIds"/>).
/// A failure stops the run at that change and schedules the next attempt (<see cref="RetrySchedule"/>);
/// when the schedule is exhausted the change is parked and the run goes on; 410 disables the endpoint;
/// a cursor older than the feed's retention marks the endpoint as needing a resynchronisation.
/// Every state write is conditional on the version read, so a CLI command and a run never lose each other's update.
/// </summary>
public sealed class OutboundDispatcher(
    ChangeFeed feed,
    IWebhookEndpoint endpoint,
    IOutboundStore store,
    RetrySchedule schedule,
    OutboundLimits limits,
    OutboundMetrics metrics,
    TimeProvider time,
    ILogger<OutboundDispatcher> logger)
{
    /// <summary>An idle run (nothing new) saves its moved cursor only when the stored one is older than this, so idle runs cost no write.</summary>
    public static readonly TimeSpan IdleCursorSaveAge = TimeSpan.FromHours(1);

    private readonly ChangeFeed _feed = feed;
    private readonly IWebhookEndpoint _endpoint = endpoint;
    private readonly IOutboundStore _store = store;
    private readonly RetrySchedule _schedule = schedule;
    private readonly OutboundLimits _limits = limits;
    private readonly OutboundMetrics _metrics = metrics;
    private readonly TimeProvider _time = time;
    private readonly ILogger _logger = logger;

    public bool IsConfigured => _endpoint.IsConfigured;

    public async Task<OutboundRunResult> RunOnceAsync(CancellationToken cancellationToken)
    {
        if (!_endpoint.IsConfigured) return new(OutboundRunOutcome.Off, 0, 0, 0);
        var (state, version) = await _store.ReadAsync(cancellationToken).ConfigureAwait(false);
        _metrics.Observe(state);
        if (state.Status == OutboundStatus.Disabled) return new(OutboundRunOutcome.Disabled, 0, 0, 0);
        if (state.NeedsResync) return new(OutboundRunOutcome.NeedsResync, 0, 0, 0);
        if (state.NextAttemptAt is { } due && due > _time.GetUtcNow()) return new(OutboundRunOutcome.Waiting, 0, 0, 0);

        var run = new Run(this, state, version);
        try
        {
            return await run.GoAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OutboundStateConflictException)
        {
            _logger.LogWarning("Outbound webhooks: another writer changed the outbound state during this run, which stops without overwriting it ({Delivered} delivered; any not yet recorded are sent again with the same webhook-id)", run.Delivered);
            return new(OutboundRunOutcome.Conflict, run.Delivered, run.Parked, run.Failed);
        }
    }

    private sealed class Run(OutboundDispatcher d, OutboundState state, string? version)
    {
        public int Delivered;
        public int Parked;
        public int Failed;

        /// <summary>The cursor as stored: delivering moves <c>state.Cursor</c> in memory first, and a page end saves it.</summary>
        private string? _saved = state.Cursor;

        private async Task SaveAsync(CancellationToken cancellationToken)
        {
            version = await d._store.SaveAsync(state, version, cancellationToken).ConfigureAwait(false);
            _saved = state.Cursor;
            d._metrics.Observe(state);
        }

        private OutboundRunResult Result(string outcome) => new(outcome, Delivered, Parked, Failed);

        public async Task<OutboundRunResult> GoAsync(CancellationToken cancellationToken)
        {
            ChangePosition after;
            if (state.Cursor is null)
            {
                // First enabled: from now on (the LMS reads what came before from the read API).
                after = d._feed.Latest();
                state = state with { Cursor = ChangeCursor.Encode(after) };
                await SaveAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                after = ChangeCursor.TryDecode(state.Cursor)
                    ?? throw new InvalidOperationException("The stored outbound cursor is not a change-feed cursor: move it with go1sync outbound redeliver --from latest.");
            }

            var sent = 0;
            while (true)
            {
                var limit = Math.Min(ChangeFeed.MaxLimit, d._limits.MaxPerRun - sent);
                if (limit <= 0) return Result(OutboundRunOutcome.MoreWaiting);
                var (page, _) = await d._feed.ReadPositionedAsync(after, limit, cancellationToken).ConfigureAwait(false);
                if (page is null)
                {
                    var now = d._time.GetUtcNow();
                    state = state with { NeedsResync = true, NeedsResyncSince = now };
                    await SaveAsync(cancellationToken).ConfigureAwait(false);
                    d._logger.LogError("Outbound webhooks: the cursor is older than the change feed keeps (Feed__RetentionDays); nothing more is sent until the LMS resynchronises from the read API and an operator runs go1sync outbound redeliver --from latest");
                    return Result(OutboundRunOutcome.NeedsResync);
                }

                var stop = await DeliverAsync(page.Entries, cancellationToken).ConfigureAwait(false);
                if (stop is not null) return Result(stop);
                sent += page.Entries.Count;

                var next = ChangeCursor.Encode(page.Next);
                // Saved after every page that delivered (or followed unsaved deliveries), and after an
                // idle page only once the stored cursor is old: compared with what is stored, not with
                // the cursor in memory, which the deliveries of this page already moved.
                var idle = page.Entries.Count == 0 && state.Cursor == _saved;
                var stale = _saved is not null && ChangeCursor.TryDecode(_saved) is { } stored
                    && d._time.GetUtcNow() - new DateTimeOffset(stored.Ticks, TimeSpan.Zero) > IdleCursorSaveAge;
                // A page through without a failure ends a retry whose change is gone (erased meanwhile).
                var retryOver = state.Status == OutboundStatus.Retrying;
                if (retryOver)
                    state = state with { Status = OutboundStatus.Active, ConsecutiveFailures = 0, FailingId = null, NextAttemptAt = null };
                if ((next != _saved && (!idle || stale)) || retryOver)
                {
                    state = state with { Cursor = next };
                    await SaveAsync(cancellationToken).ConfigureAwait(false);
                }
                after = page.Next;
                if (!page.Full) return Result(OutboundRunOutcome.CaughtUp);
            }
        }

        /// <summary>The state once the cursor is past <paramref name="entry"/> (delivered or parked): active again, no failure in a row.</summary>
        private OutboundState Past(PositionedChange entry, DateTimeOffset now, SendResult result, string? error) => state with
        {
            Cursor = ChangeCursor.Encode(entry.Position),
            Status = OutboundStatus.Active,
            ConsecutiveFailures = 0,
            FailingId = null,
            NextAttemptAt = null,
            LastAttemptAt = now,
            LastStatus = result.Status,
            LastError = error,
        };

        /// <summary>Sends the page's entries in order, a few at once; null when all were delivered or parked, else the run's outcome.</summary>
        private async Task<string?> DeliverAsync(IReadOnlyList<PositionedChange> entries, CancellationToken cancellationToken)
        {
            var i = 0;
            while (i < entries.Count)
            {
                var chunk = entries.Skip(i).Take(Math.Max(1, d._limits.Parallelism)).ToList();
                var messages = chunk.Select(e => (Entry: e, Id: WebhookIds.For(e.Position), Body: d._endpoint.Body(e.Change))).ToList();
                var results = await Task.WhenAll(messages.Select(m => d._endpoint.SendAsync(m.Id, m.Body, cancellationToken))).ConfigureAwait(false);
                var handled = 0;
                for (var j = 0; j < messages.Count; j++)
                {
                    var (entry, id, body) = messages[j];
                    var result = results[j];
                    var now = d._time.GetUtcNow();
                    handled++;
                    if (result.Outcome == SendOutcome.Delivered)
                    {
                        Delivered++;
                        d._metrics.Delivered.Add(1);
                        state = Past(entry, now, result, error: null) with { LastSuccessAt = now, Delivered = state.Delivered + 1 };
                        continue;
                    }

                    // The first failure ends the prefix: later results of this chunk are not counted, and
                    // those changes are sent again (same webhook-id) once this one is through.
                    Failed++;
                    d._metrics.Failed.Add(1, new KeyValuePair<string, object?>("status", result.Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"));
                    if (result.Outcome == SendOutcome.Gone)
                    {
                        state = state with
                        {
                            Status = OutboundStatus.Disabled,
                            DisabledReason = "the endpoint answered 410 Gone",
                            DisabledAt = now,
                            NextAttemptAt = null,
                            LastAttemptAt = now,
                            LastStatus = result.Status,
                            LastError = result.Error,
                        };
                        await SaveAsync(cancellationToken).ConfigureAwait(false);
                        d._logger.LogError("Outbound webhooks: the endpoint answered 410 Gone to {WebhookId}; it is disabled and nothing more is sent until go1sync outbound enable", id);
                        return OutboundRunOutcome.Gone;
                    }

                    var failures = state.FailingId == id ? state.ConsecutiveFailures + 1 : 1;
                    var nextAttempt = d._schedule.Next(failures, now, result.RetryAfter);
                    if (nextAttempt is null)
                    {
                        await d._store.ParkAsync(new ParkedWebhook(id, body, ChangeCursor.Encode(entry.Position), entry.Change.ChangedAt, failures, result.Status, result.Error, now), cancellationToken).ConfigureAwait(false);
                        Parked++;
                        d._metrics.Parked.Add(1);
                        state = Past(entry, now, result, result.Error);
                        await SaveAsync(cancellationToken).ConfigureAwait(false);
                        d._logger.LogError("Outbound webhooks: {WebhookId} failed {Attempts} times (last status {Status}, {Error}); it is parked (go1sync outbound list, redeliver) and the next changes go on", id, failures, result.Status, result.Error);
                        break;
                    }

                    state = state with
                    {
                        Status = OutboundStatus.Retrying,
                        ConsecutiveFailures = failures,
                        FailingId = id,
                        NextAttemptAt = nextAttempt,
                        LastAttemptAt = now,
                        LastStatus = result.Status,
                        LastError = result.Error,
                    };
                    await SaveAsync(cancellationToken).ConfigureAwait(false);
                    d._logger.LogWarning("Outbound webhooks: {WebhookId} failed (status {Status}, {Error}), failure {Failures} in a row; next attempt at {NextAttemptAt}", id, result.Status, result.Error, failures, nextAttempt);
                    return OutboundRunOutcome.Failed;
                }
                i += handled;
            }
            return null;
        }
    }
}
