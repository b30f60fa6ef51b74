using System.Security.Cryptography;
using System.Text;

namespace Go1Sync.Core.Learners;

/// <summary>
/// A secret key learner ids are made with: HMAC-SHA256 of the normalised email. Its
/// <see cref="KeyId"/> (the first 8 hex digits of the key's SHA-256) is stored on every aggregate,
/// so a row says which key made its id, and names the key in logs without revealing it.
/// </summary>
public sealed class LearnerIdKey
{
    /// <summary>HMAC-SHA256 keys shorter than its 32-byte output are weaker than the hash.</summary>
    public const int MinBytes = 32;

    /// <summary>The key id of the legacy scheme: the unsalted SHA-256 (<see cref="LearnerEmail.LegacySha256"/>), which had no key.</summary>
    public const string LegacyKeyId = "sha256";

    /// <summary>
    /// The development key, used when <c>Learners__IdKey</c> is not set, for local runs and tests
    /// only (the app refuses it in Azure and against storage other than Azurite): the SHA-256 of
    /// the text "go1sync development learner-id key: never used in Azure". It is published, so it
    /// protects nothing.
    /// </summary>
    public const string DevelopmentKeyBase64 = "qo90T9v0fZCVul6NlEQlc51Y5M5PISzflHazennlz1Q=";

    private readonly byte[] _key;

    public LearnerIdKey(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinBytes)
            throw new ArgumentException($"A learner-id key must be at least {MinBytes} bytes; this one is {key.Length}.", nameof(key));
        _key = key.ToArray();
        KeyId = Convert.ToHexStringLower(SHA256.HashData(_key))[..8];
    }

    /// <summary>First 8 hex digits of the key's SHA-256: names the key without revealing it.</summary>
    public string KeyId { get; }

    public bool IsDevelopment => KeyId == Development.KeyId;

    public static LearnerIdKey Development { get; } = new(Convert.FromBase64String(DevelopmentKeyBase64));

    /// <summary>HMAC-SHA256 of the normalised email with this key, 64 lower-case hex digits.</summary>
    public string IdOf(string email) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(LearnerEmail.Normalize(email))));

    public override string ToString() => KeyId;
}

/// <summary>
/// How a learner is named in storage, in the delivery log and in URLs: an id that is a keyed HMAC
/// of the normalised email (<see cref="Id"/>), so holding an email (or a list of them) is not enough
/// to find or recognise a learner's rows. The shape, 64 lower-case hex digits, is the legacy
/// SHA-256's, so keys and checks keep their form. After a key rotation the previous key is still
/// known, for the migration and for tombstones written under it (which cannot be rekeyed: they keep
/// no email).
/// </summary>
public sealed class LearnerIds(LearnerIdKey current, LearnerIdKey? previous = null)
{
    /// <summary>The development ids (<see cref="LearnerIdKey.Development"/>): what local runs and the tests use.</summary>
    public static LearnerIds Development { get; } = new(LearnerIdKey.Development);

    public LearnerIdKey Current { get; } = current;

    /// <summary>The key before a rotation (<c>Learners__PreviousIdKey</c>), or null.</summary>
    public LearnerIdKey? Previous { get; } = previous is not null && previous.KeyId == current.KeyId ? null : previous;

    /// <summary>The key id stored on rows written now.</summary>
    public string CurrentKeyId => Current.KeyId;

    /// <summary>The learner id of an email: HMAC-SHA256 with the current key of the normalised email, lower-case hex.</summary>
    public string Id(string email) => Current.IdOf(email);

    /// <summary>The id of an email that is a plain address, else null (nothing to name a learner by).</summary>
    public string? IdOfValid(string? email) => email is null || !LearnerEmail.IsValid(email.Trim()) ? null : Id(email);

    /// <summary>
    /// The id an email had under the scheme a stored key id names (the current key, the previous
    /// key or the legacy SHA-256), or null for a key id this process does not hold.
    /// </summary>
    public string? IdUnder(string keyId, string email) =>
        keyId == Current.KeyId ? Current.IdOf(email)
        : Previous is not null && keyId == Previous.KeyId ? Previous.IdOf(email)
        : keyId == LearnerIdKey.LegacyKeyId ? LearnerEmail.LegacySha256(email)
        : null;

    /// <summary>Every id this process can compute for an email, the current first: current key, previous key, legacy SHA-256.</summary>
    public IReadOnlyList<(string KeyId, string Id)> AllIds(string email)
    {
        var ids = new List<(string, string)> { (Current.KeyId, Current.IdOf(email)) };
        if (Previous is not null) ids.Add((Previous.KeyId, Previous.IdOf(email)));
        ids.Add((LearnerIdKey.LegacyKeyId, LearnerEmail.LegacySha256(email)));
        return ids;
    }

    /// <summary>True for a value shaped like a learner id: 64 lower-case hex digits.</summary>
    public static bool IsId(string value) => value.Length == 64 && value.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
