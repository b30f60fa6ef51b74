using System.Collections.Concurrent;
using System.Diagnostics;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Go1Sync.Functions.Functions;
using Go1Sync.Testing;

namespace Go1Sync.Benchmarks.Pipeline;

/// <param name="Receives">Receive calls that returned at least one message.</param>
/// <param name="EmptyReceives">Receive calls that found nothing visible (the host polls likewise, backing off to maxPollingInterval).</param>
/// <param name="QueueOperations">Every other queue call of the trigger: deletes, visibility updates, poison sends.</param>
public sealed record DrainTiming(int Succeeded, int Failed, int Poisoned, TimeSpan Elapsed, IReadOnlyList<double> LatenciesMs, IReadOnlyList<string> Errors,
    int Receives, int EmptyReceives, int QueueOperations)
{
    public double EventsPerSecond => Succeeded / Elapsed.TotalSeconds;
}

/// <summary>
/// Does what the Functions host's queue trigger does (receive, run the function, delete on
/// success, make visible again on failure, poison after maxDequeueCount), fetching as the host
/// does: a batch of <c>batchSize</c> whenever no more than <c>newBatchThreshold</c> deliveries are
/// still in flight (so at most batchSize + newBatchThreshold run at once, <see cref="MaxInFlight"/>).
/// Times each call of the queue function, and counts its own queue calls: the driver's queue
/// client is not wired to the StorageTransactionCounter, which holds only what the function costs.
/// </summary>
public sealed class TimedQueueDriver(QueueClient queue, QueueClient poison, AttemptEventsFunction function, int batchSize, int newBatchThreshold)
{
    public int MaxInFlight => batchSize + newBatchThreshold;

    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    public async Task<DrainTiming> DrainAsync(TimeSpan limit)
    {
        var latencies = new ConcurrentQueue<double>();
        var errors = new ConcurrentQueue<string>();
        int succeeded = 0, failed = 0, poisoned = 0, receives = 0, emptyReceives = 0, operations = 0;
        var inFlight = new List<Task>(MaxInFlight);
        var clock = Stopwatch.StartNew();

        async Task DeliverAsync(QueueMessage message)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await function.Run(message, CancellationToken.None);
                latencies.Enqueue(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                Interlocked.Increment(ref operations);
                Interlocked.Increment(ref succeeded);
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref failed);
                errors.Enqueue($"{ex.GetType().Name}: {ex.Message}");
                if (message.DequeueCount >= HostJson.MaxDequeueCount)
                {
                    await poison.SendMessageAsync(message.Body);
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                    Interlocked.Add(ref operations, 2);
                    Interlocked.Increment(ref poisoned);
                }
                else
                {
                    await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
                    Interlocked.Increment(ref operations);
                }
            }
        }

        while (true)
        {
            if (clock.Elapsed > limit)
                throw new TimeoutException($"The queue {queue.Name} did not drain in {limit}.");
            inFlight.RemoveAll(t => t.IsCompleted);
            if (inFlight.Count > newBatchThreshold)
            {
                await Task.WhenAny(inFlight);
                continue;
            }

            QueueMessage[] messages = (await queue.ReceiveMessagesAsync(batchSize, Lease)).Value;
            if (messages.Length > 0) receives++; else emptyReceives++;
            foreach (var message in messages) inFlight.Add(DeliverAsync(message));
            if (messages.Length > 0) continue;
            if (inFlight.Count == 0) break;
            // Nothing visible right now; a delivery in flight may still fail and come back.
            await Task.WhenAny(inFlight);
        }

        clock.Stop();
        return new DrainTiming(succeeded, failed, poisoned, clock.Elapsed, [.. latencies], [.. errors], receives, emptyReceives, operations);
    }
}
