using Go1Sync.Core.Attempts;
using Go1Sync.Core.Security;
using Microsoft.Extensions.Logging;

namespace Go1Sync.Core.Processing;

/// <summary>
/// Use case: a Go1 completion. Fetches what a thin message lacks (<see cref="ICompletionEnricher"/>):
/// an enrolment that is not completed has no effect, a learner who cannot be matched is parked as
/// unmatched. With <see cref="ProcessingOptions.OnlyKnownLearners"/>, a learner who never launched the
/// course from the LMS is parked as unmatched too (decided on the stored history, by the writer).
/// </summary>
public sealed class ApplyCompletion(
    ICompletionEnricher enricher,
    HistoryWriter writer,
    AttemptRules rules,
    ProcessingOptions options,
    Parking parking,
    ILogger<ApplyCompletion> logger)
{
    public const string UnknownLearnerReason = "only known learners count and this learner never launched the course from the LMS";

    public async Task<ProcessingOutcome> ExecuteAsync(EventEnvelope envelope, string body, CompletionMessage message, CancellationToken cancellationToken)
    {
        var enrichment = await enricher.EnrichAsync(message, cancellationToken).ConfigureAwait(false);
        switch (enrichment)
        {
            case Enrichment.NoEffect noEffect:
                logger.LogInformation("Completion of enrolment {EnrolmentId} has no effect: {Reason}", LogValue.Of(message.EnrolmentId), LogValue.Of(noEffect.Reason));
                return ProcessingOutcome.NoEffect(noEffect.Reason);
            case Enrichment.Unmatched unmatched:
                return await parking.ParkAsync(ParkCategories.Unmatched, envelope.Id, body, unmatched.Reason, cancellationToken).ConfigureAwait(false);
            case Enrichment.Ready ready:
                var completion = ready.Completion;
                Func<LearnerCourseHistory, string?>? refuse = options.OnlyKnownLearners
                    ? h => h.Launches.IsEmpty ? UnknownLearnerReason : null
                    : null;
                return await writer.WriteAsync(new HistoryWrite(envelope.Id, envelope.Kind, body, completion.Email, completion.CourseId,
                    h => rules.Accept(h, completion, ready.DurationMinutes), EnrolmentId: completion.EnrolmentId, Refuse: refuse, Delivery: EventDelivery.Of(envelope)), cancellationToken).ConfigureAwait(false);
            default:
                throw new InvalidOperationException($"Unexpected enrichment {enrichment.GetType().Name}.");
        }
    }
}
