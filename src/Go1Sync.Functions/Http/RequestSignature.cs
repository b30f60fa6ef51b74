using Go1Sync.Core.Security;

namespace Go1Sync.Functions.Http;

/// <summary>
/// The HMAC signature check the Go1 webhook (<c>Go1-Signature</c>) and LMS launches
/// (<c>Lms-Signature</c>) share: the same verifier and tolerance, each with its own header and secrets.
/// </summary>
public static class RequestSignature
{
    /// <param name="Outcome">For the delivery log: <c>unsigned</c> (no secret configured, local only), or the check in lower case (<c>valid</c>, <c>missing</c>, <c>stale</c>, …).</param>
    /// <param name="Refusal">The 401 to answer, or null when the request may go on.</param>
    public sealed record Result(string Outcome, SignatureCheck? Check, JsonResponse? Refusal);

    public static Result Check(HttpRequest request, string headerName, byte[] body, IReadOnlyList<string> secrets, DateTimeOffset now, TimeSpan tolerance)
    {
        if (secrets.Count == 0) return new Result("unsigned", null, null);
        var check = WebhookSignature.Verify(request.Headers[headerName], body, secrets, now, tolerance);
        var outcome = check.ToString().ToLowerInvariant();
        if (check == SignatureCheck.Valid) return new Result(outcome, check, null);
        return new Result(outcome, check, JsonResponse.Problem(401, "Invalid signature", $"The {headerName} header is {Describe(check)}; nothing was queued.",
            new Dictionary<string, string[]> { [headerName] = [Describe(check)] }));
    }

    private static string Describe(SignatureCheck check) => check switch
    {
        SignatureCheck.Missing => "missing",
        SignatureCheck.Malformed => "malformed (expected t=<unix seconds>,v1=<hex>)",
        SignatureCheck.Stale => "too old",
        SignatureCheck.Future => "dated in the future",
        _ => "not signed with a configured secret",
    };
}
