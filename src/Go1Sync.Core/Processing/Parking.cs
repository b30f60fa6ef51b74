using Go1Sync.Core.Security;
using Microsoft.Extensions.Logging;

namespace Go1Sync.Core.Processing;

/// <summary>
/// Keeps a message that cannot apply, with its reason, for an operator to fix and replay: what the
/// dispatcher does with an unreadable message and the use cases with an event they refuse.
/// </summary>
public sealed class Parking(IParkedStore parked, TimeProvider time, ILogger<Parking> logger)
{
    public async Task<ProcessingOutcome> ParkAsync(string category, string messageId, string body, string reason, CancellationToken cancellationToken)
    {
        await parked.ParkAsync(new ParkedMessage(category, messageId, reason, body, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        logger.LogWarning("Parked message {MessageId} as {Category}: {Reason}", LogValue.Of(messageId), category, LogValue.Of(reason));
        return ProcessingOutcome.Parked(reason);
    }
}
