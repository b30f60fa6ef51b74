using System.Text.Json;
using Go1Sync.Core.Attempts;
using Go1Sync.Core.Intake;
using Go1Sync.Core.Learners;
using Go1Sync.Core.Security;
using Microsoft.Extensions.Logging;

namespace Go1Sync.Core.Processing;

public enum OutcomeKind { Applied, Duplicate, NoEffect, Parked, Erased }

public sealed record ProcessingOutcome(OutcomeKind Kind, IReadOnlyList<string> ChangedAttemptIds, int ConflictRetries, string? Reason = null)
{
    /// <summary>Who and what the event turned out to be about (known once a thin payload is enriched), for the delivery log.</summary>
    public string? LearnerHash { get; init; }
    public string? EnrolmentId { get; init; }
    /// <summary>The escaped course id of the aggregate the event was applied to or found in: where its delivery record is kept.</summary>
    public string? CourseKey { get; init; }
    /// <summary>The delivery outcome was committed with the aggregate (<see cref="AggregateWrite.Outcome"/>): nothing more to record.</summary>
    public bool OutcomeRecorded { get; init; }

    public static ProcessingOutcome Parked(string reason) => new(OutcomeKind.Parked, [], 0, reason);
    public static ProcessingOutcome NoEffect(string reason) => new(OutcomeKind.NoEffect, [], 0, reason);
    /// <summary>The learner was erased: nothing is written, not even the learner's hash in the delivery record.</summary>
    public static ProcessingOutcome Erased() => new(OutcomeKind.Erased, [], 0, "the learner was erased; the event is dropped");
}

/// <summary>Thrown when an event kept losing the optimistic-concurrency race; the queue retries it later.</summary>
public sealed class ConcurrencyExhaustedException(string message) : Exception(message);

