using System.Text.Json;

namespace Go1Sync.Functions.Http;

/// <summary>
/// Emails never travel in a URL (paths and query strings end up in request logs, proxies and
/// browser history): a GET names a learner by the learner id (a keyed hash of the normalised email,
/// <see cref="LearnerIds"/>), and a look-up by email is a POST with the email in a JSON body.
/// </summary>
public static class LearnerLookup
{
    public sealed record Body(JsonElement Value, string Email, IActionResult? Error);

    /// <summary>
    /// Checks a learner named in a URL (path segment or query parameter <paramref name="parameter"/>):
    /// a learner id, or a 400 naming the parameter, which sends an email to <paramref name="lookupRoute"/>.
    /// The answer never repeats the value.
    /// </summary>
    public static IActionResult? RefuseUnlessHash(string? value, string parameter, string lookupRoute)
    {
        if (value is not null && LearnerIds.IsId(value)) return null;
        if (value is not null && value.Contains('@', StringComparison.Ordinal)) return EmailInUrl(parameter, lookupRoute);
        return Problem(parameter, $"must be a learner id (64 lower-case hex digits, as the delivery log shows it); to look a learner up by email, POST it in a JSON body to {lookupRoute}");
    }

    /// <summary>A 400 naming the URL parameter that carried an email, and where the email goes instead.</summary>
    public static IActionResult EmailInUrl(string parameter, string lookupRoute) =>
        Problem(parameter, $"must not be an email address: an email never goes in a URL. POST it in a JSON body ({{\"email\": \"...\"}}) to {lookupRoute} instead, or pass the learner id (64 lower-case hex digits, as the delivery log shows it)");

    private static JsonResponse Problem(string parameter, string message) =>
        JsonResponse.Problem(400, "Invalid learner", $"'{parameter}' {message}.", new Dictionary<string, string[]> { [parameter] = [message] });

    /// <summary>Reads a look-up body: a JSON object (at most 32 KiB) with <c>email</c>, a plain address.</summary>
    public static async Task<Body> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var raw = await HttpIntake.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        if (raw.Error is not null) return new Body(default, "", raw.Error);
        var parsed = HttpIntake.ParseObject(raw.Bytes);
        if (parsed.Error is not null) return new Body(default, "", parsed.Error);
        var email = parsed.Value.TryGetProperty("email", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()!.Trim() : null;
        if (email is null || !LearnerEmail.IsValid(email))
        {
            var errors = new FieldErrors();
            errors.Add("email", "is required: the learner's email address, a string");
            return new Body(parsed.Value, "", Invalid(errors));
        }
        return new Body(parsed.Value, email, null);
    }

    public static IActionResult Invalid(FieldErrors errors) =>
        JsonResponse.Problem(400, "Invalid body", "One or more fields of the look-up are missing or wrong.", errors.ToDictionary());
}
