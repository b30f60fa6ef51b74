using System.Security.Cryptography;
using System.Text;
using Go1Sync.Core.Attempts;
using Go1Sync.Core.Learners;

namespace Go1Sync.Core.Tests;

/// <summary>How a learner and a course are keyed: normalised email, its learner id, masking, key escaping.</summary>
public sealed class LearnerKeyTests
{
    private static readonly LearnerIds Ids = LearnerIds.Development;

    private const string Nfc = "jos\u00E9.mar\u00EDa@example.com";       // é, í precomposed
    private const string Nfd = "jose\u0301.mari\u0301a@example.com";     // e + U+0301, i + U+0301

    [Theory]
    [InlineData("learner@example.com")]
    [InlineData("Learner@Example.COM")]
    [InlineData("  learner@example.com")]
    [InlineData("learner@example.com \t")]
    [InlineData("\u00A0LEARNER@EXAMPLE.COM\r\n")]
    public void Email_CaseAndWhitespaceVariants_MapToTheSameLearnerKeyAndHash(string variant)
    {
        Assert.Equal("learner@example.com", LearnerEmail.Normalize(variant));
        Assert.Equal(Ids.Id("learner@example.com"), Ids.Id(variant));
        Assert.Equal(LearnerCourseKey.For(Ids, "learner@example.com", "lo-1"), LearnerCourseKey.For(Ids, variant, "lo-1"));
    }

    [Theory]
    [InlineData(Nfd)]
    [InlineData("  JOSE\u0301.MARI\u0301A@EXAMPLE.COM ")]
    [InlineData("JOS\u00C9.MAR\u00CDA@example.com")]
    public void Email_NfdAndNfcForms_MapToTheSameLearnerKeyAndHash(string variant)
    {
        Assert.NotEqual(Nfc, Nfd);
        Assert.Equal(Nfc, LearnerEmail.Normalize(variant));
        Assert.True(LearnerEmail.Normalize(variant).IsNormalized(NormalizationForm.FormC));
        Assert.Equal(Ids.Id(Nfc), Ids.Id(variant));
        Assert.Equal(LearnerCourseKey.For(Ids, Nfc, "lo-1"), LearnerCourseKey.For(Ids, variant, "lo-1"));
    }

    [Fact]
    public void EmailVariants_Accepted_GoIntoTheSameHistory()
    {
        var rules = new AttemptRules(Cutovers.Default);
        var history = LearnerCourseHistory.Empty(Nfc, "lo-1");
        history = rules.Accept(history, new Launch("a", Nfd, "lo-1", Platform.Web, At.Cet(12, 22, 9))).History;
        history = rules.Accept(history, new Completion("enr-1", "  " + Nfc.ToUpperInvariant(), "lo-1", At.Cet(12, 22, 10), true), 300).History;

        var attempt = Assert.Single(rules.Fold(history));
        Assert.Equal(Nfc, attempt.Email);
        Assert.Equal(AttemptStatus.Completed, attempt.Status);
    }

    [Fact]
    public void LearnerId_IsLowerCaseHexOf64Digits_AndDiffersBetweenLearners()
    {
        var id = Ids.Id("learner@example.com");
        Assert.Matches("^[0-9a-f]{64}$", id);
        Assert.True(LearnerIds.IsId(id));
        Assert.NotEqual(id, Ids.Id("learner2@example.com"));
        Assert.NotEqual(id, Ids.Id("learner@example.org"));
    }

