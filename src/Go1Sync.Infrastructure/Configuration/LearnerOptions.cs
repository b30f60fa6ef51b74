using System.ComponentModel.DataAnnotations;

namespace Go1Sync.Infrastructure.Configuration;

/// <summary>
/// Settings section <c>Learners</c>: the secret key learner ids are made with (HMAC-SHA256 of the
/// normalised email, <see cref="LearnerIds"/>), from Key Vault in Azure. Without
/// <c>Learners__IdKey</c> the published development key is used, which the app refuses in Azure
/// and against storage other than Azurite (<see cref="LearnerKeySettings"/>).
/// </summary>
public sealed class LearnerOptions : IValidatableObject
{
    public const string Section = "Learners";

    /// <summary>The log category of the start-up warning that the development key is in use (the CLI, which can only use it against Azurite, does not show it).</summary>
    public const string DevelopmentKeyLogCategory = "Go1Sync.Learners.DevelopmentKey";

    /// <summary>The current key, base64 of at least <see cref="LearnerIdKey.MinBytes"/> bytes. Never logged.</summary>
    public string? IdKey { get; set; }

    /// <summary>The key before a rotation, while rows or tombstones made with it matter (README, "Rotating the learner-id key"). Never logged.</summary>
    public string? PreviousIdKey { get; set; }

    public bool UsesDevelopmentKey => string.IsNullOrWhiteSpace(IdKey);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var current = Check(IdKey, "Learners__IdKey", nameof(IdKey), out var currentError);
        if (currentError is not null) yield return currentError;
        var previous = Check(PreviousIdKey, "Learners__PreviousIdKey", nameof(PreviousIdKey), out var previousError);
        if (previousError is not null) yield return previousError;
        if (previous is not null && previous.KeyId == (current ?? LearnerIdKey.Development).KeyId)
            yield return new ValidationResult(
                "The setting Learners__PreviousIdKey is the same key as Learners__IdKey: after a rotation it holds the old key and Learners__IdKey the new one; without a rotation leave it empty.",
                [nameof(PreviousIdKey)]);
    }

    /// <summary>The ids these settings make (the development key when <see cref="IdKey"/> is empty). Call only on validated options.</summary>
    public LearnerIds ToLearnerIds() =>
        new(Parse(IdKey) ?? LearnerIdKey.Development, Parse(PreviousIdKey));

    /// <summary>The key ids only, never the keys.</summary>
    public override string ToString() =>
        $"LearnerOptions {{ IdKey = {(UsesDevelopmentKey ? "(development key)" : "***")}, PreviousIdKey = {(string.IsNullOrWhiteSpace(PreviousIdKey) ? "(none)" : "***")} }}";

    private static LearnerIdKey? Parse(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null : new LearnerIdKey(Convert.FromBase64String(value.Trim()));

    /// <summary>The key a setting holds (null when empty), or the error that names the setting; never repeats the value.</summary>
    private static LearnerIdKey? Check(string? value, string setting, string member, out ValidationResult? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (KeyVaultReference.IsUnresolved(value))
        {
            error = new ValidationResult(
                $"The setting {setting} holds an unresolved Key Vault reference: create the secret in the vault (or grant the app's identity Key Vault Secrets User) and restart.",
                [member]);
            return null;
        }
        var bytes = new byte[value.Length];
        if (!Convert.TryFromBase64String(value.Trim(), bytes, out var length))
        {
            error = new ValidationResult(
                $"The setting {setting} must be base64 of a random key of at least {LearnerIdKey.MinBytes} bytes (e.g. openssl rand -base64 32).",
                [member]);
            return null;
        }
        if (length < LearnerIdKey.MinBytes)
        {
            error = new ValidationResult(
                $"The setting {setting} holds a key of {length} bytes; a learner-id key must be at least {LearnerIdKey.MinBytes} random bytes (e.g. openssl rand -base64 32).",
                [member]);
            return null;
        }
        return new LearnerIdKey(bytes.AsSpan(0, length));
    }
}

/// <summary>
/// The development learner-id key is published, so ids made with it protect nothing: the app
/// refuses it at start in Azure and whenever its storage is not local (Azurite), which is where
/// real learners' rows live (an operator's CLI pointed at the production account included).
/// </summary>
public sealed class LearnerKeySettings(AzureHosting hosting, bool localStorage) : IValidateOptions<LearnerOptions>
{
    public ValidateOptionsResult Validate(string? name, LearnerOptions options)
    {
        if (!options.UsesDevelopmentKey) return ValidateOptionsResult.Success;
        if (hosting.InAzure)
            return ValidateOptionsResult.Fail(
                $"The setting Learners__IdKey is required in Azure ({hosting.DetectedBy} is set): without it the published development learner-id key would be used. Set it to a Key Vault reference to a random key of at least {LearnerIdKey.MinBytes} bytes, base64.");
        if (!localStorage)
            return ValidateOptionsResult.Fail(
                $"The setting Learners__IdKey is required with storage other than Azurite ({StorageClients.Setting} names a storage account): the development learner-id key is for local runs only. Set it to the app's key (Key Vault), base64.");
        return ValidateOptionsResult.Success;
    }
}
