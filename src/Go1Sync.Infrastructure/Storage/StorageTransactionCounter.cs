using Azure.Core;
using Azure.Core.Pipeline;

namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// Counts every storage request that leaves the process (retries included, as Azure bills
/// them), by service and kind. Tests assert exact costs with it; it is cheap enough to leave on
/// in production. The table and queue clients each get their own policy, so nothing is guessed
/// from URLs (Azurite puts every service on loopback).
/// </summary>
public sealed class StorageTransactionCounter
{
    private long _tableReads, _tableWrites, _tableBatches, _tableQueries, _queueWrites, _queueOther;

    public StorageTransactionCounter()
    {
        TablePolicy = new Policy(CountTable);
        QueuePolicy = new Policy(CountQueue);
    }

    public HttpPipelinePolicy TablePolicy { get; }
    public HttpPipelinePolicy QueuePolicy { get; }

    /// <summary>Table GETs: point reads and queries.</summary>
    public long TableReads => Interlocked.Read(ref _tableReads);
    public long TableWrites => Interlocked.Read(ref _tableWrites);
    public long TableBatches => Interlocked.Read(ref _tableBatches);
    /// <summary>Table GETs that are queries (a filter or a whole table), not point reads.</summary>
    public long TableQueries => Interlocked.Read(ref _tableQueries);
    public long QueueWrites => Interlocked.Read(ref _queueWrites);
    public long QueueOther => Interlocked.Read(ref _queueOther);
    public long Total => TableReads + TableWrites + TableBatches + QueueWrites + QueueOther;

    public void Reset()
    {
        Interlocked.Exchange(ref _tableReads, 0);
        Interlocked.Exchange(ref _tableWrites, 0);
        Interlocked.Exchange(ref _tableBatches, 0);
        Interlocked.Exchange(ref _tableQueries, 0);
        Interlocked.Exchange(ref _queueWrites, 0);
        Interlocked.Exchange(ref _queueOther, 0);
    }

    private void CountTable(Request request)
    {
        var path = request.Uri.Path;
        if (path.EndsWith("/$batch", StringComparison.Ordinal)) Interlocked.Increment(ref _tableBatches);
        else if (request.Method == RequestMethod.Get)
        {
            Interlocked.Increment(ref _tableReads);
            // A point read addresses one entity: .../Table(PartitionKey='..',RowKey='..'); a query
            // goes to .../Table() with a $filter (or to the table list).
            if (path.EndsWith("()", StringComparison.Ordinal) || !path.EndsWith(')')) Interlocked.Increment(ref _tableQueries);
        }
        else Interlocked.Increment(ref _tableWrites);
    }

    private void CountQueue(Request request)
    {
        if (request.Method == RequestMethod.Post) Interlocked.Increment(ref _queueWrites);
        else Interlocked.Increment(ref _queueOther);
    }

    private sealed class Policy(Action<Request> count) : HttpPipelinePolicy
    {
        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            count(message.Request);
            ProcessNext(message, pipeline);
        }

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            count(message.Request);
            return ProcessNextAsync(message, pipeline);
        }
    }
}
