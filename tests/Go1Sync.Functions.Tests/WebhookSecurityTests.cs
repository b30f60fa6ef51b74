using System.Text;
using Go1Sync.Core.Security;

namespace Go1Sync.Functions.Tests;

/// <summary>The webhook is a public URL: only deliveries signed with a configured secret, recently, are queued.</summary>
public sealed class WebhookSecurityTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private const string Secret = "current-secret-0123456789";
    private const string RotatedSecret = "next-secret-9876543210-rotated";
    private const string Body = """{"id":"evt-sig","event_type":"enrollment.complete","data":{"id":"555","lo_id":"77","email":"sig@example.com","end_date":"2025-01-01T10:00:00Z","pass":true}}""";

    private Task<Go1SyncTestHost> SignedHostAsync() => Go1SyncTestHost.StartAsync(storage.Azurite, s =>
    {
        s["Webhook:AllowUnsigned"] = "false";
        s["Webhook:Secrets:0"] = Secret;
        s["Webhook:Secrets:1"] = RotatedSecret;
        s["Webhook:ToleranceSeconds"] = "300";
    });

    private static Dictionary<string, string> Signed(string header) => new() { [WebhookSignature.HeaderName] = header };

    /// <summary>Headers are built when the test runs (not at discovery), so the clock-sensitive cases stay exact.</summary>
    private static string Header(string why)
    {
        var now = DateTimeOffset.UtcNow;
        var bytes = Encoding.UTF8.GetBytes(Body);
        return why switch
        {
            "missing" => "",
            "malformed" => "v1=abc",
            "not hex" => $"t={now.ToUnixTimeSeconds()},v1={new string('z', 64)}",
            "wrong secret" => WebhookSignature.Sign(bytes, "somebody-else", now),
            "stale by 400 s" => WebhookSignature.Sign(bytes, Secret, now.AddSeconds(-400)),
            "future by 400 s" => WebhookSignature.Sign(bytes, Secret, now.AddSeconds(400)),
            "other body" => WebhookSignature.Sign(Encoding.UTF8.GetBytes(Body.Replace("555", "556", StringComparison.Ordinal)), Secret, now),
            "timestamp swapped" => WebhookSignature.Sign(bytes, Secret, now).Replace($"t={now.ToUnixTimeSeconds()}", $"t={now.ToUnixTimeSeconds() - 1}", StringComparison.Ordinal),
            _ => throw new ArgumentOutOfRangeException(nameof(why)),
        };
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("malformed")]
    [InlineData("not hex")]
    [InlineData("wrong secret")]
    [InlineData("stale by 400 s")]
    [InlineData("future by 400 s")]
    [InlineData("other body")]
    [InlineData("timestamp swapped")]
    public async Task DeliveryWithoutAValidSignature_Gets401_AndNothingIsQueued(string why)
    {
        await using var host = await SignedHostAsync();
        var header = Header(why);
        var answer = await host.PostWebhookAsync(Body, header.Length == 0 ? null : Signed(header));
        Assert.True(answer.Status == 401, $"{why}: expected 401, got {answer.Status}");
        Assert.Equal("application/problem+json", answer.ContentType);
        Assert.Contains(WebhookSignature.HeaderName, answer.Body);
        Assert.Equal(0, await host.QueueLengthAsync());
    }

    [Fact]
    public async Task Delivery_SignedWithTheCurrentSecret_IsQueued()
    {
        await using var host = await SignedHostAsync();
        var answer = await host.PostWebhookAsync(Body, Signed(WebhookSignature.Sign(Encoding.UTF8.GetBytes(Body), Secret, DateTimeOffset.UtcNow)));
        Assert.Equal(202, answer.Status);
        Assert.Equal(1, await host.QueueLengthAsync());
    }

    [Fact]
    public async Task DeliverySignedWithTheRotatedSecret_IsQueued_SoRotationNeedsNoDowntime()
    {
        await using var host = await SignedHostAsync();
        var answer = await host.PostWebhookAsync(Body, Signed(WebhookSignature.Sign(Encoding.UTF8.GetBytes(Body), RotatedSecret, DateTimeOffset.UtcNow.AddSeconds(-200))));
        Assert.Equal(202, answer.Status);
    }

    [Fact]
    public async Task HeaderWithSeveralV1Values_AnyOfThemMatching_IsAccepted()
    {
        await using var host = await SignedHostAsync();
        var now = DateTimeOffset.UtcNow;
        var good = WebhookSignature.Sign(Encoding.UTF8.GetBytes(Body), Secret, now);
        var header = $"t={now.ToUnixTimeSeconds()},v1={new string('0', 64)},{good.Split(',')[1]}";
        Assert.Equal(202, (await host.PostWebhookAsync(Body, Signed(header))).Status);
    }

    [Theory]
    [InlineData("Webhook:Secrets:0", "Webhook__Secrets__0")]
    [InlineData("Webhook:Secrets:1", "Webhook__Secrets__1")]
    public async Task WebhookSecret_ShorterThan24Characters_FailsAtStartNamingTheSetting(string key, string named)
    {
        const string short23 = "only-23-characters-long";
        Assert.Equal(23, short23.Length);
        var message = await StartupRefusal.MessageAsync(storage.Azurite, s =>
        {
            s["Webhook:AllowUnsigned"] = "false";
            s["Webhook:Secrets:0"] = Secret;
            s[key] = short23;
        });
        Assert.Contains(named, message, StringComparison.Ordinal);
        Assert.Contains("24", message, StringComparison.Ordinal);
        Assert.DoesNotContain(short23, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_UnparsableWebhookSetting_FailsWithAMessageNamingIt()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Go1SyncTestHost.StartAsync(storage.Azurite, s => s["Cutovers:Connector"] = "next tuesday"));
        Assert.Contains("Cutovers:Connector", error.Message);
    }
}
