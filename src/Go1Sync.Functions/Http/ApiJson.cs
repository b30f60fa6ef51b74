using System.Text.Json;
using System.Text.Json.Serialization;
using Go1Sync.Core.Reporting;

namespace Go1Sync.Functions.Http;

/// <summary>
/// The HTTP API's serializer options, owned by the API and used for nothing else: every answer
/// (<see cref="JsonResponse"/>, problem+json) and every request body (<see cref="HttpIntake.ParseObject"/>).
/// Web defaults (camelCase names for the answers that do not name theirs), nulls left out,
/// attempts as the row of <see cref="AttemptColumns"/>.
/// </summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new AttemptReportJsonConverter(), new AttemptChangeJsonConverter() },
    };

    /// <summary>How request bodies are parsed: strict JSON (no comments, no trailing commas), at most 64 levels deep.</summary>
    public static JsonDocumentOptions DocumentOptions { get; } = new() { MaxDepth = 64 };
}
