namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// The formats a stored history can be in, by the row's <c>Format</c> value, each with its
/// reader of the (gunzipped) JSON; new rows are written in <see cref="CurrentFormat"/>. A later
/// format adds its reader here and becomes current; the readers of the earlier ones stay.
/// </summary>
/// <remarks>
/// <c>gzip-json-v1</c> (<see cref="HistoryDocumentV1"/>): the events only; still read, and
/// rewritten as V2 by the next event applied to the row. <c>gzip-json-v2</c>
/// (<see cref="HistoryDocumentV2"/>): the events and their fold.
/// </remarks>
internal static class HistoryDocuments
{
    public const string CurrentFormat = HistoryDocumentV2.Format;

    private static readonly IReadOnlyDictionary<string, Func<Stream, StoredDocument?>> Readers =
        new Dictionary<string, Func<Stream, StoredDocument?>>(StringComparer.Ordinal)
        {
            [HistoryDocumentV1.Format] = json => HistoryDocumentV1.Read(json) is { } history ? new StoredDocument(history, null) : null,
            [HistoryDocumentV2.Format] = HistoryDocumentV2.Read,
        };

    /// <summary>The formats that can be read, for messages.</summary>
    public static IEnumerable<string> Readable => Readers.Keys;

    /// <summary>The JSON of <paramref name="history"/> (and its fold, when known) in <see cref="CurrentFormat"/>.</summary>
    public static byte[] Serialize(LearnerCourseHistory history, FoldState? fold) => HistoryDocumentV2.Serialize(history, fold);

    /// <summary>The reader of <paramref name="format"/>, or null for a format this release does not know.</summary>
    public static Func<Stream, StoredDocument?>? ReaderFor(string? format) =>
        format is not null && Readers.TryGetValue(format, out var reader) ? reader : null;
}
