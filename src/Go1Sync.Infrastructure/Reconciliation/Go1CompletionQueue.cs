using Go1Sync.Core.Attempts;
using Go1Sync.Core.Intake;
using Go1Sync.Core.Processing;

namespace Go1Sync.Infrastructure.Reconciliation;

/// <summary>
/// Queues a completion that Go1 reported through its API (the sweep, the reconciliation, a backfill)
/// as the same completion message a webhook would carry, so that whichever arrives first applies
/// and the other is a duplicate. One place builds that message, its id and its delivery record.
/// </summary>
public sealed class Go1CompletionQueue(IEventQueue queue, TimeProvider time, Core.Learners.LearnerIds ids)
{
    /// <param name="email">The learner's email when already resolved (then the processor asks Go1 for nothing but a missing duration).</param>
    /// <param name="source">A <see cref="DeliverySources"/> value.</param>
    public async Task<string> QueueAsync(Go1Enrolment enrolment, string? email, string source, CancellationToken cancellationToken)
    {
        var message = new CompletionMessage
        {
            Source = source,
            EnrolmentId = enrolment.Id,
            CourseId = enrolment.LoId,
            Go1UserId = enrolment.UserAccountId,
            Email = email,
            Status = enrolment.Status,
            Passed = enrolment.Pass,
            Score = enrolment.Result is >= 0 and <= 100 ? enrolment.Result : null,
            StartedAt = enrolment.StartDate,
            CompletedAt = enrolment.EndDate,
        };
        var id = EventIds.Go1Sourced(source, enrolment.Id, enrolment.EndDate);
        var now = time.GetUtcNow();
        // The receipt travels in the message; the processor writes it with the outcome (one queue write here).
        var receipt = new DeliveryReceipt(id, EventKinds.Completion, Go1WebhookIntake.CompletionEventType, now, "n/a", 0,
            EnrolmentId: enrolment.Id, LearnerHash: ids.IdOfValid(email), Source: source, LearnerIdKey: ids.CurrentKeyId);
        await queue.EnqueueAsync(EventEnvelope.ForCompletion(message, id, now).WithReceipt(receipt), cancellationToken).ConfigureAwait(false);
        return id;
    }
}
