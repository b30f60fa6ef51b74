using Go1Sync.Core.Security;
using Microsoft.Extensions.Logging;

namespace Go1Sync.Core.Processing;

/// <summary>
/// What became of an event handed to intake. The caller's boundary decides what that means for its
/// caller (the Functions app: 202 with the event id and kind, or 503 problem+json with Retry-After).
/// </summary>
public abstract record IntakeOutcome
{
    private IntakeOutcome() { }

    /// <summary>Queued, its receipt in the message: the sender may forget it.</summary>
    public sealed record Queued(string EventId, string Kind) : IntakeOutcome;

    /// <summary>The queue could not store it: nothing was accepted, the sender must retry.</summary>
    public sealed record StorageUnavailable : IntakeOutcome;
}

/// <summary>
/// The last step of every write endpoint: queue the event with its delivery receipt inside the
/// message (one storage request; the processor writes the receipt with the outcome, issue #14);
/// <see cref="IntakeOutcome.Queued"/> once the queue holds it, <see cref="IntakeOutcome.StorageUnavailable"/>
/// (retry later) otherwise. Refused and ignored requests, which are not queued, are written to the
/// delivery log here, so "did Go1 call us?" always has an answer; an accepted one is in the log
/// once processed (or failed).
/// </summary>
public sealed class EventIntake(IEventQueue queue, IDeliveryLog deliveries, ProcessingMetrics metrics, ILogger<EventIntake> logger)
{
    public async Task<IntakeOutcome> AcceptAsync(EventEnvelope envelope, DeliveryReceipt receipt, CancellationToken cancellationToken)
    {
        // Built before the try: a receipt that does not belong to the envelope is a programming
        // error, not a storage outage to answer 503 for.
        var queued = envelope.WithReceipt(receipt with { HttpStatus = 202 });
        try
        {
            await queue.EnqueueAsync(queued, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever failed, the sender must not believe the event was kept: 503 makes it retry,
            // and a retry of an event that did get queued is a duplicate, which applies once.
            logger.LogError(ex, "Could not store {EventKind} event {EventId}; answered 503 so the sender retries", envelope.Kind, LogValue.Of(envelope.Id));
            Count(envelope.Kind, 503);
            return new IntakeOutcome.StorageUnavailable();
        }
        Count(envelope.Kind, 202);
        return new IntakeOutcome.Queued(envelope.Id, envelope.Kind);
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
