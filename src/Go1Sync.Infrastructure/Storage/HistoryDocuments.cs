namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// The formats a stored history can be in, by the row's <c>Format</c> value, each with its
/// reader of the (gunzipped) JSON; new rows are written in <see cref="CurrentFormat"/>. A later
/// format adds its reader here and becomes current; the readers of the earlier ones stay.
/// </summary>
internal static class HistoryDocuments
{
    public const string CurrentFormat = HistoryDocumentV1.Format;

    private static readonly IReadOnlyDictionary<string, Func<Stream, LearnerCourseHistory?>> Readers =
        new Dictionary<string, Func<Stream, LearnerCourseHistory?>>(StringComparer.Ordinal)
        {
            [HistoryDocumentV1.Format] = HistoryDocumentV1.Read,
        };

    /// <summary>The formats that can be read, for messages.</summary>
    public static IEnumerable<string> Readable => Readers.Keys;

    /// <summary>The JSON of <paramref name="history"/> in <see cref="CurrentFormat"/>.</summary>
    public static byte[] Serialize(LearnerCourseHistory history) => HistoryDocumentV1.Serialize(history);

    /// <summary>The reader of <paramref name="format"/>, or null for a format this release does not know.</summary>
    public static Func<Stream, LearnerCourseHistory?>? ReaderFor(string? format) =>
        format is not null && Readers.TryGetValue(format, out var reader) ? reader : null;
}
