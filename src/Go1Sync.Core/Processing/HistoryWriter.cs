using Go1Sync.Core.Attempts;
using Go1Sync.Core.Learners;
using Go1Sync.Core.Security;
using Microsoft.Extensions.Logging;

namespace Go1Sync.Core.Processing;

/// <summary>
/// One event to add to a (learner, course) history. <paramref name="Accept"/> is the decision: the
/// rules' acceptance of the event on the history read. <paramref name="Refuse"/> may refuse the event
/// on that history instead (a reason to park it as unmatched; null: apply).
/// </summary>
/// <param name="EventId">The envelope's id: the parked message's id, and named when the write race is lost.</param>
/// <param name="Body">The queued message, kept when the event is parked.</param>
/// <param name="EnrolmentId">The Go1 enrolment a completion is about, for the log and the delivery record.</param>
/// <param name="Delivery">When the event was received and the receipt it carried: an applied event's delivery outcome commits with it (null: none is recorded).</param>
public sealed record HistoryWrite(
    string EventId,
    string Kind,
    string Body,
    string Email,
    string CourseId,
    Func<LearnerCourseHistory, Acceptance> Accept,
    string? EnrolmentId = null,
    Func<LearnerCourseHistory, string?>? Refuse = null,
    EventDelivery? Delivery = null);

/// <summary>What the delivery log needs of a queued event besides its outcome: when intake received it and the receipt it carried.</summary>
public sealed record EventDelivery(DateTimeOffset ReceivedAt, DeliveryReceipt? Receipt)
{
    /// <summary>The envelope's, with its receipt unless it is not one intake could have written (the dispatcher says so in its log).</summary>
    public static EventDelivery Of(EventEnvelope envelope) =>
        new(envelope.ReceivedAt, envelope.Receipt?.Problem() is null ? envelope.DeliveryReceipt() : null);
}

