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

    public static ProcessingOutcome Parked(string reason) => new(OutcomeKind.Parked, [], 0, reason);
    public static ProcessingOutcome NoEffect(string reason) => new(OutcomeKind.NoEffect, [], 0, reason);
    /// <summary>The learner was erased: nothing is written, not even the learner's hash in the delivery record.</summary>
    public static ProcessingOutcome Erased() => new(OutcomeKind.Erased, [], 0, "the learner was erased; the event is dropped");
}

/// <summary>Thrown when an event kept losing the optimistic-concurrency race; the queue retries it later.</summary>
public sealed class ConcurrencyExhaustedException(string message) : Exception(message);

/// <summary>
/// Applies one queued event: read the aggregate, apply the rules, write it back only if nobody
/// else did in between (re-read and re-apply otherwise), then bring the projections in line.
/// Transient failures throw so that the queue retries; messages that can never apply are parked.
/// A queued message is trusted no more than a request: its envelope and payload are validated
/// again with intake's own readers (<see cref="LaunchIntake"/>, <see cref="CompletionMessageIntake"/>),
/// and one that breaks a rule is parked as invalid with the rule it breaks.
/// </summary>
public sealed class AttemptEventProcessor(
    IAttemptStore store,
    IAttemptProjection projection,
    ICompletionEnricher enricher,
    IParkedStore parked,
    AttemptRules rules,
    ProcessingOptions options,
    TimeProvider time,
    ProcessingMetrics metrics,
    IDeliveryLog deliveries,
    ILogger<AttemptEventProcessor> logger,
    LearnerIds ids,
    ILearnerTombstones? tombstones = null)
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
            var tags = new KeyValuePair<string, object?>[] { new("kind", kind is EventKinds.Launch or EventKinds.Completion ? kind : "unknown"), new("outcome", outcome.Kind.ToString()) };
            metrics.Processed.Add(1, tags);
            metrics.Duration.Record(time.GetElapsedTime(started).TotalMilliseconds, tags);
            if (envelope is not null && outcome.Kind == OutcomeKind.Applied)
                metrics.Lag.Record((time.GetUtcNow() - envelope.ReceivedAt).TotalMilliseconds, tags);
            if (envelope is not null)
                await deliveries.RecordOutcomeAsync(envelope.Id, envelope.ReceivedAt, Describe(outcome.Kind), Detail(outcome), outcome.EnrolmentId, outcome.LearnerHash, cancellationToken).ConfigureAwait(false);
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
            await deliveries.RecordOutcomeAsync(envelope.Id, envelope.ReceivedAt, DeliveryOutcomes.Failed,
                $"delivery {deliveryCount}: {failure.GetType().Name}: {failure.Message}", null, null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception logFailure) when (logFailure is not OperationCanceledException)
        {
            // The original failure is what the queue must see; this one is reported beside it.
            logger.LogError(logFailure, "Could not record the failure of event {EventId} in the delivery log", LogValue.Of(envelope.Id));
        }
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
        OutcomeKind.Applied => "attempts " + string.Join(",", outcome.ChangedAttemptIds),
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

        if (envelope.SchemaVersion != EventEnvelope.CurrentSchemaVersion)
            return (await ParkAsync(ParkCategories.Invalid, envelope.Id, body, $"schema version {envelope.SchemaVersion} is not supported (expected {EventEnvelope.CurrentSchemaVersion})", cancellationToken).ConfigureAwait(false), envelope.Kind, envelope);

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
                    return await ApplyAsync(envelope, body, launch.Email, launch.CourseId, h => rules.Accept(h, launch.ToLaunch()), null, launch.AttemptId, null, cancellationToken).ConfigureAwait(false);
                }

            case EventKinds.Completion:
                var completionRead = CompletionMessageIntake.Read(envelope.Payload, now);
                if (!completionRead.IsValid)
                    return await ParkAsync(ParkCategories.Invalid, envelope.Id, body, $"the completion payload is unreadable: {Describe(completionRead.Errors)}", cancellationToken).ConfigureAwait(false);
                var message = completionRead.Value!;
                using (logger.BeginScope(new Dictionary<string, object?> { ["EnrolmentId"] = LogValue.Of(message.EnrolmentId) }))
                {
                    return await ApplyCompletionAsync(envelope, message, body, cancellationToken).ConfigureAwait(false);
                }

            default:
                return await ParkAsync(ParkCategories.Invalid, envelope.Id, body, $"unknown event kind '{LogValue.Of(envelope.Kind)}'", cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ProcessingOutcome> ApplyCompletionAsync(EventEnvelope envelope, CompletionMessage message, string body, CancellationToken cancellationToken)
    {
        var enrichment = await enricher.EnrichAsync(message, cancellationToken).ConfigureAwait(false);
        switch (enrichment)
        {
            case Enrichment.NoEffect noEffect:
                logger.LogInformation("Completion of enrolment {EnrolmentId} has no effect: {Reason}", LogValue.Of(message.EnrolmentId), LogValue.Of(noEffect.Reason));
                return ProcessingOutcome.NoEffect(noEffect.Reason);
            case Enrichment.Unmatched unmatched:
                return await ParkAsync(ParkCategories.Unmatched, envelope.Id, body, unmatched.Reason, cancellationToken).ConfigureAwait(false);
            case Enrichment.Ready ready:
                var completion = ready.Completion;
                Func<LearnerCourseHistory, string?>? refuse = options.OnlyKnownLearners
                    ? h => h.Launches.IsEmpty ? "only known learners count and this learner never launched the course from the LMS" : null
                    : null;
                return await ApplyAsync(envelope, body, completion.Email, completion.CourseId, h => rules.Accept(h, completion, ready.DurationMinutes),
                    completion.EnrolmentId, null, refuse, cancellationToken).ConfigureAwait(false);
            default:
                throw new InvalidOperationException($"Unexpected enrichment {enrichment.GetType().Name}.");
        }
    }

    /// <param name="refuse">A reason to park the event instead of applying it, decided on the stored history (null: apply).</param>
    private async Task<ProcessingOutcome> ApplyAsync(
        EventEnvelope envelope,
        string body,
        string email,
        string courseId,
        Func<LearnerCourseHistory, Acceptance> accept,
        string? enrolmentId,
        string? attemptId,
        Func<LearnerCourseHistory, string?>? refuse,
        CancellationToken cancellationToken)
    {
        var key = LearnerCourseKey.For(ids, email, courseId);
        // An erased learner stays erased: the event is dropped before anything is read or written
        // (not parked either, since a parked body would hold the email again).
        if (tombstones is not null && await tombstones.IsErasedAsync(email, cancellationToken).ConfigureAwait(false))
        {
            metrics.Erased.Add(1, new KeyValuePair<string, object?>("kind", envelope.Kind is EventKinds.Launch or EventKinds.Completion ? envelope.Kind : "unknown"));
            logger.LogInformation("Dropped {EventKind} of an erased learner on course {CourseId}", LogValue.Of(envelope.Kind), LogValue.Of(courseId));
            return ProcessingOutcome.Erased() with { EnrolmentId = enrolmentId };
        }
        for (var conflicts = 0; ; conflicts++)
        {
            var stored = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            var history = stored?.History ?? LearnerCourseHistory.Empty(email, courseId);
            if (refuse?.Invoke(history) is { } reason)
                return await ParkAsync(ParkCategories.Unmatched, envelope.Id, body, reason, cancellationToken).ConfigureAwait(false) with { LearnerHash = key.LearnerHash, EnrolmentId = enrolmentId };

            var before = rules.Fold(history);
            var acceptance = accept(history);
            var after = acceptance.IsNew ? rules.Fold(acceptance.History) : before;
            if (acceptance.IsNew && BeyondTheCap(before, after, history, acceptance.History) is { } beyond)
                return await ParkAsync(ParkCategories.Invalid, envelope.Id, body, beyond, cancellationToken).ConfigureAwait(false) with { LearnerHash = key.LearnerHash, EnrolmentId = enrolmentId };

            if (!acceptance.IsNew)
            {
                // Seen before: the first delivery may have stopped after the aggregate write, so
                // rewriting the projections here is what repairs them; then converge, in case a
                // newer version was projected while this repair wrote the older one.
                var touched = before.Where(a => a.AttemptId == attemptId || (enrolmentId is not null && a.Go1EnrolmentId == enrolmentId)).Select(a => a.AttemptId).ToList();
                await projection.RepairAsync(key, before, touched, cancellationToken).ConfigureAwait(false);
                if (stored is not null)
                    await ConvergeAsync(key, before, stored.ETag, cancellationToken).ConfigureAwait(false);
                logger.LogInformation("Event already applied to learner {Learner} on course {CourseId} (enrolment {EnrolmentId})",
                    LearnerEmail.Mask(email), LogValue.Of(courseId), LogValue.Of(enrolmentId));
                return new ProcessingOutcome(OutcomeKind.Duplicate, [], conflicts) { LearnerHash = key.LearnerHash, EnrolmentId = enrolmentId };
            }

            var etag = await store.TrySaveAsync(key, acceptance.History, stored?.ETag, cancellationToken).ConfigureAwait(false);
            if (etag is not null)
            {
                await projection.UpdateAsync(key, before, after, cancellationToken).ConfigureAwait(false);
                await ConvergeAsync(key, after, etag, cancellationToken).ConfigureAwait(false);
                var unchanged = before.ToHashSet();
                var changed = after.Where(a => !unchanged.Contains(a)).Select(a => a.AttemptId).ToList();
                logger.LogInformation("Applied {EventKind} to learner {Learner} on course {CourseId}: attempts {AttemptIds} changed after {Conflicts} conflicts (enrolment {EnrolmentId})",
                    LogValue.Of(envelope.Kind), LearnerEmail.Mask(email), LogValue.Of(courseId), LogValue.Of(changed), conflicts, LogValue.Of(enrolmentId));
                return new ProcessingOutcome(OutcomeKind.Applied, changed, conflicts) { LearnerHash = key.LearnerHash, EnrolmentId = enrolmentId };
            }

            metrics.Conflicts.Add(1);
            if (conflicts >= options.MaxConflictRetries)
                throw new ConcurrencyExhaustedException(
                    $"Event {LogValue.Of(envelope.Id)} lost the write race {conflicts + 1} times on course {LogValue.Of(courseId)}; the queue will retry it.");

            // Spread the retries of concurrent writers so they do not collide again in lockstep.
            var backoff = TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * (conflicts + 2)));
            await Task.Delay(backoff, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Why an event may not grow a history any further (<see cref="ProcessingOptions.MaxAttemptsPerLearnerCourse"/>),
    /// or null. Only an event that adds an attempt (or a completion) is held back: one that completes or
    /// continues an attempt the learner has still applies, even to a history above a since lowered cap.
    /// </summary>
    private string? BeyondTheCap(IReadOnlyList<Attempt> before, IReadOnlyList<Attempt> after, LearnerCourseHistory was, LearnerCourseHistory next)
    {
        var cap = options.MaxAttemptsPerLearnerCourse;
        if (after.Count > cap && after.Count > before.Count)
            return $"the learner already has {before.Count} attempts on this course and this event would add one beyond Processing__MaxAttemptsPerLearnerCourse ({cap})";
        if (next.Completions.Length > cap && next.Completions.Length > was.Completions.Length)
            return $"the learner already has {was.Completions.Length} completions on this course and this event would add one beyond Processing__MaxAttemptsPerLearnerCourse ({cap})";
        return null;
    }

    /// <summary>
    /// Another instance may have written a newer version of the aggregate, and its projection,
    /// while ours was on the way: our rows could then have overwritten newer ones. After writing,
    /// check that the aggregate is still the version we projected; if not, bring the rows from
    /// what we wrote to the latest version. The last writer to finish always checks last, so the
    /// read side ends at the latest version whatever the interleaving.
    /// </summary>
    private async Task ConvergeAsync(LearnerCourseKey key, IReadOnlyList<Attempt> written, string writtenETag, CancellationToken cancellationToken)
    {
        for (var round = 0; round < MaxConvergenceRounds; round++)
        {
            var current = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (current is null || current.ETag == writtenETag) return;
            var latest = rules.Fold(current.History);
            await projection.UpdateAsync(key, written, latest, cancellationToken).ConfigureAwait(false);
            written = latest;
            writtenETag = current.ETag;
        }
        logger.LogWarning("The read side of course {CourseId} kept moving under {Rounds} rounds; the next event or sweep will bring it up to date", LogValue.Of(key.CourseKey), MaxConvergenceRounds);
    }

    private const int MaxConvergenceRounds = 5;

    private async Task<ProcessingOutcome> ParkAsync(string category, string messageId, string body, string reason, CancellationToken cancellationToken)
    {
        await parked.ParkAsync(new ParkedMessage(category, messageId, reason, body, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        logger.LogWarning("Parked message {MessageId} as {Category}: {Reason}", LogValue.Of(messageId), category, LogValue.Of(reason));
        return ProcessingOutcome.Parked(reason);
    }

    /// <summary>The rules a payload breaks, as intake words them: field names, never values, so the reason is safe to log.</summary>
    private static string Describe(FieldErrors errors) =>
        string.Join(" ", errors.ToDictionary().OrderBy(e => e.Key, StringComparer.Ordinal).SelectMany(e => e.Value));
}
