using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Go1Sync.Core.Attempts;

/// <summary>
/// The one table of the attempt enums' names outside the process ("lms-launch", "success", …).
/// Every boundary that writes them uses the same words today (the stored history document, the
/// queued launch, the stats table, the read API, CSV and CLI), so they share this table; the
/// enums themselves carry no serialization attribute. These words are in stored rows and queued
/// messages: never change one; a boundary that needs other words gets its own table.
/// </summary>
public static class WireNames
{
    private static readonly FrozenDictionary<Type, object> Tables = new Dictionary<Type, object>
    {
        [typeof(AttemptOrigin)] = new Table<AttemptOrigin>(
            (AttemptOrigin.LmsLaunch, "lms-launch"),
            (AttemptOrigin.Go1Direct, "go1-direct")),
        [typeof(Platform)] = new Table<Platform>(
            (Platform.Web, "web"),
            (Platform.Mobile, "mobile"),
            (Platform.Unknown, "unknown")),
        [typeof(AttemptStatus)] = new Table<AttemptStatus>(
            (AttemptStatus.Open, "open"),
            (AttemptStatus.Completed, "completed")),
        [typeof(AttemptResult)] = new Table<AttemptResult>(
            (AttemptResult.None, "none"),
            (AttemptResult.Success, "success"),
            (AttemptResult.Failed, "failed")),
    }.ToFrozenDictionary();

    /// <summary>The enums that have wire names.</summary>
    public static IEnumerable<Type> Enums => Tables.Keys;

    public static string Of<T>(T value) where T : struct, Enum =>
        TableOf<T>().Names.TryGetValue(value, out var name)
            ? name
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"{typeof(T).Name} has no wire name for this value.");

    public static T Parse<T>(string value) where T : struct, Enum =>
        TryParse<T>(value, out var parsed)
            ? parsed
            : throw new FormatException($"'{value}' is not a {typeof(T).Name}; expected one of {string.Join(", ", TableOf<T>().All)}.");

    /// <summary>Exact names only (ordinal), as written.</summary>
    public static bool TryParse<T>(string? value, out T parsed) where T : struct, Enum
    {
        parsed = default;
        return value is not null && TableOf<T>().Values.TryGetValue(value, out parsed);
    }

    /// <summary>JSON converters writing and reading these names, for the serializer options of the boundaries whose contracts carry the enums.</summary>
    public static IEnumerable<JsonConverter> JsonConverters() =>
    [
        new WireNameJsonConverter<AttemptOrigin>(),
        new WireNameJsonConverter<Platform>(),
        new WireNameJsonConverter<AttemptStatus>(),
        new WireNameJsonConverter<AttemptResult>(),
    ];

    private static Table<T> TableOf<T>() where T : struct, Enum =>
        Tables.TryGetValue(typeof(T), out var table)
            ? (Table<T>)table
            : throw new ArgumentException($"{typeof(T).Name} has no wire names.", nameof(T));

    private sealed class Table<T>(params (T Value, string Name)[] names) where T : struct, Enum
    {
        public FrozenDictionary<T, string> Names { get; } = names.ToFrozenDictionary(n => n.Value, n => n.Name);
        public FrozenDictionary<string, T> Values { get; } = names.ToFrozenDictionary(n => n.Name, n => n.Value, StringComparer.Ordinal);
        public IReadOnlyList<string> All { get; } = [.. names.Select(n => n.Name)];
    }
}

/// <summary>Writes and reads an attempt enum as its <see cref="WireNames"/> name.</summary>
public sealed class WireNameJsonConverter<T> : JsonConverter<T> where T : struct, Enum
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
            throw new JsonException($"A {typeof(T).Name} is a JSON string, not {reader.TokenType}.");
        var text = reader.GetString();
        return WireNames.TryParse<T>(text, out var value) ? value : throw new JsonException($"'{text}' is not a {typeof(T).Name}.");
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(WireNames.Of(value));
}