    [Theory]
    [InlineData("learner@example.com")]
    [InlineData("  Learner@Example.COM ")]
    public void LearnerId_OfAnEmail_IsTheHmacSha256OfTheNormalisedEmailWithTheKeyNotItsSha256(string email)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var ids = new LearnerIds(new LearnerIdKey(key));

        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes("learner@example.com")));
        Assert.Equal(expected, ids.Id(email));
        Assert.NotEqual(LearnerEmail.LegacySha256(email), ids.Id(email));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("learner@example.com"))), LearnerEmail.LegacySha256(email));
    }

    [Theory]
    [InlineData("Learner@Example.COM")]
    [InlineData("  learner@example.com")]
    [InlineData("learner@example.com \t")]
    [InlineData("\u00A0LEARNER@EXAMPLE.COM\r\n")]
    public void LearnerId_TwoKeys_DifferForOneEmailAndEachIsTheSameForItsCaseAndSpaceVariants(string variant)
    {
        var one = new LearnerIds(new LearnerIdKey(RandomNumberGenerator.GetBytes(32)));
        var two = new LearnerIds(new LearnerIdKey(RandomNumberGenerator.GetBytes(48)));

        Assert.NotEqual(one.Id("learner@example.com"), two.Id("learner@example.com"));
        Assert.Equal(one.Id("learner@example.com"), one.Id(variant));
        Assert.Equal(two.Id("learner@example.com"), two.Id(variant));
        Assert.Equal(LearnerIds.Development.Id("learner@example.com"), LearnerIds.Development.Id(variant));
    }

    [Fact]
    public void LearnerIdKey_KeyId_IsTheFirst8HexDigitsOfTheKeysSha256AndTheDevelopmentKeyIsThePublishedOne()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(key))[..8], new LearnerIdKey(key).KeyId);
        var development = SHA256.HashData(Encoding.UTF8.GetBytes("go1sync development learner-id key: never used in Azure"));
        Assert.Equal(LearnerIdKey.DevelopmentKeyBase64, Convert.ToBase64String(development));
        Assert.Equal("00428c29", LearnerIdKey.Development.KeyId);
        Assert.True(LearnerIdKey.Development.IsDevelopment);
    }

    [Fact]
    public void LearnerIdKey_ShorterThan32Bytes_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new LearnerIdKey(new byte[31]));
        Assert.Contains("at least 32 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LearnerIds_IdUnderAKeyId_IsThatSchemesIdAndNullForAKeyItDoesNotHold()
    {
        var previous = new LearnerIdKey(RandomNumberGenerator.GetBytes(32));
        var ids = new LearnerIds(new LearnerIdKey(RandomNumberGenerator.GetBytes(32)), previous);
        const string email = "Learner@Example.com";

        Assert.Equal(ids.Id(email), ids.IdUnder(ids.CurrentKeyId, email));
        Assert.Equal(previous.IdOf(email), ids.IdUnder(previous.KeyId, email));
        Assert.Equal(LearnerEmail.LegacySha256(email), ids.IdUnder(LearnerIdKey.LegacyKeyId, email));
        Assert.Null(ids.IdUnder("0badc0de", email));
        Assert.Equal([ids.CurrentKeyId, previous.KeyId, LearnerIdKey.LegacyKeyId], ids.AllIds(email).Select(i => i.KeyId));
        Assert.Null(ids.IdOfValid("not an address"));
    }

    [Fact]
    public void CourseKey_IsTheGo1LearningObjectId_Escaped()
    {
        Assert.Equal("12345", LearnerCourseKey.For(Ids, "learner@example.com", "12345").CourseKey);
        Assert.Equal("a%2Fb", LearnerCourseKey.For(Ids, "learner@example.com", "a/b").CourseKey);
    }

    [Theory]
    [InlineData("learner@example.com", "l***@example.com")]
    [InlineData("  Jane.Doe@Example.COM ", "j***@example.com")]
    [InlineData("a@b.co", "a***@b.co")]
    [InlineData("first.last+tag@sub.example.org", "f***@sub.example.org")]
    [InlineData("we\"ird@name\"@example.com", "w***@example.com")]
    [InlineData("no-at-sign", "***")]
    [InlineData("@example.com", "***")]
    [InlineData("", "(none)")]
    [InlineData("   ", "(none)")]
    [InlineData(null, "(none)")]
    public void Mask_AnEmail_KeepsOnlyTheFirstCharacterAndTheDomain(string? email, string expected)
    {
        var masked = LearnerEmail.Mask(email);
        Assert.Equal(expected, masked);
        if (!string.IsNullOrWhiteSpace(email))
            Assert.DoesNotContain(LearnerEmail.Normalize(email), masked, StringComparison.Ordinal);
    }

    [Fact]
    public void Mask_NeverReturnsTheFullAddress_ForRandomAddresses()
    {
        const string localChars = "abcdefghijklmnopqrstuvwxyz0123456789._+-ÉéØ";
        var random = new Random(20241219);
        for (var i = 0; i < 2000; i++)
        {
            var local = RandomString(random, localChars, random.Next(1, 20));
            var domain = RandomString(random, "abcdefghijklmnopqrstuvwxyz", random.Next(1, 10)) + ".example";
            var email = local + "@" + domain;
            var masked = LearnerEmail.Mask(email);

            Assert.NotEqual(LearnerEmail.Normalize(email), masked);
            Assert.DoesNotContain(LearnerEmail.Normalize(email), masked, StringComparison.Ordinal);
            Assert.EndsWith("@" + domain, masked, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// ENGINE BUG (kept failing on purpose): '*' is a legal character of an email's local part
    /// (RFC 5322 atext), and for a local part that is one character followed by "***" the mask
    /// "first character + *** + @domain" is the address itself, so Mask returns the full address.
    /// </summary>
    [Theory]
    [InlineData("a***@example.com")]
    [InlineData("J***@Example.com")]
    public void Mask_NeverReturnsTheFullAddress_EvenWhenTheLocalPartLooksMasked(string email)
    {
        var masked = LearnerEmail.Mask(email);
        Assert.NotEqual(LearnerEmail.Normalize(email), masked);
    }

    [Fact]
    public void KeyEncoding_CharactersTableKeysForbid_AreEscaped()
    {
        Assert.Equal("a%2Fb%5Cc%23d%3Fe", KeyEncoding.Escape("a/b\\c#d?e"));
        Assert.Equal("%25", KeyEncoding.Escape("%"));
        Assert.Equal("%00%01%09%0A%1F%7F", KeyEncoding.Escape("\0\u0001\t\n\u001F\u007F"));
        Assert.Equal("%C2%80%C2%9F", KeyEncoding.Escape("\u0080\u009F"));
        Assert.Equal("plain-12345_ok.é😀", KeyEncoding.Escape("plain-12345_ok.é😀"));
        Assert.Equal("", KeyEncoding.Escape(""));
        Assert.Throws<ArgumentNullException>(() => KeyEncoding.Escape(null!));
    }

    [Theory]
    [InlineData("a/b\\c#d?e")]
    [InlineData("100%")]
    [InlineData("%2F")]
    [InlineData("%%41%zz")]
    [InlineData("a+b c")]
    [InlineData("it's")]
    [InlineData("tab\there\u0000nul\u0085nel")]
    [InlineData("café😀/ü")]
    public void KeyEncoding_KnownStrings_RoundTrips(string value)
    {
        var escaped = KeyEncoding.Escape(value);
        AssertValidKey(escaped);
        Assert.Equal(value, KeyEncoding.Unescape(escaped));
    }

    [Fact]
    public void KeyEncoding_RandomStrings_RoundTrips()
    {
        var alphabet = "aZ09-_.~ %+/\\#?'\"é€\u0000\u0001\u001F\u007F\u0080\u009F\t\r\n".ToCharArray()
            .Select(c => c.ToString())
            .Concat(["😀", "𝄞"])
            .ToArray();
        var random = new Random(42);
        for (var i = 0; i < 2000; i++)
        {
            var sb = new StringBuilder();
            var length = random.Next(0, 24);
            for (var j = 0; j < length; j++) sb.Append(alphabet[random.Next(alphabet.Length)]);
            var value = sb.ToString();

            var escaped = KeyEncoding.Escape(value);
            AssertValidKey(escaped);
            Assert.Equal(value, KeyEncoding.Unescape(escaped));
        }
    }

    private static void AssertValidKey(string escaped)
    {
        foreach (var forbidden in new[] { '/', '\\', '#', '?' })
            Assert.DoesNotContain(forbidden, escaped);
        Assert.DoesNotContain(escaped, char.IsControl);
    }

    private static string RandomString(Random random, string chars, int length)
    {
        var sb = new StringBuilder(length);
        for (var i = 0; i < length; i++) sb.Append(chars[random.Next(chars.Length)]);
        return sb.ToString();
    }
}
