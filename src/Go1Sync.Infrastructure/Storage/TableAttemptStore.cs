using System.IO.Compression;

namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// One row per (learner, course): PartitionKey the learner id, RowKey the escaped course id;
/// <c>LearnerIdKey</c> says which key made the id (<see cref="LearnerIds.CurrentKeyId"/>; a row without it is legacy SHA-256).
/// The history is gzipped JSON split over binary properties of at most 64 KiB, so one entity
/// (at most 1 MiB) holds thousands of attempts and is still written by one conditional request.
/// The JSON is a stored document of its own (<see cref="HistoryDocumentV1"/>), read by the
/// reader of the row's <c>Format</c> (<see cref="HistoryDocuments"/>).
/// </summary>
public sealed class TableAttemptStore(TableServiceClient tables, LearnerIds ids, ILogger<TableAttemptStore> logger) : IAttemptStore
{
    /// <summary>The format rows are written in.</summary>
    public const string Format = HistoryDocuments.CurrentFormat;
    /// <summary>The property naming the key id of the scheme that made the row's learner id.</summary>
    public const string LearnerIdKeyProperty = "LearnerIdKey";
    internal const int ChunkBytes = 64 * 1024;
    /// <summary>15 chunks of 64 KiB stay under the 1 MiB entity limit with room for the other properties.</summary>
    internal const int MaxChunks = 15;
    /// <summary>
    /// The most JSON one row may inflate to. A full row (about 10,000 attempts) is a few MiB of
    /// JSON; gzip can expand a thousandfold, so a row beyond this was not written by us and is
    /// refused instead of being inflated without limit.
    /// </summary>
    internal const int MaxInflatedBytes = 16 * 1024 * 1024;

    private readonly TableClient _table = tables.GetTableClient(TableNames.Attempts);

    public async Task<StoredHistory?> GetAsync(LearnerCourseKey key, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(key.LearnerHash, key.CourseKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!response.HasValue || response.Value is null) return null;
        var document = ReadDocument(response.Value);
        if (document.FoldProblem is { } problem)
            logger.LogWarning("The stored fold of row {PartitionKey}/{RowKey} could not be restored ({Problem}); its events are folded again",
                response.Value.PartitionKey, response.Value.RowKey, problem);
        return new StoredHistory(document.History, response.Value.ETag.ToString()) { Fold = document.Fold };
    }

    public async Task<string?> TrySaveAsync(LearnerCourseKey key, LearnerCourseHistory history, string? etag, CancellationToken cancellationToken, FoldState? fold = null)
    {
        var entity = Write(key, history, ids.CurrentKeyId, fold);
        try
        {
            var response = etag is null
                ? await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false)
                : await _table.UpdateEntityAsync(entity, new ETag(etag), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return response.Headers.ETag?.ToString() ?? throw new InvalidOperationException("Table storage returned no ETag for a write.");
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Someone else wrote first (or our own retried write did): the caller re-reads, and the
            // event set in the row tells whether this event is already in.
            return null;
        }
    }

    public async Task<IReadOnlyList<LearnerCourseHistory>> GetLearnerAsync(string learnerId, CancellationToken cancellationToken)
    {
        var result = new List<LearnerCourseHistory>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {learnerId}"), cancellationToken: cancellationToken).ConfigureAwait(false))
            result.Add(Read(entity));
        return result;
    }

    /// <param name="learnerIdKey">The key id of the scheme that made <paramref name="key"/>'s learner id.</param>
    /// <param name="fold">The fold of <paramref name="history"/>, stored beside it (null: folded from the events when read).</param>
    internal static TableEntity Write(LearnerCourseKey key, LearnerCourseHistory history, string learnerIdKey, FoldState? fold = null)
    {
        var bytes = Compress(HistoryDocuments.Serialize(history, fold));
        // The fold is a cache of the events: a history that fits a row only without it is written
        // without it (and folded when read) rather than refused.
        if (fold is not null && bytes.Length > MaxChunks * ChunkBytes)
            bytes = Compress(HistoryDocuments.Serialize(history, null));
        var chunks = (bytes.Length + ChunkBytes - 1) / ChunkBytes;
        if (chunks > MaxChunks)
            throw new InvalidOperationException(
                $"The history of one learner on course {Core.Security.LogValue.Of(history.CourseId)} is {bytes.Length} bytes compressed, over the {MaxChunks * ChunkBytes} bytes one row holds.");

        var entity = new TableEntity(key.LearnerHash, key.CourseKey)
        {
            ["Email"] = history.Email,
            ["CourseId"] = history.CourseId,
            ["Format"] = Format,
            ["Chunks"] = chunks,
            ["Launches"] = history.Launches.Length,
            ["Completions"] = history.Completions.Length,
            [LearnerIdKeyProperty] = learnerIdKey,
        };
        for (var i = 0; i < chunks; i++)
            entity[ChunkName(i)] = bytes.AsSpan(i * ChunkBytes, Math.Min(ChunkBytes, bytes.Length - i * ChunkBytes)).ToArray();
        return entity;
    }

    internal static LearnerCourseHistory Read(TableEntity entity) => ReadDocument(entity).History;

    internal static StoredDocument ReadDocument(TableEntity entity)
    {
        var format = entity.GetString("Format");
        var reader = HistoryDocuments.ReaderFor(format)
            ?? throw new InvalidDataException($"Row {entity.PartitionKey}/{entity.RowKey} has format '{format}', expected {string.Join(" or ", HistoryDocuments.Readable.Select(f => $"'{f}'"))}.");
        var chunks = entity.GetInt32("Chunks") ?? 0;
        if (chunks is < 0 or > MaxChunks)
            throw new InvalidDataException($"Row {entity.PartitionKey}/{entity.RowKey} claims {chunks} chunks; a row holds at most {MaxChunks}.");
        using var buffer = new MemoryStream();
        for (var i = 0; i < chunks; i++)
            buffer.Write(entity.GetBinary(ChunkName(i)) ?? throw new InvalidDataException($"Row {entity.PartitionKey}/{entity.RowKey} lacks chunk {i}."));
        buffer.Position = 0;
        using var json = Inflate(buffer, entity);
        return reader(json)
            ?? throw new InvalidDataException($"Row {entity.PartitionKey}/{entity.RowKey} holds no history.");
    }

    /// <summary>Gunzips at most <see cref="MaxInflatedBytes"/>, reading in small pieces so a bomb stops at the bound.</summary>
    private static MemoryStream Inflate(MemoryStream compressed, TableEntity entity)
    {
        using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
        var json = new MemoryStream();
        var piece = new byte[64 * 1024];
        int read;
        while ((read = gzip.Read(piece)) > 0)
        {
            if (json.Length + read > MaxInflatedBytes)
            {
                json.Dispose();
                throw new InvalidDataException(
                    $"Row {entity.PartitionKey}/{entity.RowKey} inflates to more than {MaxInflatedBytes / (1024 * 1024)} MiB of JSON; it is refused rather than inflated further.");
            }
            json.Write(piece, 0, read);
        }
        json.Position = 0;
        return json;
    }

    private static string ChunkName(int i) => $"D{i:00}";

    private static byte[] Compress(byte[] json)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(json);
        return output.ToArray();
    }
}
