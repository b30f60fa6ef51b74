namespace Go1Sync.Functions.Http;

/// <summary>
/// The one check in front of the read API (<see cref="AppRoles.StatisticsRead"/>), the course writes
/// and /api/ops (<see cref="AppRoles.OperationsAdmin"/>): an Entra ID bearer token validated by the
/// app, holding the app role. These functions are AuthorizationLevel.Anonymous because this check,
/// not a shared function key, is what admits a caller. Answers 401 (missing or invalid token) and
/// 403 (no role) as problem+json with an RFC 6750 WWW-Authenticate header; 503 when the token
/// issuer's metadata cannot be read. Logs name the role and the caller's object id, never the
/// token nor the path (a learner path can hold an email).
/// </summary>
public sealed class CallerAuthorizer(IOptions<AuthOptions> options, EntraTokenValidator validator, ILogger<CallerAuthorizer> logger)
{
    /// <summary>Every protected endpoint's first step: the caller's refusal (401/403/503), or else the endpoint's answer.</summary>
    public async Task<IActionResult> AnswerAsync(HttpRequest request, string role, Func<Task<IActionResult>> answer, CancellationToken cancellationToken) =>
        await RefuseAsync(request, role, cancellationToken).ConfigureAwait(false) ?? await answer().ConfigureAwait(false);

    /// <summary>
    /// A look-up by email (<see cref="LearnerLookup"/>): the caller's refusal, or the body's 400,
    /// or else the answer for the learner the body names.
    /// </summary>
    public Task<IActionResult> AnswerLookupAsync(HttpRequest request, string role, Func<LearnerLookup.Body, Task<IActionResult>> answer, CancellationToken cancellationToken) =>
        AnswerAsync(request, role, async () =>
        {
            var body = await LearnerLookup.ReadAsync(request, cancellationToken).ConfigureAwait(false);
            return body.Error ?? await answer(body).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Null when the caller may go on; otherwise the answer to give.</summary>
    public async Task<IActionResult?> RefuseAsync(HttpRequest request, string role, CancellationToken cancellationToken)
    {
        // Auth__AllowUnauthenticated with no authority: a local run (the app refuses it at start in Azure).
        if (!options.Value.ValidatesTokens) return null;

        var token = BearerToken(request);
        if (token is null)
        {
            logger.LogWarning("Refused a request for {Role}: no bearer token", role);
            return Challenge(401, "Authentication required", "An Authorization: Bearer token from Microsoft Entra ID is required.", "Bearer");
        }

        var check = await validator.ValidateAsync(token, cancellationToken);
        switch (check.Outcome)
        {
            case TokenOutcome.Unavailable:
                logger.LogError("Could not check a bearer token for {Role}: {Reason}", role, check.Reason);
                var unavailable = JsonResponse.Problem(503, "Token issuer unavailable", "The token could not be checked now (the issuer's keys could not be read). Retry later.");
                unavailable.Headers["Retry-After"] = "30";
                return unavailable;
            case TokenOutcome.Invalid:
                logger.LogWarning("Refused a request for {Role}: {Reason}", role, check.Reason);
                return Challenge(401, "Invalid token", $"The bearer token was refused: {check.Reason}.", $"Bearer error=\"invalid_token\", error_description=\"{check.Reason}\"");
        }

        if (!check.Roles.Contains(role))
        {
            logger.LogWarning("Refused caller {Caller}: the token lacks the app role {Role}", check.Caller, role);
            return Challenge(403, "Forbidden", $"The token does not hold the app role {role}, which this endpoint requires.",
                $"Bearer error=\"insufficient_scope\", error_description=\"the app role {role} is required\"");
        }
        logger.LogInformation("Admitted caller {Caller} with app role {Role}", check.Caller, role);
        return null;
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return null;
        var token = header[scheme.Length..].Trim();
        return token.Length == 0 ? null : token;
    }

    private static JsonResponse Challenge(int status, string title, string detail, string challenge)
    {
        var response = JsonResponse.Problem(status, title, detail);
        response.Headers["WWW-Authenticate"] = challenge;
        return response;
    }
}
