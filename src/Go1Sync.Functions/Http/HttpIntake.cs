using System.Text.Json;
using Go1Sync.Core.Intake;
using Go1Sync.Core.Processing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Go1Sync.Functions.Http;

/// <summary>What every write endpoint does before and after its own reading: limits, media type, JSON, queueing.</summary>
public static class HttpIntake
{
    /// <summary>Keeps every queued envelope under the 64 KiB queue limit once base64-encoded.</summary>
    public const int MaxBodyBytes = 32 * 1024;

    public sealed record Body(byte[] Bytes, IActionResult? Error);

    /// <summary>Reads the raw bytes (the webhook signature is over them), refusing oversize bodies and non-JSON media types.</summary>
    public static async Task<Body> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!IsJson(request.ContentType))
            return new Body([], JsonResponse.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "The body must be JSON (Content-Type: application/json).", Field("Content-Type", "must be application/json")));
        if (request.ContentLength > MaxBodyBytes)
            return new Body([], TooLarge());

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes) return new Body([], TooLarge());
        }
        return new Body(buffer.ToArray(), null);
    }

    public sealed record JsonObject(JsonElement Value, IActionResult? Error);

    public static JsonObject ParseObject(byte[] bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes, ApiJson.DocumentOptions);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return new JsonObject(default, JsonResponse.Problem(400, "Invalid body", "The body must be a JSON object.", Field("body", "must be a JSON object")));
            return new JsonObject(document.RootElement.Clone(), null);
        }
        catch (JsonException ex)
        {
            return new JsonObject(default, JsonResponse.Problem(400, "Invalid body", $"The body is not valid JSON: {ex.Message}", Field("body", "must be valid JSON")));
        }
    }

    public static IActionResult Invalid(FieldErrors errors) =>
        JsonResponse.Problem(400, "Invalid request", "One or more fields are missing or wrong; nothing was queued.", errors.ToDictionary());

    /// <summary>
    /// The HTTP shape of an intake outcome: queued is 202 with the event's id and kind; storage
    /// unavailable is 503 problem+json with Retry-After, so the sender retries.
    /// </summary>
    public static IActionResult ToResult(IntakeOutcome outcome) => outcome switch
    {
        IntakeOutcome.Queued queued => new JsonResponse(StatusCodes.Status202Accepted, new { eventId = queued.EventId, kind = queued.Kind }),
        IntakeOutcome.StorageUnavailable => Unavailable(),
        _ => throw new InvalidOperationException($"Unexpected intake outcome {outcome.GetType().Name}."),
    };

    /// <summary>The status an answer will carry, for the delivery log.</summary>
    public static int StatusOf(IActionResult result) => result is JsonResponse json ? json.StatusCode : 500;

    /// <summary>The field names of a problem answer, for the delivery log (never the values).</summary>
    public static string? FieldsOf(IActionResult result) =>
        result is JsonResponse { Body: ProblemBody { Errors: { } errors } } ? string.Join(",", errors.Keys) : null;

    public static JsonResponse Unavailable()
    {
        var response = JsonResponse.Problem(503, "Storage unavailable", "The event could not be stored; nothing was accepted. Retry later.");
        response.Headers["Retry-After"] = "5";
        return response;
    }

    private static JsonResponse TooLarge() => JsonResponse.Problem(StatusCodes.Status413PayloadTooLarge, "Body too large",
        $"The body must be at most {MaxBodyBytes} bytes.", Field("body", $"must be at most {MaxBodyBytes} bytes"));

    private static Dictionary<string, string[]> Field(string name, string message) => new() { [name] = [message] };

    private static bool IsJson(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType)) return false;
        var mediaType = contentType.Split(';')[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }
}
