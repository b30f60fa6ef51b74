using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Go1Sync.Core.Security;

public enum SignatureCheck { Valid, Missing, Malformed, Stale, Future, Mismatch }

/// <summary>
/// Go1's webhook signature: header <c>Go1-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c>, where v1 is
/// HMAC-SHA256 keyed with the webhook secret over <c>"{t}.{raw body}"</c>. Unlike Go1's reference
/// verifier we compare in constant time, bound the timestamp in both directions, and accept any
/// of several v1 values and several secrets (rotation without downtime). LMS launches are signed the
/// same way under <see cref="LaunchSignature.HeaderName"/> with their own secrets, and checked by
/// this same verifier.
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "Go1-Signature";

    public static SignatureCheck Verify(string? header, ReadOnlySpan<byte> body, IReadOnlyList<string> secrets, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrWhiteSpace(header)) return SignatureCheck.Missing;

        long? timestamp = null;
        var candidates = new List<byte[]>();
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) return SignatureCheck.Malformed;
            var name = part[..eq];
            var value = part[(eq + 1)..];
            if (name == "t")
            {
                if (timestamp is not null || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t)) return SignatureCheck.Malformed;
                timestamp = t;
            }
            else if (name == "v1")
            {
                if (value.Length != 64) return SignatureCheck.Malformed;
                try { candidates.Add(Convert.FromHexString(value)); }
                catch (FormatException) { return SignatureCheck.Malformed; }
            }
            // Other schemes (v0, future versions) are ignored, as Stripe does.
        }
        if (timestamp is null || candidates.Count == 0) return SignatureCheck.Malformed;

        var age = now - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(timestamp.Value, 0, 253402300799));
        if (age > tolerance) return SignatureCheck.Stale;
        if (age < -tolerance) return SignatureCheck.Future;

        var prefix = Encoding.ASCII.GetBytes(timestamp.Value.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));

        var match = false;
        foreach (var secret in secrets)
        {
            var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
            // Every candidate against every secret, without an early exit, so timing says nothing.
            foreach (var candidate in candidates)
                match |= CryptographicOperations.FixedTimeEquals(expected, candidate);
        }
        return match ? SignatureCheck.Valid : SignatureCheck.Mismatch;
    }

    /// <summary>Builds a header value the way Go1 does; for tests, tools and the replay of recorded deliveries.</summary>
    public static string Sign(ReadOnlySpan<byte> body, string secret, DateTimeOffset at)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var prefix = Encoding.ASCII.GetBytes(t + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return $"t={t},v1={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed))}";
    }
}

/// <summary>
/// LMS launches: header <c>Lms-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c>, HMAC-SHA256 keyed
/// with a launch secret over <c>"{t}.{raw body}"</c>, exactly as <see cref="WebhookSignature"/>.
/// </summary>
public static class LaunchSignature
{
    public const string HeaderName = "Lms-Signature";
}
