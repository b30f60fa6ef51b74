using System.ComponentModel.DataAnnotations;

namespace Go1Sync.Infrastructure.Configuration;

/// <summary>
/// App Service leaves a setting as the literal "@Microsoft.KeyVault(...)" text when it cannot
/// resolve it (secret missing, no access): a value that must never be taken for the secret.
/// </summary>
public static class KeyVaultReference
{
    public static bool IsUnresolved(string? value) =>
        value is not null && value.TrimStart().StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Settings section <c>Webhook</c>: how Go1 deliveries are authenticated.</summary>
public sealed class WebhookOptions : IValidatableObject
{
    public const string Section = "Webhook";

    /// <summary>
    /// Go1 <c>secret_key</c> values, each <see cref="MinSecretLength"/> to <see cref="MaxSecretLength"/>
    /// characters (Go1 allows up to 64). Several at once let a secret be rotated without downtime.
    /// </summary>
    public List<string> Secrets { get; set; } = [];

    /// <summary>A shorter secret could be guessed offline from one signed delivery.</summary>
    public const int MinSecretLength = 24;

    /// <summary>Go1's own maximum for a webhook's <c>secret_key</c>.</summary>
    public const int MaxSecretLength = 64;

    [Range(1, 3600, ErrorMessage = "The setting Webhook__ToleranceSeconds must be between 1 and 3600.")]
    public int ToleranceSeconds { get; set; } = 300;

    /// <summary>Only for local runs: accept deliveries without a signature when no secret is configured.</summary>
    public bool AllowUnsigned { get; set; }

    public IReadOnlyList<string> ActiveSecrets => Secrets.Where(s => !string.IsNullOrWhiteSpace(s)).ToList();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ActiveSecrets.Count == 0 && !AllowUnsigned)
            yield return new ValidationResult(
                "The setting Webhook__Secrets__0 is required: set Go1's webhook secret_key (or, for a local run only, Webhook__AllowUnsigned=true).",
                [nameof(Secrets)]);
        if (ActiveSecrets.Any(KeyVaultReference.IsUnresolved))
            yield return new ValidationResult(
                "The setting Webhook__Secrets holds an unresolved Key Vault reference: create the secret in the vault (or grant the app's identity Key Vault Secrets User) and restart.",
                [nameof(Secrets)]);
        else
        {
            // Named by position in the list, which is the N of Webhook__Secrets__N when the indexes have no gaps.
            for (var i = 0; i < Secrets.Count; i++)
            {
                var secret = Secrets[i];
                if (string.IsNullOrWhiteSpace(secret)) continue;
                if (secret.Length < MinSecretLength)
                    yield return new ValidationResult(
                        $"The setting Webhook__Secrets__{i} is shorter than {MinSecretLength} characters: use a random secret_key of {MinSecretLength} to {MaxSecretLength} characters at Go1 and here.",
                        [nameof(Secrets)]);
                else if (secret.Length > MaxSecretLength)
                    yield return new ValidationResult(
                        $"The setting Webhook__Secrets__{i} is longer than Go1's {MaxSecretLength}-character maximum.",
                        [nameof(Secrets)]);
            }
        }
    }
}
