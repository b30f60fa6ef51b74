using System.Diagnostics;
using Azure.Data.Tables;
using Go1Sync.Benchmarks.Engine;
using Go1Sync.Core.Learners;
using Go1Sync.Infrastructure.Configuration;
using Go1Sync.Infrastructure.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Go1Sync.Benchmarks.Pipeline;

public sealed record RawTiming(int Operations, TimeSpan Elapsed, IReadOnlyList<double> LatenciesMs)
{
    public double OperationsPerSecond => Operations / Elapsed.TotalSeconds;
}

/// <summary>
/// The storage emulator's own ceiling for the aggregate's access pattern: a point read then a
/// conditional replace (If-Match the ETag just read), straight through Azure.Data.Tables with
/// no product code in between, on the table client the app registers (<see cref="StorageClients"/>:
/// its retry bounds and request counter), so both sides send requests alike. Each worker owns its rows, so no two operations ever race on a row.
/// Rows have the shape of a real aggregate row (TableAttemptStore.Write of a 2-attempt history).
/// <para>
/// With <paramref name="batch"/>, the write is what an event really sends instead: an entity-group
/// transaction of 3 entities in the aggregate's partition, the aggregate replaced If-Match the ETag
/// read, a stats row and a change row upserted (the rows of an attempt of the worker's own).
/// </para>
/// </summary>
public sealed class RawTableBenchmark(string connectionString, int parallelism, bool batch = false)
{
    private const int RowsPerWorker = 32;

    private TableClient? _table;
    private TableEntity[] _entities = [];

    /// <summary>Creates and fills the table, then runs the warm-up operations (not measured).</summary>
    public async Task PrepareAsync(int warmupOperations)
    {
        _table = AppTableService(connectionString).GetTableClient("RawBench" + Guid.NewGuid().ToString("N")[..8]);
        await _table.CreateIfNotExistsAsync();
        var rows = parallelism * RowsPerWorker;
        var history = Aggregates.Build(2);
        // Built once: the timed loop measures storage, not serialization.
        _entities = Enumerable.Range(0, rows).Select(i => TableAttemptStore.Write(Key(i), history, LearnerIds.Development.CurrentKeyId)).ToArray();
        for (var offset = 0; offset < rows; offset += parallelism)
            await Task.WhenAll(_entities.Skip(offset).Take(parallelism).Select(e => _table.AddEntityAsync(e)));
        await RunOpsAsync(_table, _entities, warmupOperations);
    }

    public int Rows => parallelism * RowsPerWorker;

    private static TableServiceClient AppTableService(string connectionString)
    {
        var services = new ServiceCollection();
        StorageClients.Add(services, new ConfigurationBuilder().AddInMemoryCollection([new(StorageClients.Setting, connectionString)]).Build());
        return services.BuildServiceProvider().GetRequiredService<TableServiceClient>();
    }

    public Task<RawTiming> RunAsync(int operations) =>
        RunOpsAsync(_table ?? throw new InvalidOperationException("PrepareAsync first."), _entities, operations);

    private async Task<RawTiming> RunOpsAsync(TableClient table, TableEntity[] entities, int operations)
    {
        var latencies = new double[operations];
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, parallelism).Select(async worker =>
        {
            for (var n = 0; ; n++)
            {
                var op = Interlocked.Increment(ref next);
                if (op >= operations) return;
                var row = worker + parallelism * (n % RowsPerWorker);
                var started = Stopwatch.GetTimestamp();
                await OperateAsync(table, entities[row], op);
                latencies[op] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }));
        clock.Stop();
        return new RawTiming(operations, clock.Elapsed, latencies);
    }

    /// <summary>One op on row <paramref name="row"/> (of <see cref="Rows"/>): the read, then the guarded write.</summary>
    public Task OperateAsync(int row, int op) =>
        OperateAsync(_table ?? throw new InvalidOperationException("PrepareAsync first."), _entities[row], op);

    private async Task OperateAsync(TableClient table, TableEntity entity, int op)
    {
        var read = await table.GetEntityAsync<TableEntity>(entity.PartitionKey, entity.RowKey);
        if (batch)
            await table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, read.Value.ETag),
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, Side(entity, "s", op)),
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, Side(entity, "c", op)),
            ]);
        else
            await table.UpdateEntityAsync(entity, read.Value.ETag, TableUpdateMode.Replace);
    }

    /// <summary>A small row beside the aggregate (a stats or change row's size: a dozen short properties).</summary>
    private static TableEntity Side(TableEntity aggregate, string kind, int op)
    {
        var row = new TableEntity(aggregate.PartitionKey, $"{kind}_{aggregate.RowKey}");
        for (var i = 0; i < 12; i++) row[$"P{i:00}"] = $"value {i} of operation {op}";
        return row;
    }

    public static RawTiming Combine(RawTiming a, RawTiming b) =>
        new(a.Operations + b.Operations, a.Elapsed + b.Elapsed, [.. a.LatenciesMs, .. b.LatenciesMs]);

    private static LearnerCourseKey Key(int row) => LearnerCourseKey.For(LearnerIds.Development, $"raw{row:D4}@bench.example.com", Aggregates.CourseId);
}
