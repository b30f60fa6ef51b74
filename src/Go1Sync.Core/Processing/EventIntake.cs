using Go1Sync.Core.Security;
using Microsoft.Extensions.Logging;

namespace Go1Sync.Core.Processing;

/// <summary>What to answer an HTTP caller: the status and a JSON-serialisable body.</summary>
public sealed record IntakeAnswer(int Status, object Body);

/// <summary>
/// The last step of every write endpoint: queue the event, then log the delivery; answer 202 only
/// when both are stored, 503 (retry later) otherwise. Refused and ignored requests are logged too,
/// so "did Go1 call us?" always has an answer.
/// </summary>
public sealed class EventIntake(IEventQueue queue, IDeliveryLog deliveries, ProcessingMetrics metrics, ILogger<EventIntake> logger)
{
    public async Task<IntakeAnswer> AcceptAsync(EventEnvelope envelope, DeliveryReceipt receipt, CancellationToken cancellationToken)
    {
        try
        {
            await queue.EnqueueAsync(envelope, cancellationToken).ConfigureAwait(false);
            await deliveries.RecordReceiptAsync(receipt with { HttpStatus = 202 }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever failed, the sender must not believe the event was kept: 503 makes it retry,
            // and a retry of an event that did get queued is a duplicate, which applies once.
            logger.LogError(ex, "Could not store {EventKind} event {EventId}; answered 503 so the sender retries", envelope.Kind, LogValue.Of(envelope.Id));
            Count(envelope.Kind, 503);
            return new IntakeAnswer(503, new { title = "Storage unavailable", status = 503, detail = "The event could not be stored; nothing was accepted. Retry later." });
        }
        Count(envelope.Kind, 202);
        return new IntakeAnswer(202, new { eventId = envelope.Id, kind = envelope.Kind });
    }

    /// <summary>Logs a request we answered without queueing (refused, or an ignored event type).</summary>
    public async Task RecordUnqueuedAsync(DeliveryReceipt receipt, CancellationToken cancellationToken)
    {
        Count(receipt.Kind, receipt.HttpStatus);
        try
        {
            await deliveries.RecordReceiptAsync(receipt, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The caller's answer does not depend on the log; the failure is reported, not hidden.
            logger.LogError(ex, "Could not log delivery {DeliveryId} answered {HttpStatus}", LogValue.Of(receipt.Identity), receipt.HttpStatus);
        }
    }

    private void Count(string kind, int status) =>
        metrics.Received.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("status", status));
}
