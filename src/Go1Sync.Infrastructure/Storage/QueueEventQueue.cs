namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// Writes envelopes to the attempt-events queue. The client is configured for base64 messages
/// (see <see cref="StorageClients"/>), which is what the queue trigger expects by default:
/// a mismatch would send every message to poison.
/// </summary>
public sealed class QueueEventQueue(QueueServiceClient queues, IOptions<QueueOptions> options) : IEventQueue
{
    private readonly QueueClient _queue = queues.GetQueueClient(options.Value.AttemptEventsQueue);

    public async Task EnqueueAsync(EventEnvelope envelope, CancellationToken cancellationToken) =>
        await _queue.SendMessageAsync(envelope.ToJson(), cancellationToken).ConfigureAwait(false);
}
