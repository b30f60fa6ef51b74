using System.Security.Cryptography;
using System.Text;

namespace Go1Sync.Core.Learners;

/// <summary>
/// Learners are matched across Go1 and the LMS by email only, so both sides must agree on one
/// spelling of it: trimmed, NFC, lower-cased with the invariant culture.
/// </summary>
public static class LearnerEmail
{
    public static string Normalize(string email)
    {
        ArgumentNullException.ThrowIfNull(email);
        return email.Trim().Normalize(NormalizationForm.FormC).ToLowerInvariant();
    }

    /// <summary>A plain address: local part, @, a domain with a dot; no spaces, no display name, at most 254 characters.</summary>
    public static bool IsValid(string text)
    {
        if (text.Length is 0 or > 254 || text.Any(char.IsControl) || text.Any(char.IsWhiteSpace)) return false;
        var at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1 || !text[(at + 1)..].Contains('.')) return false;
        return System.Net.Mail.MailAddress.TryCreate(text, out var parsed) && parsed.Address == text;
    }

    /// <summary>
    /// The learner id of the legacy scheme (key id <see cref="LearnerIdKey.LegacyKeyId"/>): the unsalted
    /// SHA-256 of the normalised email, lower-case hex. Anyone with a list of emails can compute it, so
    /// nothing new is keyed by it: only the migration (<c>go1sync migrate learner-ids</c>) and the check
    /// of tombstones written before keyed ids use it. Learner ids come from <see cref="LearnerIds"/>.
    /// </summary>
    public static string LegacySha256(string email)
    {
        var normalized = Normalize(email);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalized)));
    }

    /// <summary>For logs: keeps the first character and the domain, never the whole address.</summary>
    public static string Mask(string? email)
    {
        if (string.IsNullOrWhiteSpace(email)) return "(none)";
        var normalized = Normalize(email);
        var at = normalized.LastIndexOf('@');
        if (at <= 0) return "***";
        var masked = string.Concat(normalized.AsSpan(0, 1), "***", normalized.AsSpan(at));
        // An address that already looks masked ("a***@x.com") must not come out whole.
        return Security.LogValue.Of(masked == normalized ? string.Concat("***", normalized.AsSpan(at)) : masked)!;
    }
}
