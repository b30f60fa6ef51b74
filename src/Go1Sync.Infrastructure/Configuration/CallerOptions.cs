using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Go1Sync.Infrastructure.Configuration;

/// <summary>Settings section <c>Launch</c>: how LMS launches (POST /api/launches) are authenticated and bounded.</summary>
public sealed class LaunchOptions : IValidatableObject
{
    public const string Section = "Launch";

    /// <summary>A launch secret is generated, never typed: 24 characters is the least that is not guessable.</summary>
    public const int MinSecretLength = 24;

    /// <summary>Secrets the LMS signs launches with (<c>Lms-Signature</c>). Several at once let a secret be rotated without downtime.</summary>
    public List<string> Secrets { get; set; } = [];

    /// <summary>Only for local runs: accept launches without a signature when no secret is configured. Refused at start in Azure.</summary>
    public bool AllowUnsigned { get; set; }

    /// <summary>A launch older than this is refused over HTTP; history goes through <c>go1sync replay</c> or a backfill.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00", ErrorMessage = "The setting Launch__MaxAge must be between 01:00:00 and 3650.00:00:00.")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(7);

    public IReadOnlyList<string> ActiveSecrets => Secrets.Where(s => !string.IsNullOrWhiteSpace(s)).ToList();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ActiveSecrets.Count == 0 && !AllowUnsigned)
            yield return new ValidationResult(
                $"The setting Launch__Secrets__0 is required: set the secret the LMS signs launches with, at least {MinSecretLength} characters (or, for a local run only, Launch__AllowUnsigned=true).",
                [nameof(Secrets)]);
        if (ActiveSecrets.Any(KeyVaultReference.IsUnresolved))
            yield return new ValidationResult(
                "The setting Launch__Secrets holds an unresolved Key Vault reference: create the secret in the vault (or grant the app's identity Key Vault Secrets User) and restart.",
                [nameof(Secrets)]);
        else if (ActiveSecrets.Any(s => s.Length < MinSecretLength))
            yield return new ValidationResult($"The setting Launch__Secrets holds a secret shorter than {MinSecretLength} characters.", [nameof(Secrets)]);
    }
}

/// <summary>
/// Settings section <c>Auth</c>: Microsoft Entra ID bearer tokens for readers (app role
/// <c>Statistics.Read</c>) and operators (<c>Operations.Admin</c>), validated by the app itself.
/// </summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Auth";

    /// <summary>The token issuer, e.g. <c>https://login.microsoftonline.com/&lt;tenant id&gt;/v2.0</c>; its OIDC metadata is read from <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    public string? Authority { get; set; }

    /// <summary>The <c>aud</c> tokens must carry: the API's application ID URI (<c>api://…</c>) or its client id.</summary>
    public string? Audience { get; set; }

    /// <summary>Only for local runs: with no authority configured, the read API, the course writes and /api/ops ask for no token. Refused at start in Azure.</summary>
    public bool AllowUnauthenticated { get; set; }

    /// <summary>Tokens are checked whenever an authority or an audience is set, whatever <see cref="AllowUnauthenticated"/> says.</summary>
    public bool ValidatesTokens => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(Audience);

    /// <summary>
    /// The audiences accepted. Entra's v2 access tokens (the ones whose issuer is the v2 authority)
    /// carry the API's client id in <c>aud</c>, not its application ID URI; for the default URI
    /// <c>api://&lt;client id&gt;</c> the client id is accepted too.
    /// </summary>
    public IReadOnlyList<string> AcceptedAudiences
    {
        get
        {
            var audience = Audience?.Trim();
            if (string.IsNullOrEmpty(audience)) return [];
            const string scheme = "api://";
            return audience.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && Guid.TryParse(audience[scheme.Length..].TrimEnd('/'), out var clientId)
                ? [audience, clientId.ToString("D")]
                : [audience];
        }
    }

    /// <summary>Where the issuer publishes its OIDC metadata.</summary>
    public string MetadataAddress => (Authority ?? "").Trim().TrimEnd('/') + "/.well-known/openid-configuration";

    /// <summary>Plain HTTP is accepted only on loopback, where the tests run their issuer.</summary>
    public bool RequiresHttps => !(Uri.TryCreate(Authority?.Trim(), UriKind.Absolute, out var uri) && uri.IsLoopback);

    private static readonly string[] TenantlessSegments = ["common", "organizations", "consumers"];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!ValidatesTokens)
        {
            if (!AllowUnauthenticated)
                yield return new ValidationResult(
                    "The setting Auth__Authority is required: the Entra ID authority that issues readers' and operators' tokens, https://login.microsoftonline.com/<tenant id>/v2.0, with Auth__Audience (or, for a local run only, Auth__AllowUnauthenticated=true).",
                    [nameof(Authority)]);
            yield break;
        }

        if (string.IsNullOrWhiteSpace(Authority))
            yield return new ValidationResult("The setting Auth__Authority is required when Auth__Audience is set: https://login.microsoftonline.com/<tenant id>/v2.0.", [nameof(Authority)]);
        else if (!Uri.TryCreate(Authority.Trim(), UriKind.Absolute, out var uri) || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback)))
            yield return new ValidationResult("The setting Auth__Authority must be an absolute https URL, e.g. https://login.microsoftonline.com/<tenant id>/v2.0.", [nameof(Authority)]);
        else if (uri.Segments.Select(s => s.Trim('/')).Any(s => TenantlessSegments.Contains(s, StringComparer.OrdinalIgnoreCase)))
            yield return new ValidationResult("The setting Auth__Authority must name the tenant (its id), not common, organizations or consumers.", [nameof(Authority)]);

        if (string.IsNullOrWhiteSpace(Audience))
            yield return new ValidationResult("The setting Auth__Audience is required when Auth__Authority is set: the API's application ID URI (api://…) or client id.", [nameof(Audience)]);
    }
}

/// <summary>
/// Whether the process runs in Azure App Service / Functions: the platform sets these variables,
/// a developer's machine and the Functions Core Tools do not.
/// </summary>
public sealed record AzureHosting(string? DetectedBy)
{
    public static readonly string[] Variables = ["WEBSITE_INSTANCE_ID", "WEBSITE_SITE_NAME"];

    public bool InAzure => DetectedBy is not null;

    public static AzureHosting From(IConfiguration configuration) =>
        new(Variables.FirstOrDefault(v => !string.IsNullOrWhiteSpace(configuration[v])));
}

/// <summary>Development escape hatches (unsigned launches, no tokens) stop the app at start when it runs in Azure.</summary>
public sealed class LocalOnlySettings(AzureHosting hosting) : IValidateOptions<LaunchOptions>, IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, LaunchOptions options) =>
        hosting.InAzure && options.AllowUnsigned
            ? ValidateOptionsResult.Fail($"The setting Launch__AllowUnsigned=true is for local runs only and is refused in Azure ({hosting.DetectedBy} is set): set Launch__Secrets__0 and remove it.")
            : ValidateOptionsResult.Success;

    public ValidateOptionsResult Validate(string? name, AuthOptions options) =>
        hosting.InAzure && options.AllowUnauthenticated
            ? ValidateOptionsResult.Fail($"The setting Auth__AllowUnauthenticated=true is for local runs only and is refused in Azure ({hosting.DetectedBy} is set): set Auth__Authority and Auth__Audience and remove it.")
            : ValidateOptionsResult.Success;
}
