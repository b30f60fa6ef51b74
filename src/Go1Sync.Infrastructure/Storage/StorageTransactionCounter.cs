using Azure.Core;
using Azure.Core.Pipeline;

namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// Counts every storage request that leaves the process (retries included, as Azure bills
/// them), by service and kind. Tests assert exact costs with it; it is also cheap enough to
/// leave on in production.
/// </summary>
public sealed class StorageTransactionCounter : HttpPipelinePolicy
{
    private long _tableReads, _tableWrites, _tableBatches, _tableQueries, _queueWrites, _queueOther, _other;

    public long TableReads => Interlocked.Read(ref _tableReads);
    public long TableWrites => Interlocked.Read(ref _tableWrites);
    public long TableBatches => Interlocked.Read(ref _tableBatches);
    /// <summary>Table GETs that are queries (a filter or a whole partition), not point reads.</summary>
    public long TableQueries => Interlocked.Read(ref _tableQueries);
    public long QueueWrites => Interlocked.Read(ref _queueWrites);
    public long Total => TableReads + TableWrites + TableBatches + QueueWrites + Interlocked.Read(ref _queueOther) + Interlocked.Read(ref _other);

    public void Reset()
    {
        Interlocked.Exchange(ref _tableReads, 0);
        Interlocked.Exchange(ref _tableWrites, 0);
        Interlocked.Exchange(ref _tableBatches, 0);
        Interlocked.Exchange(ref _tableQueries, 0);
        Interlocked.Exchange(ref _queueWrites, 0);
        Interlocked.Exchange(ref _queueOther, 0);
        Interlocked.Exchange(ref _other, 0);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message.Request);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message.Request);
        return ProcessNextAsync(message, pipeline);
    }

    private void Count(Request request)
    {
        var uri = request.Uri.ToUri();
        var path = uri.AbsolutePath;
        var isTable = uri.Host.Contains(".table.", StringComparison.OrdinalIgnoreCase) || IsAzuriteTable(uri, path);
        var isQueue = uri.Host.Contains(".queue.", StringComparison.OrdinalIgnoreCase) || path.Contains("/messages", StringComparison.Ordinal);
        var method = request.Method;

        if (isTable)
        {
            if (path.EndsWith("/$batch", StringComparison.Ordinal)) Interlocked.Increment(ref _tableBatches);
            else if (method == RequestMethod.Get)
            {
                Interlocked.Increment(ref _tableReads);
                if (!path.EndsWith(')')) Interlocked.Increment(ref _tableQueries);
            }
            else Interlocked.Increment(ref _tableWrites);
        }
        else if (isQueue)
        {
            if (method == RequestMethod.Post) Interlocked.Increment(ref _queueWrites);
            else Interlocked.Increment(ref _queueOther);
        }
        else
        {
            Interlocked.Increment(ref _other);
        }
    }

    /// <summary>Azurite serves tables on its own port with the account in the path: /devstoreaccount1/Table(...).</summary>
    private static bool IsAzuriteTable(Uri uri, string path) =>
        uri.IsLoopback && !path.Contains("/messages", StringComparison.Ordinal) && (path.Contains('(') || path.EndsWith("/$batch", StringComparison.Ordinal) || path.EndsWith("/Tables", StringComparison.Ordinal));
}
