using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace Go1Sync.Infrastructure.Go1;

/// <summary>
/// Settings section <c>Go1</c>: the Go1 REST API (v3) and its OAuth2 client credentials.
/// Without <c>Go1__ClientId</c> and <c>Go1__ClientSecret</c> the API is simply not used (thin payloads
/// are parked); the other settings are checked only when it is.
/// </summary>
public sealed partial class Go1Options : IValidatableObject
{
    public const string Section = "Go1";

    public string BaseUrl { get; set; } = "https://gateway.go1.com";

    public string TokenUrl { get; set; } = "https://auth.go1.com/oauth/token";

    public string? ClientId { get; set; }

    /// <summary>Never logged, never in <see cref="ToString"/>.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Sent as the <c>Api-Version</c> header on every request.</summary>
    public string ApiVersion { get; set; } = "2025-01-01";

    /// <summary>Timeout of one HTTP attempt (setting <c>Go1__Timeout</c>). A whole call, retries included, gets four times this.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Median delay before the first retry (exponential with jitter after that). A <c>Retry-After</c> header from Go1 wins.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ClientId) && !string.IsNullOrWhiteSpace(ClientSecret);

    /// <summary>The retries the standard resilience handler makes after a transient failure (429, 408, 5xx, timeout).</summary>
    public const int MaxRetryAttempts = 3;

    /// <summary>A call, all its attempts and the delays between them included, never takes longer than this.</summary>
    public TimeSpan TotalTimeout => Timeout * (MaxRetryAttempts + 1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsConfigured)
            yield break;

        if (Configuration.KeyVaultReference.IsUnresolved(ClientSecret))
            yield return new ValidationResult(
                "The setting Go1__ClientSecret holds an unresolved Key Vault reference: create the secret Go1ClientSecret in the vault (or grant the app's identity Key Vault Secrets User) and restart.",
                [nameof(ClientSecret)]);

        if (!IsAllowedUrl(BaseUrl))
            yield return new ValidationResult(
                "The setting Go1__BaseUrl must be an https URL on go1.com or a subdomain of it, such as https://gateway.go1.com (or a loopback address, over http or https, for tests).",
                [nameof(BaseUrl)]);
        if (!IsAllowedUrl(TokenUrl))
            yield return new ValidationResult(
                "The setting Go1__TokenUrl must be an https URL on go1.com or a subdomain of it, such as https://auth.go1.com/oauth/token (or a loopback address, over http or https, for tests): the client secret is sent there.",
                [nameof(TokenUrl)]);
        if (string.IsNullOrWhiteSpace(ApiVersion) || !ApiVersionPattern().IsMatch(ApiVersion))
            yield return new ValidationResult("The setting Go1__ApiVersion must be a date such as 2025-01-01.", [nameof(ApiVersion)]);
        if (Timeout < TimeSpan.FromSeconds(1) || Timeout > TimeSpan.FromMinutes(2))
            yield return new ValidationResult("The setting Go1__Timeout must be between 00:00:01 and 00:02:00.", [nameof(Timeout)]);
        if (RetryDelay < TimeSpan.Zero || RetryDelay > TimeSpan.FromMinutes(1))
            yield return new ValidationResult("The setting Go1__RetryDelay must be between 00:00:00 and 00:01:00.", [nameof(RetryDelay)]);
    }

    /// <summary>Everything but the secret.</summary>
    public override string ToString() =>
        $"Go1Options {{ BaseUrl = {BaseUrl}, TokenUrl = {TokenUrl}, ClientId = {ClientId}, ClientSecret = {(string.IsNullOrEmpty(ClientSecret) ? "(none)" : "***")}, ApiVersion = {ApiVersion}, Timeout = {Timeout}, RetryDelay = {RetryDelay} }}";

    /// <summary>
    /// An absolute URL without credentials that is Go1's: https on <c>go1.com</c> or a subdomain of
    /// it. A loopback address is accepted over http or https (tests, local fakes). Anything else
    /// would receive the client secret (token URL) or the bearer token and learners' emails (base URL).
    /// </summary>
    public static bool IsAllowedUrl(string? value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || !string.IsNullOrEmpty(uri.UserInfo))
            return false;
        if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            return false;
        if (uri.IsLoopback)
            return true;
        if (uri.Scheme != Uri.UriSchemeHttps || uri.HostNameType != UriHostNameType.Dns)
            return false;
        var host = uri.IdnHost.ToLowerInvariant();
        return host == Go1Domain || host.EndsWith("." + Go1Domain, StringComparison.Ordinal);
    }

    /// <summary>The only domain (with its subdomains) the Go1 URLs may point to outside tests.</summary>
    public const string Go1Domain = "go1.com";

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex ApiVersionPattern();
}
