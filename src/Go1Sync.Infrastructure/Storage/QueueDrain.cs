using Azure.Storage.Queues.Models;
using Go1Sync.Core.Security;

namespace Go1Sync.Infrastructure.Storage;

/// <summary>What one drain did, message deliveries counted once each.</summary>
public sealed record DrainResult(int Delivered, int Applied, int Duplicate, int NoEffect, int Parked, int Failed, int Poisoned, int LeftInvisible)
{
    public int Processed => Applied + Duplicate + NoEffect + Parked;
}

/// <summary>
/// Processes the events queue until it is empty, with the queue trigger's rules: batches of
/// host.json's batchSize run concurrently through the same processor; a message that succeeds is
/// deleted; one that fails is retried (after a short back-off) until its maxDequeueCount-th
/// delivery, then moved to the poison queue with its body unchanged, where <c>poison replay</c>
/// finds it. This is how the pipeline runs without the Functions host (<c>go1sync drain</c>).
/// </summary>
public sealed class QueueDrain(QueueServiceClient queues, IOptions<QueueOptions> options, AttemptEventProcessor processor, TimeProvider time, ILogger<QueueDrain> logger)
{
    /// <summary>How long a received message stays invisible to other consumers while it is processed.</summary>
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    /// <summary>How long the drain waits for messages that are in flight elsewhere or backing off before it gives up on them.</summary>
    private static readonly TimeSpan MaxIdleWait = TimeSpan.FromMinutes(1);

    /// <summary>Back-off before the next delivery of a failed message: 1 s, 2 s, 4 s, 8 s (the host waits host.json's visibilityTimeout).</summary>
    public static TimeSpan RetryDelay(long dequeueCount) => TimeSpan.FromSeconds(Math.Min(Math.Pow(2, Math.Max(0, dequeueCount - 1)), 30));

    public async Task<DrainResult> RunAsync(IProgress<DrainResult>? progress, CancellationToken cancellationToken)
    {
        var queue = queues.GetQueueClient(options.Value.AttemptEventsQueue);
        var poison = queues.GetQueueClient(options.Value.PoisonQueue);
        var counts = new Tally();
        var idleSince = (DateTimeOffset?)null;
        while (true)
        {
            QueueMessage[] batch = (await queue.ReceiveMessagesAsync(QueueOptions.BatchSize, Lease, cancellationToken).ConfigureAwait(false)).Value;
            if (batch.Length == 0)
            {
                var waiting = (await queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false)).Value.ApproximateMessagesCount;
                if (waiting == 0) return counts.Result(0);
                // Messages backing off after a failure (or held by another consumer) are not visible yet.
                idleSince ??= time.GetUtcNow();
                if (time.GetUtcNow() - idleSince > MaxIdleWait)
                {
                    logger.LogWarning("Drain stopped with {Waiting} message(s) still invisible: another consumer (a running Functions host?) may hold them", waiting);
                    return counts.Result(waiting);
                }
                await Task.Delay(TimeSpan.FromMilliseconds(500), time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            idleSince = null;
            await Task.WhenAll(batch.Select(m => DeliverAsync(queue, poison, m, counts, cancellationToken))).ConfigureAwait(false);
            progress?.Report(counts.Result(0));
        }
    }

    private async Task DeliverAsync(QueueClient queue, QueueClient poison, QueueMessage message, Tally counts, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref counts.Delivered);
        try
        {
            var outcome = await processor.ProcessAsync(message.MessageId, message.Body.ToString(), cancellationToken, message.DequeueCount).ConfigureAwait(false);
            counts.Count(outcome.Kind);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Interlocked.Increment(ref counts.Failed);
            if (message.DequeueCount >= QueueOptions.MaxDequeueCount)
            {
                logger.LogError(ex, "Message {MessageId} failed on delivery {DequeueCount} and moves to the poison queue", LogValue.Of(message.MessageId), message.DequeueCount);
                await poison.SendMessageAsync(message.Body, cancellationToken: cancellationToken).ConfigureAwait(false);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref counts.Poisoned);
            }
            else
            {
                logger.LogWarning("Message {MessageId} failed on delivery {DequeueCount} ({Error}); it is retried", LogValue.Of(message.MessageId), message.DequeueCount, LogValue.Of(ex.GetType().Name + ": " + ex.Message.Split('\n')[0]));
                await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: RetryDelay(message.DequeueCount), cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Counters shared by the concurrent deliveries of a batch.</summary>
    private sealed class Tally
    {
        public int Delivered, Applied, Duplicate, NoEffect, Parked, Failed, Poisoned;

        public void Count(OutcomeKind kind)
        {
            switch (kind)
            {
                case OutcomeKind.Applied: Interlocked.Increment(ref Applied); break;
                case OutcomeKind.Duplicate: Interlocked.Increment(ref Duplicate); break;
                case OutcomeKind.NoEffect: Interlocked.Increment(ref NoEffect); break;
                default: Interlocked.Increment(ref Parked); break;
            }
        }

        public DrainResult Result(int leftInvisible) => new(
            Volatile.Read(ref Delivered), Volatile.Read(ref Applied), Volatile.Read(ref Duplicate), Volatile.Read(ref NoEffect),
            Volatile.Read(ref Parked), Volatile.Read(ref Failed), Volatile.Read(ref Poisoned), leftInvisible);
    }
}
