using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Encodings.Web;
using Azure.Data.Tables;

namespace Go1Sync.ContractTests.Support;

/// <summary>
/// Turns what the production code wrote into the readable text of a golden file. JSON is
/// re-indented only: property order, names, values and the text of numbers are kept as written;
/// whitespace and how a string is escaped are not part of any contract here (every reader is a
/// JSON parser). A table entity becomes its keys and, per property, the EDM type and the value.
/// </summary>
public static class GoldenJson
{
    private static readonly JsonWriterOptions Writer = new()
    {
        Indented = true,
        // Readable goldens: '+', quotes and non-ASCII as themselves. Escaping is not compared.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The JSON text re-indented, ending with a newline.</summary>
    public static string Pretty(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Pretty(document.RootElement);
    }

    public static string Pretty(JsonElement element)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Writer)) element.WriteTo(writer);
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    public static string Pretty(JsonNode node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Writer)) node.WriteTo(writer);
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>An HTTP answer: status, content type, the headers a caller relies on, and the body (JSON re-indented).</summary>
    public static string Http(HttpAnswer answer, params string[] headers)
    {
        var shown = new JsonObject();
        foreach (var name in headers)
            if (answer.Headers.TryGetValue(name, out var value)) shown[name] = value.ToString();
        var result = new JsonObject
        {
            ["status"] = answer.Status,
            ["contentType"] = answer.ContentType,
            ["headers"] = shown,
            ["body"] = answer.Body.Length == 0 ? null : JsonNode.Parse(answer.Body),
        };
        return Pretty(result);
    }

    /// <summary>How a binary property is shown besides its type and length.</summary>
    public enum Binary
    {
        /// <summary>Base64 of the exact bytes.</summary>
        Base64,
        /// <summary>The bytes are UTF-8 JSON: shown as that JSON.</summary>
        Utf8Json,
    }

    /// <summary>
    /// A table entity as a golden: PartitionKey, RowKey and every property (sorted by name) with its
    /// EDM type and value; the service's Timestamp and ETag are left out (they change on every write).
    /// </summary>
    public static JsonObject Entity(string table, TableEntity entity, Func<string, Binary>? binary = null)
    {
        var properties = new JsonObject();
        foreach (var name in entity.Keys.Where(IsProperty).Order(StringComparer.Ordinal))
            properties[name] = Property(entity[name], binary?.Invoke(name) ?? Binary.Base64);
        return new JsonObject
        {
            ["table"] = table,
            ["PartitionKey"] = entity.PartitionKey,
            ["RowKey"] = entity.RowKey,
            ["properties"] = properties,
        };
    }

    /// <summary>
    /// An aggregate row (in <paramref name="table"/>: <c>AttemptStats</c> since storage v3, <c>Attempts</c>
    /// before): the entity, with the chunks D00… as base64, and the document they hold (the chunks
    /// concatenated and gunzipped) beside them.
    /// </summary>
    public static JsonObject AttemptsRow(string table, TableEntity entity)
    {
        var result = Entity(table, entity);
        var chunks = entity.GetInt32("Chunks") ?? throw new InvalidDataException("The row has no Chunks property.");
        using var gzip = new MemoryStream();
        for (var i = 0; i < chunks; i++)
            gzip.Write(entity.GetBinary($"D{i:00}") ?? throw new InvalidDataException($"The row lacks chunk D{i:00}."));
        result["gzipLength"] = gzip.Length;
        gzip.Position = 0;
        using var inflated = new GZipStream(gzip, CompressionMode.Decompress);
        result["document"] = JsonNode.Parse(inflated);
        return result;
    }

    private static bool IsProperty(string name) =>
        name is not ("PartitionKey" or "RowKey" or "Timestamp") && !name.StartsWith("odata.", StringComparison.Ordinal);

    private static JsonObject Property(object? value, Binary binary) => value switch
    {
        string s => Typed("Edm.String", s),
        int i => Typed("Edm.Int32", i),
        long l => Typed("Edm.Int64", l),
        bool b => Typed("Edm.Boolean", b),
        double d => Typed("Edm.Double", d),
        Guid g => Typed("Edm.Guid", g.ToString("D")),
        DateTimeOffset t => Typed("Edm.DateTime", Instant(t)),
        DateTime t => Typed("Edm.DateTime", Instant(new DateTimeOffset(t.ToUniversalTime()))),
        byte[] bytes => BinaryProperty(bytes, binary),
        BinaryData data => BinaryProperty(data.ToArray(), binary),
        null => new JsonObject { ["type"] = "null" },
        _ => throw new InvalidOperationException($"A table property of type {value.GetType()} has no golden form yet: add it here."),
    };

    private static JsonObject Typed(string type, JsonNode value) => new() { ["type"] = type, ["value"] = value };

    private static JsonObject BinaryProperty(byte[] bytes, Binary binary)
    {
        var result = new JsonObject { ["type"] = "Edm.Binary", ["length"] = bytes.Length };
        if (binary == Binary.Utf8Json) result["utf8Json"] = JsonNode.Parse(bytes);
        else result["base64"] = Convert.ToBase64String(bytes);
        return result;
    }

    /// <summary>UTC with the 7 fractional digits storage keeps, so a change of precision shows.</summary>
    public static string Instant(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// The entity a golden describes, to write back to storage: every property with its EDM type
    /// (binary properties need their base64). For the readers of old rows.
    /// </summary>
    public static TableEntity ToEntity(JsonObject golden)
    {
        var entity = new TableEntity((string)golden["PartitionKey"]!, (string)golden["RowKey"]!);
        foreach (var (name, node) in golden["properties"]!.AsObject())
        {
            var property = node!.AsObject();
            var type = (string)property["type"]!;
            entity[name] = type switch
            {
                "Edm.String" => (string)property["value"]!,
                "Edm.Int32" => (int)property["value"]!,
                "Edm.Int64" => (long)property["value"]!,
                "Edm.Boolean" => (bool)property["value"]!,
                "Edm.Double" => (double)property["value"]!,
                "Edm.Guid" => Guid.Parse((string)property["value"]!),
                "Edm.DateTime" => DateTimeOffset.Parse((string)property["value"]!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                "Edm.Binary" => Convert.FromBase64String((string?)property["base64"]
                    ?? throw new InvalidDataException($"Binary property {name} has no base64 in the golden, so the row cannot be rebuilt.")),
                _ => throw new InvalidDataException($"Property {name} has type {type}, which no reader of old rows knows."),
            };
        }
        return entity;
    }
}
