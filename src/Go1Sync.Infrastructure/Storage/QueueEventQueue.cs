namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// Writes envelopes to the attempt-events queue. The client is configured for base64 messages
/// (see <see cref="StorageClients"/>), which is what the queue trigger expects by default:
/// a mismatch would send every message to poison.
/// </summary>
public sealed class QueueEventQueue(QueueServiceClient queues, IOptions<QueueOptions> options) : IEventQueue
{
    private readonly QueueClient _queue = queues.GetQueueClient(options.Value.AttemptEventsQueue);

    /// <summary>
    /// Never expires (time to live -1): the message carries the delivery receipt too, so a message
    /// the queue's default 7-day time to live dropped would leave neither the event nor its record.
    /// </summary>
    public async Task EnqueueAsync(EventEnvelope envelope, CancellationToken cancellationToken) =>
        await _queue.SendMessageAsync(envelope.ToJson(), visibilityTimeout: null, timeToLive: NeverExpires, cancellationToken).ConfigureAwait(false);

    private static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);
}
