using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Go1Sync.Infrastructure.Go1;

/// <summary>
/// The Go1 REST API (v3) over a typed <see cref="HttpClient"/> whose base address, <c>Api-Version</c>
/// header and resilience (timeouts, retries honouring <c>Retry-After</c>, circuit breaker) come from
/// <see cref="Go1ApiServiceCollectionExtensions.AddGo1Api"/>. This class adds the bearer token and,
/// on a 401, one token refresh and one more try. A 404 is "not there" (null); any other failure
/// throws <see cref="HttpRequestException"/> with its status so that the queue message is retried.
/// </summary>
public sealed class Go1ApiClient : IGo1Directory, IGo1Enrolments
{
    public const string HttpClientName = "Go1.Api";

    /// <summary>Go1's largest page.</summary>
    public const int PageSize = 50;

    /// <summary>Go1's list endpoints refuse offset + limit beyond this: deeper rows are reached by narrowing the filter.</summary>
    public const int MaxListDepth = 10_000;

    private readonly HttpClient _http;
    private readonly Go1TokenSource _tokens;
    private readonly ILogger<Go1ApiClient> _logger;

    public Go1ApiClient(HttpClient http, Go1TokenSource tokens, ILogger<Go1ApiClient> logger)
    {
        _http = http;
        _tokens = tokens;
        _logger = logger;
    }

    public async Task<Go1Enrolment?> GetEnrolmentAsync(string enrolmentId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(enrolmentId);
        using var document = await GetJsonAsync("enrolment", enrolmentId, $"enrollments/{Uri.EscapeDataString(enrolmentId)}", cancellationToken).ConfigureAwait(false);
        if (document is null)
            return null;
        return Go1Json.Enrolment(document.RootElement, enrolmentId)
            ?? throw new HttpRequestException($"Go1 answered enrolment {enrolmentId} with something that is not an enrolment.");
    }

    public async Task<string?> GetUserEmailAsync(string userAccountId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userAccountId);
        using var document = await GetJsonAsync("user", userAccountId, $"users/{Uri.EscapeDataString(userAccountId)}", cancellationToken).ConfigureAwait(false);
        if (document is null || document.RootElement.ValueKind != JsonValueKind.Object)
            return null;
        return Go1Json.String(document.RootElement, "email") ?? Go1Json.String(document.RootElement, "mail");
    }

    public async Task<int?> GetCourseDurationMinutesAsync(string learningObjectId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(learningObjectId);
        using var document = await GetJsonAsync("learning object", learningObjectId, $"learning-objects/{Uri.EscapeDataString(learningObjectId)}", cancellationToken).ConfigureAwait(false);
        if (document is null
            || document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("relevance", out var relevance)
            || relevance.ValueKind != JsonValueKind.Object)
            return null;
        return Go1Json.Integer(relevance, "duration") is > 0 and var minutes ? minutes : null;
    }

    public async Task<string?> FindUserIdByEmailAsync(string email, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        using var document = await GetJsonAsync("user search", LearnerEmail.Mask(email), $"users?email={Uri.EscapeDataString(email.Trim())}", cancellationToken).ConfigureAwait(false);
        if (document is null)
            return null;
        foreach (var hit in Hits(document.RootElement))
            if (Go1Json.Id(hit, "id") is { } id)
                return id;
        return null;
    }

    public async Task<IReadOnlyList<Go1Enrolment>> ListCompletedEnrolmentsAsync(string userAccountId, string loId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userAccountId);
        ArgumentException.ThrowIfNullOrWhiteSpace(loId);
        var query = $"enrollments?user_account_id={Uri.EscapeDataString(userAccountId)}&lo_ids={Uri.EscapeDataString(loId)}&status=completed&limit={PageSize}";
        using var document = await GetJsonAsync("enrolment search", $"user {userAccountId} learning object {loId}", query, cancellationToken).ConfigureAwait(false);
        if (document is null)
            return [];
        var enrolments = new List<Go1Enrolment>();
        foreach (var hit in Hits(document.RootElement))
            if (Go1Json.Enrolment(hit) is { } enrolment)
                enrolments.Add(enrolment);
        return enrolments;
    }

    public async Task<Go1EnrolmentPage> ListCompletedChangedAsync(DateTimeOffset from, DateTimeOffset to, int offset, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, PageSize);
        if (offset + limit > MaxListDepth)
            throw new ArgumentOutOfRangeException(nameof(offset), $"Go1 refuses offset + limit over {MaxListDepth}; narrow the time range instead.");
        var window = $"{ListInstant(from)}..{ListInstant(to)}";
        var query = "enrollments?status=completed"
            + $"&update_time_gte={Uri.EscapeDataString(ListInstant(from))}&update_time_lte={Uri.EscapeDataString(ListInstant(to))}"
            + $"&sort=updated_time&order=asc&limit={limit}&offset={offset}";
        using var document = await GetJsonAsync("completed enrolment list", $"window {window} offset {offset}", query, cancellationToken).ConfigureAwait(false);
        if (document is null)
            return new Go1EnrolmentPage(0, []);
        var root = document.RootElement;
        var enrolments = new List<Go1Enrolment>();
        foreach (var hit in Hits(root))
            if (Go1Json.Enrolment(hit) is { } enrolment)
                enrolments.Add(enrolment);
        // A list without a usable total is read until a short page.
        var total = root.ValueKind == JsonValueKind.Object && Go1Json.Integer(root, "total") is >= 0 and var t ? t : offset + enrolments.Count + (enrolments.Count == limit ? 1 : 0);
        return new Go1EnrolmentPage(total, enrolments);
    }

    /// <summary>ISO-8601 UTC to the millisecond: the form Go1 writes its own timestamps in, and exact enough to split a burst.</summary>
    public static string ListInstant(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static IEnumerable<JsonElement> Hits(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("hits", out var hits) && hits.ValueKind == JsonValueKind.Array
            ? hits.EnumerateArray()
            : [];

    /// <summary>GET <paramref name="relativeUri"/>; null on 404; throws on any other failure.</summary>
    private async Task<JsonDocument?> GetJsonAsync(string operation, string resourceForLog, string relativeUri, CancellationToken cancellationToken)
    {
        // Ids come from queue messages and Go1 itself: never let one forge a log line.
        resourceForLog = Core.Security.LogValue.Of(resourceForLog)!;
        var started = Stopwatch.GetTimestamp();
        var token = await _tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        var response = await SendAsync(relativeUri, token, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            // The token expired early or was revoked: one refresh, one more try; a second 401 is a failure.
            response.Dispose();
            Go1Log.Unauthorized(_logger, operation, resourceForLog);
            _tokens.Invalidate(token);
            token = await _tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
            response = await SendAsync(relativeUri, token, cancellationToken).ConfigureAwait(false);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            Go1Log.Answered(_logger, operation, resourceForLog, status, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                Go1Log.NotFound(_logger, operation, resourceForLog);
                return null;
            }
            if (!response.IsSuccessStatusCode)
            {
                Go1Log.Failed(_logger, operation, resourceForLog, status);
                throw new HttpRequestException(
                    $"Go1 answered {status} ({response.ReasonPhrase}) to the {operation} request for {resourceForLog}.",
                    null, response.StatusCode);
            }

            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
                return await JsonDocument.ParseAsync(stream, default, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string relativeUri, string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(relativeUri, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
