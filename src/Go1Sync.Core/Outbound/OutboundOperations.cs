using Go1Sync.Core.Reporting;

namespace Go1Sync.Core.Outbound;

/// <summary>What an operator does with the outbound webhooks (<c>go1sync outbound …</c>).</summary>
public sealed class OutboundOperations(IWebhookEndpoint endpoint, IOutboundStore store, ChangeFeed feed, OutboundMetrics metrics, TimeProvider time)
{
    /// <summary>Read-modify-write attempts before giving up against a busy writer.</summary>
    private const int MaxConflictRetries = 10;

    public bool IsConfigured => endpoint.IsConfigured;

    public async Task<(OutboundState State, IReadOnlyList<ParkedWebhook> Parked)> ListAsync(CancellationToken cancellationToken)
    {
        var (state, _) = await store.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (state, await store.ListParkedAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Enables the endpoint again after a 410 (and clears any wait): the next run sends from the cursor.</summary>
    public Task<OutboundState> EnableAsync(CancellationToken cancellationToken) =>
        UpdateAsync(s => s with
        {
            Status = OutboundStatus.Active,
            DisabledReason = null,
            DisabledAt = null,
            ConsecutiveFailures = 0,
            FailingId = null,
            NextAttemptAt = null,
        }, cancellationToken);

    /// <summary>
    /// Moves the cursor (<paramref name="position"/> null: <see cref="ChangeCursor.Latest"/>): the next run
    /// sends every change after it (again, with the same ids, when it moves back). Clears a needed
    /// resynchronisation and any wait; a disabled endpoint stays disabled.
    /// </summary>
    public Task<OutboundState> MoveCursorAsync(ChangePosition? position, CancellationToken cancellationToken)
    {
        var to = ChangeCursor.Encode(position ?? feed.Latest());
        return UpdateAsync(s => s with
        {
            Cursor = to,
            NeedsResync = false,
            NeedsResyncSince = null,
            ConsecutiveFailures = 0,
            FailingId = null,
            NextAttemptAt = null,
            Status = s.Status == OutboundStatus.Disabled ? OutboundStatus.Disabled : OutboundStatus.Active,
        }, cancellationToken);
    }

    /// <summary>POSTs a parked change again (same id, same body, signed now); delivered: it is no longer parked. Null: no such parked change.</summary>
    public async Task<SendResult?> RedeliverAsync(string webhookId, CancellationToken cancellationToken)
    {
        var parked = await store.GetParkedAsync(webhookId, cancellationToken).ConfigureAwait(false);
        if (parked is null) return null;
        var result = await endpoint.SendAsync(parked.WebhookId, parked.Body, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        switch (result.Outcome)
        {
            case SendOutcome.Delivered:
                metrics.Delivered.Add(1);
                await store.RemoveParkedAsync(webhookId, cancellationToken).ConfigureAwait(false);
                await UpdateAsync(s => s with { Delivered = s.Delivered + 1, LastSuccessAt = now, LastAttemptAt = now, LastStatus = result.Status, LastError = null }, cancellationToken).ConfigureAwait(false);
                break;
            case SendOutcome.Gone:
                metrics.Failed.Add(1);
                await UpdateAsync(s => s with
                {
                    Status = OutboundStatus.Disabled, DisabledReason = "the endpoint answered 410 Gone", DisabledAt = now,
                    LastAttemptAt = now, LastStatus = result.Status, LastError = result.Error,
                }, cancellationToken).ConfigureAwait(false);
                break;
            default:
                metrics.Failed.Add(1);
                await store.ParkAsync(parked with { Attempts = parked.Attempts + 1, LastStatus = result.Status, LastError = result.Error, ParkedAt = now }, cancellationToken).ConfigureAwait(false);
                break;
        }
        return result;
    }

    private async Task<OutboundState> UpdateAsync(Func<OutboundState, OutboundState> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (state, version) = await store.ReadAsync(cancellationToken).ConfigureAwait(false);
            var updated = change(state);
            try
            {
                await store.SaveAsync(updated, version, cancellationToken).ConfigureAwait(false);
                metrics.Observe(updated);
                return updated;
            }
            catch (OutboundStateConflictException) when (attempt < MaxConflictRetries)
            {
                // Another writer (a run) saved first: apply the change to what it wrote.
            }
        }
    }
}
