using System.Text.Json;

namespace Go1Sync.Infrastructure.Go1;

/// <summary>
/// OAuth2 client credentials against <c>Go1__TokenUrl</c>. The token is kept until shortly before it
/// expires; concurrent callers wait for one shared refresh. Neither the secret nor a token is ever logged.
/// </summary>
public sealed class Go1TokenSource : IDisposable
{
    public const string HttpClientName = "Go1.Token";

    /// <summary>A token is refreshed this long before Go1 says it expires (less for very short-lived tokens).</summary>
    public static readonly TimeSpan RefreshEarly = TimeSpan.FromSeconds(60);

    /// <summary>Assumed lifetime when the token endpoint does not say (<c>expires_in</c> missing).</summary>
    public static readonly TimeSpan AssumedLifetime = TimeSpan.FromMinutes(5);

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly IOptions<Go1Options> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<Go1TokenSource> _logger;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private CachedToken? _current;

    public Go1TokenSource(IHttpClientFactory httpClientFactory, IOptions<Go1Options> options, TimeProvider time, ILogger<Go1TokenSource> logger)
    {
        _httpClientFactory = httpClientFactory;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>A token valid for a while yet: the cached one, or a fresh one.</summary>
    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _current) is { } cached && _time.GetUtcNow() < cached.RefreshAt)
            return cached.Value;

        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Someone else may have refreshed while this caller waited.
            if (Volatile.Read(ref _current) is { } other && _time.GetUtcNow() < other.RefreshAt)
                return other.Value;

            var fresh = await FetchAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _current, fresh);
            return fresh.Value;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>
    /// Go1 refused <paramref name="rejectedToken"/> (401): forget it, unless another caller already
    /// replaced it, so that many concurrent 401s cause one refresh, not many.
    /// </summary>
    public void Invalidate(string rejectedToken)
    {
        var current = Volatile.Read(ref _current);
        if (current is not null && string.Equals(current.Value, rejectedToken, StringComparison.Ordinal))
        {
            Interlocked.CompareExchange(ref _current, null, current);
            Go1Log.TokenInvalidated(_logger);
        }
    }

    private async Task<CachedToken> FetchAsync(CancellationToken cancellationToken)
    {
        var options = _options.Value;
        var requestedAt = _time.GetUtcNow();
        var client = _httpClientFactory.CreateClient(HttpClientName);
        using var form = new FormUrlEncodedContent(
        [
            new("grant_type", "client_credentials"),
            new("client_id", options.ClientId ?? ""),
            new("client_secret", options.ClientSecret ?? ""),
        ]);
        using var response = await client.PostAsync(new Uri(options.TokenUrl, UriKind.Absolute), form, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            // The body may echo what was sent: it is not logged.
            Go1Log.TokenRefused(_logger, (int)response.StatusCode);
            throw new HttpRequestException(
                $"Go1's token endpoint (Go1__TokenUrl) answered {(int)response.StatusCode} ({response.ReasonPhrase}); check Go1__ClientId and Go1__ClientSecret.",
                null, response.StatusCode);
        }

        using var body = await JsonDocument.ParseAsync(
            await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), default, cancellationToken).ConfigureAwait(false);
        var root = body.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("access_token", out var tokenElement)
            || tokenElement.ValueKind != JsonValueKind.String
            || string.IsNullOrWhiteSpace(tokenElement.GetString()))
            throw new HttpRequestException("Go1's token endpoint (Go1__TokenUrl) answered without an access_token.");

        var lifetime = Go1Json.Seconds(root, "expires_in") is { } seconds && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : AssumedLifetime;
        var early = lifetime > RefreshEarly * 2 ? RefreshEarly : lifetime / 2;
        var token = new CachedToken(tokenElement.GetString()!, requestedAt + lifetime - early);
        Go1Log.TokenObtained(_logger, (int)lifetime.TotalSeconds);
        return token;
    }

    public void Dispose() => _refresh.Dispose();

    private sealed record CachedToken(string Value, DateTimeOffset RefreshAt)
    {
        // A record would print the token: never.
        public override string ToString() => $"token refreshing at {RefreshAt:O}";
    }
}
