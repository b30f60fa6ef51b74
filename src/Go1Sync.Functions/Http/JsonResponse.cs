using System.Text.Json;
using System.Text.Json.Serialization;

namespace Go1Sync.Functions.Http;

/// <summary>
/// Writes a JSON body with an exact status and content type. Used for every answer so that the
/// bytes a caller sees do not depend on which MVC formatters happen to be registered.
/// </summary>
public sealed class JsonResponse(int statusCode, object? body, string contentType = "application/json") : IActionResult
{
    public int StatusCode { get; } = statusCode;
    public object? Body { get; } = body;
    public string ContentType { get; } = contentType;
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    public async Task ExecuteResultAsync(ActionContext context)
    {
        var response = context.HttpContext.Response;
        response.StatusCode = StatusCode;
        foreach (var (name, value) in Headers) response.Headers[name] = value;
        if (Body is null) return;
        response.ContentType = ContentType;
        await JsonSerializer.SerializeAsync(response.Body, Body, Body.GetType(), ApiJson.Options, context.HttpContext.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>RFC 9457 problem details; <paramref name="errors"/> names each bad field.</summary>
    public static JsonResponse Problem(int status, string title, string detail, IReadOnlyDictionary<string, string[]>? errors = null) =>
        new(status, new ProblemBody($"https://httpstatuses.io/{status}", title, status, detail, errors), "application/problem+json");
}

/// <summary>The problem+json body (RFC 9457 names, and <c>errors</c>: each bad field with its messages).</summary>
public sealed record ProblemBody(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("detail")] string Detail,
    [property: JsonPropertyName("errors")] IReadOnlyDictionary<string, string[]>? Errors);
