using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Processing;

/// <summary>Use case: an LMS launch (START or continue) opens or continues an attempt, through the history writer.</summary>
public sealed class ApplyLaunch(HistoryWriter writer, AttemptRules rules)
{
    public Task<ProcessingOutcome> ExecuteAsync(EventEnvelope envelope, string body, LaunchMessage launch, CancellationToken cancellationToken) =>
        writer.WriteAsync(new HistoryWrite(envelope.Id, envelope.Kind, body, launch.Email, launch.CourseId,
            h => rules.Accept(h, launch.ToLaunch()), Delivery: EventDelivery.Of(envelope)), cancellationToken);
}
