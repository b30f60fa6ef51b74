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
/// <param name="AttemptId">The attempt a launch is about (its projection rows are repaired on a redelivery).</param>
/// <param name="EnrolmentId">The Go1 enrolment a completion is about, likewise.</param>
public sealed record HistoryWrite(
    string EventId,
    string Kind,
    string Body,
    string Email,
    string CourseId,
    Func<LearnerCourseHistory, Acceptance> Accept,
    string? AttemptId = null,
    string? EnrolmentId = null,
    Func<LearnerCourseHistory, string?>? Refuse = null);

/// <summary>
/// The one place that changes a stored history, whichever event it is: drop the event of an erased
/// learner, read the aggregate, decide (refusal, the rules, the attempts cap), write only if nobody
/// else did in between (re-read and decide again otherwise, with jitter, at most
/// <see cref="ProcessingOptions.MaxConflictRetries"/> times), then bring the projections in line and
/// converge with any newer version. An event the history already holds writes nothing and repairs the
/// projections instead (the first delivery may have stopped between the aggregate and its rows).
/// </summary>
public sealed class HistoryWriter(
    IAttemptStore store,
    IAttemptProjection projection,
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
        // An erased learner stays erased: the event is dropped before anything is read or written
        // (not parked either, since a parked body would hold the email again).
        if (tombstones is not null && await tombstones.IsErasedAsync(write.Email, cancellationToken).ConfigureAwait(false))
        {
            metrics.Erased.Add(1, new KeyValuePair<string, object?>("kind", EventKinds.TagOf(write.Kind)));
            logger.LogInformation("Dropped {EventKind} of an erased learner on course {CourseId}", LogValue.Of(write.Kind), LogValue.Of(write.CourseId));
            return ProcessingOutcome.Erased() with { EnrolmentId = write.EnrolmentId };
        }
        for (var conflicts = 0; ; conflicts++)
        {
            var stored = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
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
                // Seen before: the first delivery may have stopped after the aggregate write, so
                // rewriting the projections here is what repairs them; then converge, in case a
                // newer version was projected while this repair wrote the older one.
                var touched = before.Where(a => a.AttemptId == write.AttemptId || (write.EnrolmentId is not null && a.Go1EnrolmentId == write.EnrolmentId)).Select(a => a.AttemptId).ToList();
                await projection.RepairAsync(key, before, touched, cancellationToken).ConfigureAwait(false);
                if (stored is not null)
                    await ConvergeAsync(key, before, stored.ETag, cancellationToken).ConfigureAwait(false);
                logger.LogInformation("Event already applied to learner {Learner} on course {CourseId} (enrolment {EnrolmentId})",
                    LearnerEmail.Mask(write.Email), LogValue.Of(write.CourseId), LogValue.Of(write.EnrolmentId));
                return new ProcessingOutcome(OutcomeKind.Duplicate, [], conflicts) { LearnerHash = key.LearnerHash, EnrolmentId = write.EnrolmentId };
            }

            var etag = await store.TrySaveAsync(key, acceptance.History, stored?.ETag, cancellationToken, update.State).ConfigureAwait(false);
            if (etag is not null)
            {
                await projection.UpdateAsync(key, before, after, cancellationToken).ConfigureAwait(false);
                await ConvergeAsync(key, after, etag, cancellationToken).ConfigureAwait(false);
                var changed = update.ChangedAttemptIds;
                logger.LogInformation("Applied {EventKind} to learner {Learner} on course {CourseId}: attempts {AttemptIds} changed after {Conflicts} conflicts (enrolment {EnrolmentId})",
                    LogValue.Of(write.Kind), LearnerEmail.Mask(write.Email), LogValue.Of(write.CourseId), LogValue.Of(changed), conflicts, LogValue.Of(write.EnrolmentId));
                return new ProcessingOutcome(OutcomeKind.Applied, changed, conflicts) { LearnerHash = key.LearnerHash, EnrolmentId = write.EnrolmentId };
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
            var latest = rules.StateOf(current.History, current.Fold).Attempts;
            await projection.UpdateAsync(key, written, latest, cancellationToken).ConfigureAwait(false);
            written = latest;
            writtenETag = current.ETag;
        }
        logger.LogWarning("The read side of course {CourseId} kept moving under {Rounds} rounds; the next event or sweep will bring it up to date", LogValue.Of(key.CourseKey), MaxConvergenceRounds);
    }

    private const int MaxConvergenceRounds = 5;
}
