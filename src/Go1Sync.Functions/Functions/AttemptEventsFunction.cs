using Azure.Storage.Queues.Models;

namespace Go1Sync.Functions.Functions;

/// <summary>
/// Applies queued events. A failure is rethrown so the host retries the message, and after
/// host.json's maxDequeueCount moves it to the poison queue, where it can be replayed.
/// </summary>
public sealed class AttemptEventsFunction(AttemptEventProcessor processor, ILogger<AttemptEventsFunction> logger)
{
    [Function("AttemptEvents")]
    public async Task Run(
        [QueueTrigger("%AttemptEventsQueue%", Connection = "AzureWebJobsStorage")] QueueMessage message,
        CancellationToken cancellationToken)
    {
        try
        {
            await processor.ProcessAsync(message.MessageId, message.Body.ToString(), cancellationToken, message.DequeueCount);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Message {MessageId} failed on delivery {DequeueCount}; the queue will retry it, then move it to poison",
                Go1Sync.Core.Security.LogValue.Of(message.MessageId), message.DequeueCount);
            throw;
        }
    }
}