/// <summary>
/// The one place that changes a stored history, whichever event it is: read the aggregate, decide
/// (erasure, refusal, the rules, the attempts cap), and commit the history with its read side in one
/// guarded write (<see cref="IAttemptStore.TryCommitAsync"/>) only if nobody else wrote in between
/// (re-read and decide again otherwise, with jitter, at most <see cref="ProcessingOptions.MaxConflictRetries"/>
/// times). An event the history already holds writes nothing: the read side committed with it.
/// The delivery outcome of an applied event is part of that write (<see cref="AggregateWrite.Outcome"/>);
/// a duplicate's is recorded by the dispatcher beside it (<see cref="ProcessingOutcome.CourseKey"/>).
/// <para>
/// Erasure: an erased learner's aggregate is a tombstone, so an event on a course they had is
/// dropped on the one read. A first event on a course lists the pair first (<see cref="IAttemptStore.RegisterAsync"/>),
/// then reads the learner tombstones, then inserts: an erasure writes its tombstone, then reads the
/// list and tombstones every course on it, so either it sees the pair or this writer sees its tombstone.
/// </para>
/// </summary>
public sealed class HistoryWriter(
    IAttemptStore store,
    AttemptRules rules,
    ProcessingOptions options,
    Parking parking,
    LearnerIds ids,
    TimeProvider time,
    ProcessingMetrics metrics,
    ILogger<HistoryWriter> logger,
    ILearnerTombstones? tombstones = null)
{
    public async Task<ProcessingOutcome> WriteAsync(HistoryWrite write, CancellationToken cancellationToken)
    {
        var key = LearnerCourseKey.For(ids, write.Email, write.CourseId);
        var registered = false;
        for (var conflicts = 0; ; conflicts++)
        {
            var stored = await store.GetCurrentAsync(key, cancellationToken).ConfigureAwait(false);
            if (stored is { Erased: true })
                return Erased(write);
            if (stored is null && !registered)
            {
                // A legacy aggregate (storage before v3) is found by the listing, on its own row; none
                // can appear later, since only the layout before v3 wrote them.
                stored = await store.RegisterAsync(key, write.CourseId, cancellationToken).ConfigureAwait(false);
                // After a legacy aggregate, a retry that finds no aggregate at all lists and checks again.
                registered = stored is null;
                // An erased learner stays erased: the event is dropped before anything else is written
                // (not parked either, since a parked body would hold the email again).
                if (stored is null && tombstones is not null && await tombstones.IsErasedAsync(write.Email, cancellationToken).ConfigureAwait(false))
                {
                    // Another first event of the learner may have passed its own check before the
                    // erasure's tombstone and be about to insert, after the erasure read the course
                    // list: erase the pair here as the erasure would (tombstone, then its rows), and
                    // only then take the listing back.
                    await store.ForgetAsync(key, cancellationToken).ConfigureAwait(false);
                    return Erased(write);
                }
            }
            var history = stored?.History ?? LearnerCourseHistory.Empty(write.Email, write.CourseId);
            if (write.Refuse?.Invoke(history) is { } reason)
                return await ParkAsync(ParkCategories.Unmatched, write, reason, key, cancellationToken).ConfigureAwait(false);

            // The fold stored with the history, or the history folded once when there is none (an
            // older row, other cutover settings); an event in time order then costs O(log attempts).
            var state = rules.StateOf(history, stored?.Fold);
            var before = state.Attempts;
            var acceptance = write.Accept(history);
            var update = rules.Apply(state, acceptance);
            var after = update.State.Attempts;
            if (acceptance.IsNew && BeyondTheCap(before, after, history, acceptance.History) is { } beyond)
                return await ParkAsync(ParkCategories.Invalid, write, beyond, key, cancellationToken).ConfigureAwait(false);

            if (!acceptance.IsNew)
            {
                // Seen before: its read side committed with it. Only a version whose read side is
                // still being written (or a legacy row) is written again, in full, to finish it; losing
                // that race counts as a conflict like any other.
                if (stored is not ({ ProjectionPending: true } or { Legacy: true })
                    || await store.TryCommitAsync(new AggregateWrite(key, history, stored.ETag, state, null, stored), cancellationToken).ConfigureAwait(false) is not null)
                {
                    logger.LogInformation("Event already applied to learner {Learner} on course {CourseId} (enrolment {EnrolmentId})",
                        LearnerEmail.Mask(write.Email), LogValue.Of(write.CourseId), LogValue.Of(write.EnrolmentId));
                    return new ProcessingOutcome(OutcomeKind.Duplicate, [], conflicts) { LearnerHash = key.LearnerHash, EnrolmentId = write.EnrolmentId, CourseKey = key.CourseKey };
                }
            }
            else if (await store.TryCommitAsync(new AggregateWrite(key, acceptance.History, stored?.ETag, update.State, before, stored) { Outcome = Applied(write, key, update.ChangedAttemptIds) },
                cancellationToken).ConfigureAwait(false) is not null)
            {
                var changed = update.ChangedAttemptIds;
                logger.LogInformation("Applied {EventKind} to learner {Learner} on course {CourseId}: attempts {AttemptIds} changed after {Conflicts} conflicts (enrolment {EnrolmentId})",
                    LogValue.Of(write.Kind), LearnerEmail.Mask(write.Email), LogValue.Of(write.CourseId), LogValue.Of(changed), conflicts, LogValue.Of(write.EnrolmentId));
                return new ProcessingOutcome(OutcomeKind.Applied, changed, conflicts)
                {
                    LearnerHash = key.LearnerHash, EnrolmentId = write.EnrolmentId, CourseKey = key.CourseKey, OutcomeRecorded = write.Delivery is not null,
                };
            }

            metrics.Conflicts.Add(1);
            if (conflicts >= options.MaxConflictRetries)
                throw new ConcurrencyExhaustedException(
                    $"Event {LogValue.Of(write.EventId)} lost the write race {conflicts + 1} times on course {LogValue.Of(write.CourseId)}; the queue will retry it.");

            // Spread the retries of concurrent writers so they do not collide again in lockstep.
            var backoff = TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * (conflicts + 2)));
            await Task.Delay(backoff, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The delivery record of the event applied, committed with it (null: the caller records none).</summary>
    private static DeliveryOutcome? Applied(HistoryWrite write, LearnerCourseKey key, IReadOnlyList<string> changed) =>
        write.Delivery is { } delivery
            ? new DeliveryOutcome(write.EventId, delivery.ReceivedAt, DeliveryOutcomes.Applied, DeliveryOutcomes.AppliedDetail(changed),
                write.EnrolmentId, key.LearnerHash, delivery.Receipt, key.CourseKey)
            : null;

    private ProcessingOutcome Erased(HistoryWrite write)
    {
        metrics.Erased.Add(1, new KeyValuePair<string, object?>("kind", EventKinds.TagOf(write.Kind)));
        logger.LogInformation("Dropped {EventKind} of an erased learner on course {CourseId}", LogValue.Of(write.Kind), LogValue.Of(write.CourseId));
        return ProcessingOutcome.Erased() with { EnrolmentId = write.EnrolmentId };
    }

    private async Task<ProcessingOutcome> ParkAsync(string category, HistoryWrite write, string reason, LearnerCourseKey key, CancellationToken cancellationToken) =>
        await parking.ParkAsync(category, write.EventId, write.Body, reason, cancellationToken).ConfigureAwait(false)
            with { LearnerHash = key.LearnerHash, EnrolmentId = write.EnrolmentId };

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
        if (next.CompletionCount > cap && next.CompletionCount > was.CompletionCount)
            return $"the learner already has {was.CompletionCount} completions on this course and this event would add one beyond Processing__MaxAttemptsPerLearnerCourse ({cap})";
        return null;
    }
}
