using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Go1Sync.Infrastructure.Configuration;

/// <summary>
/// Settings section <c>Outbound</c>: the LMS endpoint that receives every change of the feed as a
/// signed <c>attempt.updated</c> webhook (the schedule itself is the root setting <c>OutboundSchedule</c>).
/// <c>Outbound__Url</c> empty: outbound webhooks are off. The secret is never logged nor repeated in a message.
/// </summary>
public sealed class OutboundOptions : IValidatableObject
{
    /// <summary>The feed must keep changes longer than the retry schedule of one change (5 s to 24 h, about 75.6 hours in all).</summary>
    public const int MinFeedRetentionDays = 4;

    public const string Section = "Outbound";

    /// <summary>Standard Webhooks' secret format: this prefix, then base64 of the key.</summary>
    public const string SecretPrefix = "whsec_";
    public const int MinSecretBytes = 24;
    public const int MaxSecretBytes = 64;

    /// <summary>Absolute https URL of the receiver (http only to a loopback host, for local runs); empty: off.</summary>
    public string Url { get; set; } = "";

    /// <summary><c>whsec_</c> + base64 of 24 to 64 random bytes; required when <see cref="Url"/> is set.</summary>
    public string Secret { get; set; } = "";

    /// <summary>One POST's time limit; Standard Webhooks suggests 15 to 30 s.</summary>
    [Range(1, 60, ErrorMessage = "The setting Outbound__TimeoutSeconds must be between 1 and 60.")]
    public int TimeoutSeconds { get; set; } = 15;

    /// <summary>POSTs in flight at once inside a page of the feed (1: strictly one after the other).</summary>
    [Range(1, 16, ErrorMessage = "The setting Outbound__Parallelism must be between 1 and 16.")]
    public int Parallelism { get; set; } = 4;

    /// <summary>Changes one run sends at most, so a run stays within the host's time limit; the next run goes on.</summary>
    [Range(1, 100_000, ErrorMessage = "The setting Outbound__MaxPerRun must be between 1 and 100000.")]
    public int MaxPerRun { get; set; } = 5_000;

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
            yield break;
        if (!Uri.TryCreate(Url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            yield return new ValidationResult("The setting Outbound__Url must be an absolute https URL (or empty to turn outbound webhooks off).", [nameof(Url)]);
        else if (uri.Scheme == Uri.UriSchemeHttp && !IsLoopback(uri))
            yield return new ValidationResult("The setting Outbound__Url must use https: http is allowed only to a loopback host (localhost, 127.0.0.1, ::1), for local runs.", [nameof(Url)]);
        else if (!string.IsNullOrEmpty(uri.UserInfo))
            yield return new ValidationResult("The setting Outbound__Url must not hold credentials: the receiver authenticates us by the signature.", [nameof(Url)]);

        if (string.IsNullOrWhiteSpace(Secret))
            yield return new ValidationResult("The setting Outbound__Secret is required when Outbound__Url is set: whsec_ followed by base64 of 24 to 64 random bytes (Standard Webhooks).", [nameof(Secret)]);
        else if (KeyVaultReference.IsUnresolved(Secret))
            yield return new ValidationResult("The setting Outbound__Secret holds an unresolved Key Vault reference: create the secret in the vault (or grant the app's identity Key Vault Secrets User) and restart.", [nameof(Secret)]);
        else if (SecretKey(Secret) is not { Length: >= MinSecretBytes and <= MaxSecretBytes })
            yield return new ValidationResult("The setting Outbound__Secret must be whsec_ followed by base64 of 24 to 64 random bytes (Standard Webhooks).", [nameof(Secret)]);
    }

    /// <summary>The key bytes of a <c>whsec_</c> secret; null when it is not one.</summary>
    public static byte[]? SecretKey(string secret)
    {
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal)) return null;
        var text = secret[SecretPrefix.Length..];
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.DnsSafeHost, out var address) && IPAddress.IsLoopback(address));
}
