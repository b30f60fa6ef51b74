using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Go1Sync.Benchmarks.Engine;
using Go1Sync.Core.Learners;
using Go1Sync.Infrastructure.Storage;
using Go1Sync.Testing;

namespace Go1Sync.Benchmarks.Pipeline;

/// <summary>
/// What one request of each kind an event sends costs Azurite in CPU (its process's user + system
/// time over N requests of that kind alone, 24 in flight, after a warm-up of every kind). Azurite
/// handles requests on one JavaScript thread, so where it is the busier process (it is in the
/// pipeline benchmark) these costs bound every rate, and their sums bound the ratio: an event's
/// requests against the raw op's read and update.
/// </summary>
public static class AzuriteCostProbe
{
    private const int Parallelism = 24;
    private const int WarmupPerKind = 300;

    public static async Task<int> RunAsync(int operations)
    {
        await using var azurite = await Azurite.StartInMemoryAsync();
        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient("Probe");
        await table.CreateIfNotExistsAsync();
        var history = Aggregates.Build(2);
        var rows = Enumerable.Range(0, Parallelism * 8)
            .Select(i => TableAttemptStore.Write(LearnerCourseKey.For(LearnerIds.Development, $"probe{i:D4}@bench.example.com", Aggregates.CourseId), history, LearnerIds.Development.CurrentKeyId))
            .ToArray();
        foreach (var row in rows) await table.AddEntityAsync(row);
        var inserted = 0;
        var etags = new ETag[rows.Length];
        for (var i = 0; i < rows.Length; i++) etags[i] = (await table.GetEntityAsync<TableEntity>(rows[i].PartitionKey, rows[i].RowKey)).Value.ETag;
        var kinds = new (string Name, Func<int, Task> Op)[]
        {
            ("table GetEntity, the aggregate row (2 attempts)", i => Read(table, rows[i % rows.Length])),
            ("table GetEntityIfExists, absent", i => table.GetEntityIfExistsAsync<TableEntity>("absent", $"row{i}")),
            ("table UpdateEntity If-Match its ETag, the aggregate row", i => UpdateAsync(table, rows, etags, i % rows.Length)),
            ("table AddEntity, a new small row", _ => table.AddEntityAsync(Small("listed", $"row{Interlocked.Increment(ref inserted)}", 3))),
            ("table batch of 5: the aggregate If-Match its ETag + 4 small upserts", i => EventBatchAsync(table, rows, etags, i % rows.Length, i)),
        };
        foreach (var (_, op) in kinds) await Each(WarmupPerKind, op);

        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        var body = new string('x', 700); // about an intake message (envelope, receipt, payload)
        var warmupQueue = new QueueClient(azurite.ConnectionString, "probe-warmup", queueOptions);
        await warmupQueue.CreateIfNotExistsAsync();
        await Each(WarmupPerKind, _ => warmupQueue.SendMessageAsync(body));
        await DrainAsync(warmupQueue, WarmupPerKind);

        Console.WriteLine($"Azurite CPU per request, {operations} requests of each kind alone, {Parallelism} in flight (after {WarmupPerKind} of each kind):");
        foreach (var (name, op) in kinds)
            await MeasureAsync(azurite, name, operations, () => Each(operations, op));

        var queue = new QueueClient(azurite.ConnectionString, "probe", queueOptions);
        await queue.CreateIfNotExistsAsync();
        await MeasureAsync(azurite, $"queue SendMessage, {body.Length} characters", operations, () => Each(operations, _ => queue.SendMessageAsync(body)));
        var received = new ConcurrentQueue<QueueMessage>();
        await MeasureAsync(azurite, $"queue ReceiveMessages of 16, per message (a backlog of {operations})", 16 * (operations / 16),
            () => Each(operations / 16, async _ => { foreach (var m in (await queue.ReceiveMessagesAsync(16, TimeSpan.FromMinutes(5))).Value) received.Enqueue(m); }));
        var toDelete = received.ToArray();
        await MeasureAsync(azurite, "queue DeleteMessage", toDelete.Length,
            () => Each(toDelete.Length, i => queue.DeleteMessageAsync(toDelete[i].MessageId, toDelete[i].PopReceipt)));
        return 0;
    }

    /// <summary>A conditional replace on the ETag this row was last written with (24 in flight never share a row: 192 rows).</summary>
    private static async Task UpdateAsync(TableClient table, TableEntity[] rows, ETag[] etags, int n)
    {
        var response = await table.UpdateEntityAsync(rows[n], etags[n], TableUpdateMode.Replace);
        etags[n] = response.Headers.ETag ?? throw new InvalidOperationException("No ETag on an update.");
    }

    private static async Task Read(TableClient table, TableEntity row) => await table.GetEntityAsync<TableEntity>(row.PartitionKey, row.RowKey);

    private static async Task EventBatchAsync(TableClient table, TableEntity[] rows, ETag[] etags, int n, int op)
    {
        var aggregate = rows[n];
        var response = await table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.UpdateReplace, aggregate, etags[n]),
            .. Enumerable.Range(0, 4).Select(s => new TableTransactionAction(TableTransactionActionType.UpsertReplace, Small(aggregate.PartitionKey, $"side{s}_{aggregate.RowKey}", op))),
        ]);
        etags[n] = response.Value[0].Headers.ETag ?? throw new InvalidOperationException("No ETag on the batch's update.");
    }

    /// <summary>A stats- or change-sized row: a dozen short properties.</summary>
    private static TableEntity Small(string partition, string row, int op)
    {
        var entity = new TableEntity(partition, row);
        for (var p = 0; p < 12; p++) entity[$"P{p:00}"] = $"value {p} of operation {op}";
        return entity;
    }

    private static async Task DrainAsync(QueueClient queue, int count)
    {
        var left = count;
        while (left > 0)
        {
            var messages = (await queue.ReceiveMessagesAsync(16)).Value;
            await Task.WhenAll(messages.Select(m => queue.DeleteMessageAsync(m.MessageId, m.PopReceipt)));
            left -= messages.Length;
        }
    }

    private static async Task MeasureAsync(Azurite azurite, string name, int count, Func<Task> run)
    {
        var before = azurite.ProcessorTime;
        var clock = Stopwatch.StartNew();
        await run();
        var cpu = (azurite.ProcessorTime - before).TotalMilliseconds / count;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-70} {cpu,6:F2} ms CPU  {count / clock.Elapsed.TotalSeconds,6:F0} requests/s"));
    }

    private static async Task Each(int count, Func<int, Task> op)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Parallelism).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
                await op(i);
        }));
    }
}
