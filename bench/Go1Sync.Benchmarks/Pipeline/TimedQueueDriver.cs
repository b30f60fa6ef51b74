using System.Collections.Concurrent;
using System.Diagnostics;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Go1Sync.Functions.Functions;
using Go1Sync.Testing;

namespace Go1Sync.Benchmarks.Pipeline;

public sealed record DrainTiming(int Succeeded, int Failed, int Poisoned, TimeSpan Elapsed, IReadOnlyList<double> LatenciesMs, IReadOnlyList<string> Errors)
{
    public double EventsPerSecond => Succeeded / Elapsed.TotalSeconds;
}

/// <summary>
/// Does what the Functions host's queue trigger does (receive, run the function, delete on
/// success, make visible again on failure, poison after maxDequeueCount), keeping
/// <c>parallelism</c> deliveries in flight at all times: a freed slot is refilled at the next
/// receive rather than waiting for the whole batch (Go1SyncTestHost.DrainAsync waits). Times
/// each call of the queue function.
/// The driver's own queue client is not wired to the StorageTransactionCounter, so the counter
/// holds only what the function itself costs.
/// </summary>
public sealed class TimedQueueDriver(QueueClient queue, QueueClient poison, AttemptEventsFunction function, int parallelism)
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    public async Task<DrainTiming> DrainAsync(TimeSpan limit)
    {
        var latencies = new ConcurrentQueue<double>();
        var errors = new ConcurrentQueue<string>();
        int succeeded = 0, failed = 0, poisoned = 0;
        var inFlight = new List<Task>(parallelism);
        var clock = Stopwatch.StartNew();

        async Task DeliverAsync(QueueMessage message)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await function.Run(message, CancellationToken.None);
                latencies.Enqueue(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
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
                    Interlocked.Increment(ref poisoned);
                }
                else
                {
                    await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
                }
            }
        }

        while (true)
        {
            if (clock.Elapsed > limit)
                throw new TimeoutException($"The queue {queue.Name} did not drain in {limit}.");
            inFlight.RemoveAll(t => t.IsCompleted);
            var free = parallelism - inFlight.Count;
            if (free == 0)
            {
                await Task.WhenAny(inFlight);
                continue;
            }

            QueueMessage[] messages = (await queue.ReceiveMessagesAsync(Math.Min(free, 32), Lease)).Value;
            foreach (var message in messages) inFlight.Add(DeliverAsync(message));
            if (messages.Length > 0) continue;
            if (inFlight.Count == 0) break;
            // Nothing visible right now; a delivery in flight may still fail and come back.
            await Task.WhenAny(inFlight);
        }

        clock.Stop();
        return new DrainTiming(succeeded, failed, poisoned, clock.Elapsed, [.. latencies], [.. errors]);
    }
}
