using System.Security.Cryptography;

namespace Go1Sync.Testing;

/// <summary>Learner-id keys for tests that set <c>Learners:IdKey</c> (or the previous key): random, base64, as Key Vault holds them.</summary>
public static class LearnerIdKeys
{
    public static string New(int bytes = 32) => Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes));
}