/// <summary>
/// The dispatcher of queued events: reads and validates the envelope and its payload, hands the event
/// to its use case (<see cref="ApplyLaunch"/>, <see cref="ApplyCompletion"/>; both change the history
/// through the one <see cref="HistoryWriter"/>), and records the metrics and the delivery outcome.
/// Transient failures throw so that the queue retries; messages that can never apply are parked.
/// A queued message is trusted no more than a request: its envelope and payload are validated
/// again with intake's own readers (<see cref="LaunchIntake"/>, <see cref="CompletionMessageIntake"/>),
/// and one that breaks a rule is parked as invalid with the rule it breaks.
/// </summary>
public sealed class AttemptEventProcessor(
    ApplyLaunch launches,
    ApplyCompletion completions,
    Parking parking,
    IDeliveryLog deliveries,
    ProcessingMetrics metrics,
    TimeProvider time,
    ILogger<AttemptEventProcessor> logger)
{
    /// <param name="deliveryCount">How many times the queue has handed out this message (1 on the first delivery).</param>
    public async Task<ProcessingOutcome> ProcessAsync(string messageId, string body, CancellationToken cancellationToken, long deliveryCount = 1)
    {
        var started = time.GetTimestamp();
        EventEnvelope? envelope = null;
        try
        {
            var (outcome, kind, read) = await ProcessCoreAsync(messageId, body, cancellationToken).ConfigureAwait(false);
            envelope = read;
            // Only known kinds become metric tags: a forged kind must not mint new time series.
            var tags = new KeyValuePair<string, object?>[] { new("kind", EventKinds.TagOf(kind)), new("outcome", outcome.Kind.ToString()) };
            metrics.Processed.Add(1, tags);
            metrics.Duration.Record(time.GetElapsedTime(started).TotalMilliseconds, tags);
            if (envelope is not null && outcome.Kind == OutcomeKind.Applied)
                metrics.Lag.Record((time.GetUtcNow() - envelope.ReceivedAt).TotalMilliseconds, tags);
            if (envelope is not null)
            {
                var receipt = Receipt(envelope, outcome);
                // An applied event's outcome committed with its aggregate; a duplicate's goes beside it
                // (its course partition), every other one to the log's day partition.
                if (!outcome.OutcomeRecorded)
                    await deliveries.RecordOutcomeAsync(new DeliveryOutcome(envelope.Id, envelope.ReceivedAt, Describe(outcome.Kind), Detail(outcome), outcome.EnrolmentId, outcome.LearnerHash, receipt,
                        outcome.Kind is OutcomeKind.Applied or OutcomeKind.Duplicate ? outcome.CourseKey : null), cancellationToken).ConfigureAwait(false);
            }
            return outcome;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await RecordFailureAsync(envelope ?? TryRead(body), deliveryCount, ex, cancellationToken).ConfigureAwait(false);
            throw;
        }
    }

    private async Task RecordFailureAsync(EventEnvelope? envelope, long deliveryCount, Exception failure, CancellationToken cancellationToken)
    {
        if (envelope is null || string.IsNullOrEmpty(envelope.Id)) return;
        try
        {
            await deliveries.RecordOutcomeAsync(new DeliveryOutcome(envelope.Id, envelope.ReceivedAt, DeliveryOutcomes.Failed,
                $"delivery {deliveryCount}: {failure.GetType().Name}: {failure.Message}", Receipt: ValidReceipt(envelope)), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception logFailure) when (logFailure is not OperationCanceledException)
        {
            // The original failure is what the queue must see; this one is reported beside it.
            logger.LogError(logFailure, "Could not record the failure of event {EventId} in the delivery log", LogValue.Of(envelope.Id));
        }
    }

    /// <summary>
    /// The receipt the message carried, written with the outcome. An erased learner's record holds no
    /// learner id, so the receipt's is dropped too.
    /// </summary>
    private DeliveryReceipt? Receipt(EventEnvelope envelope, ProcessingOutcome outcome) =>
        outcome.Kind == OutcomeKind.Erased ? ValidReceipt(envelope) is { } r ? r with { LearnerHash = null } : null : ValidReceipt(envelope);

    /// <summary>The receipt carried, unless it is not one intake could have written (then it is left out, and said so).</summary>
    private DeliveryReceipt? ValidReceipt(EventEnvelope envelope)
    {
        if (envelope.Receipt?.Problem() is not { } problem) return envelope.DeliveryReceipt();
        logger.LogWarning("Event {EventId} carries a receipt intake could not have written ({Problem}); its outcome is recorded without it", LogValue.Of(envelope.Id), problem);
        return null;
    }

    private static EventEnvelope? TryRead(string body)
    {
        try { return EventEnvelope.FromJson(body); }
        catch (JsonException) { return null; }
    }

    private static string Describe(OutcomeKind kind) => kind switch
    {
        OutcomeKind.Applied => DeliveryOutcomes.Applied,
        OutcomeKind.Duplicate => DeliveryOutcomes.Duplicate,
        OutcomeKind.NoEffect => DeliveryOutcomes.NoEffect,
        OutcomeKind.Erased => DeliveryOutcomes.Erased,
        _ => DeliveryOutcomes.Parked,
    };

    private static string? Detail(ProcessingOutcome outcome) => outcome.Kind switch
    {
        OutcomeKind.Applied => DeliveryOutcomes.AppliedDetail(outcome.ChangedAttemptIds),
        OutcomeKind.Duplicate => "already applied; projections rewritten",
        _ => outcome.Reason,
    };

    private async Task<(ProcessingOutcome Outcome, string Kind, EventEnvelope? Envelope)> ProcessCoreAsync(string messageId, string body, CancellationToken cancellationToken)
    {
        EventEnvelope envelope;
        try
        {
            envelope = EventEnvelope.FromJson(body);
        }
        catch (JsonException ex)
        {
            return (await ParkAsync(ParkCategories.Invalid, messageId, body, $"the message is not a readable envelope: {ex.Message}", cancellationToken).ConfigureAwait(false), "unknown", null);
        }

        if (string.IsNullOrWhiteSpace(envelope.Id) || string.IsNullOrWhiteSpace(envelope.Kind) || envelope.Payload.ValueKind != JsonValueKind.Object)
            return (await ParkAsync(ParkCategories.Invalid, messageId, body, "the envelope lacks its id, kind or payload object", cancellationToken).ConfigureAwait(false), "unknown", null);

        // The id keys the parked row and the delivery record; a forged one is parked under the queue's own id.
        if (envelope.Id.Length > MaxEnvelopeIdLength || envelope.Id.Any(char.IsControl))
            return (await ParkAsync(ParkCategories.Invalid, messageId, body, $"the envelope id must be at most {MaxEnvelopeIdLength} characters without control characters", cancellationToken).ConfigureAwait(false), "unknown", null);

        // Intake stamps receivedAt with its clock; a message from the future (or from before 2000) was not written by it.
        var now = time.GetUtcNow();
        if (envelope.ReceivedAt.Year < 2000 || envelope.ReceivedAt > now + LaunchIntake.FutureTolerance)
            return (await ParkAsync(ParkCategories.Invalid, envelope.Id, body, "the envelope's receivedAt is not an instant intake could have stamped (before 2000 or in the future)", cancellationToken).ConfigureAwait(false), "unknown", null);

        if (!EventEnvelope.IsReadable(envelope.SchemaVersion))
            return (await ParkAsync(ParkCategories.Invalid, envelope.Id, body, $"schema version {envelope.SchemaVersion} is not supported (expected 1 or {EventEnvelope.CurrentSchemaVersion})", cancellationToken).ConfigureAwait(false), envelope.Kind, envelope);

        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["EventId"] = LogValue.Of(envelope.Id), ["EventKind"] = LogValue.Of(envelope.Kind) });
        return (await DispatchAsync(envelope, body, now, cancellationToken).ConfigureAwait(false), envelope.Kind, envelope);
    }

    /// <summary>Longer than any id intake builds (a prefix, a 128-character id and an instant).</summary>
    private const int MaxEnvelopeIdLength = 256;

    private async Task<ProcessingOutcome> DispatchAsync(EventEnvelope envelope, string body, DateTimeOffset now, CancellationToken cancellationToken)
    {
        switch (envelope.Kind)
        {
            case EventKinds.Launch:
                var read = LaunchIntake.Read(envelope.Payload, now);
                if (!read.IsValid)
                    return await ParkAsync(ParkCategories.Invalid, envelope.Id, body, $"the launch payload is unreadable: {Describe(read.Errors)}", cancellationToken).ConfigureAwait(false);
                var launch = read.Value!;
                using (logger.BeginScope(new Dictionary<string, object?> { ["AttemptId"] = LogValue.Of(launch.AttemptId) }))
                {
                    return await launches.ExecuteAsync(envelope, body, launch, cancellationToken).ConfigureAwait(false);
                }

            case EventKinds.Completion:
                var completionRead = CompletionMessageIntake.Read(envelope.Payload, now);
                if (!completionRead.IsValid)
                    return await ParkAsync(ParkCategories.Invalid, envelope.Id, body, $"the completion payload is unreadable: {Describe(completionRead.Errors)}", cancellationToken).ConfigureAwait(false);
                var message = completionRead.Value!;
                using (logger.BeginScope(new Dictionary<string, object?> { ["EnrolmentId"] = LogValue.Of(message.EnrolmentId) }))
                {
                    return await completions.ExecuteAsync(envelope, body, message, cancellationToken).ConfigureAwait(false);
                }

            default:
                return await ParkAsync(ParkCategories.Invalid, envelope.Id, body, $"unknown event kind '{LogValue.Of(envelope.Kind)}'", cancellationToken).ConfigureAwait(false);
        }
    }

    private Task<ProcessingOutcome> ParkAsync(string category, string messageId, string body, string reason, CancellationToken cancellationToken) =>
        parking.ParkAsync(category, messageId, body, reason, cancellationToken);

    /// <summary>The rules a payload breaks, as intake words them: field names, never values, so the reason is safe to log.</summary>
    private static string Describe(FieldErrors errors) =>
        string.Join(" ", errors.ToDictionary().OrderBy(e => e.Key, StringComparer.Ordinal).SelectMany(e => e.Value));
}
