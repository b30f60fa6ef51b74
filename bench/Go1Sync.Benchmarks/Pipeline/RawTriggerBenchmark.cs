using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace Go1Sync.Benchmarks.Pipeline;

/// <summary>
/// The least any queue-triggered event path can send, without product code: the raw op
/// (<see cref="RawTableBenchmark"/>: a point read and a conditional update) run for each message of a
/// queue filled beforehand, with the trigger's own requests around it as the host makes them
/// (receive <c>batchSize</c> when no more than <c>newBatchThreshold</c> are in flight, delete each on
/// success). The same backlog as the pipeline's drains, the same parallelism; message <c>i</c> works on
/// row <c>i</c> modulo the rows, so messages in flight together never share a row.
/// </summary>
public sealed class RawTriggerBenchmark(string connectionString, RawTableBenchmark raw, int batchSize, int newBatchThreshold)
{
    private readonly QueueClient _queue = new(connectionString, "rawtrigger" + Guid.NewGuid().ToString("N")[..8],
        new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    /// <summary>About an intake message's size (envelope, receipt, payload).</summary>
    private static readonly string Padding = new('x', 600);

    /// <summary>Fills the queue with <paramref name="operations"/> messages (not timed: the pipeline's drains start from a full queue too).</summary>
    public async Task FillAsync(int operations)
    {
        await _queue.CreateIfNotExistsAsync();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, batchSize + newBatchThreshold).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < operations; i = Interlocked.Increment(ref next))
                await _queue.SendMessageAsync(string.Create(CultureInfo.InvariantCulture, $"{i} {Padding}"));
        }));
    }

    /// <summary>Drains what <see cref="FillAsync"/> queued; throws when any op or delete failed.</summary>
    public async Task<RawTiming> RunAsync(int operations)
    {
        var latencies = new double[operations];
        var failures = new ConcurrentQueue<Exception>();
        var succeeded = 0;
        var inFlight = new List<Task>();
        var done = 0;
        var clock = Stopwatch.StartNew();
        while (done < operations || inFlight.Count > 0)
        {
            inFlight.RemoveAll(t => t.IsCompleted);
            if (inFlight.Count > newBatchThreshold)
            {
                await Task.WhenAny(inFlight);
                continue;
            }
            QueueMessage[] messages = (await _queue.ReceiveMessagesAsync(batchSize, TimeSpan.FromMinutes(5))).Value;
            if (messages.Length == 0)
            {
                if (inFlight.Count == 0) break;
                await Task.WhenAny(inFlight);
                continue;
            }
            foreach (var message in messages)
            {
                var op = int.Parse(message.Body.ToString().AsSpan(0, message.Body.ToString().IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
                inFlight.Add(Task.Run(async () =>
                {
                    try
                    {
                        var started = Stopwatch.GetTimestamp();
                        await raw.OperateAsync(op % raw.Rows, op);
                        latencies[op] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                        await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                        Interlocked.Increment(ref succeeded);
                    }
                    catch (Exception ex)
                    {
                        failures.Enqueue(ex);
                    }
                }));
                done++;
            }
        }
        await Task.WhenAll(inFlight);
        clock.Stop();
        if (!failures.IsEmpty)
            throw new AggregateException($"{failures.Count} raw trigger ops failed.", failures);
        if (succeeded != operations || done != operations)
            throw new InvalidOperationException($"The raw trigger run completed {succeeded} of {operations} messages ({done} received).");
        return new RawTiming(operations, clock.Elapsed, latencies);
    }
}
