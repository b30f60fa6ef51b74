using System.Text;
using Go1Sync.Core.Security;

namespace Go1Sync.Functions.Tests.Security;

/// <summary>
/// LMS launches are a public, anonymous endpoint: only launches signed with a launch secret
/// (<c>Lms-Signature</c>, the webhook's scheme, verifier and tolerance), recently, and about a
/// recent START are queued.
/// </summary>
public sealed class LaunchSecurityTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private const string Secret = "lms-launch-secret-0123456789abcdef";
    private const string RotatedSecret = "lms-launch-secret-next-fedcba9876543210";
    private const string WebhookSecret = "go1-webhook-secret-0123456789";

    private static string Launch(string attemptId, DateTimeOffset launchedAt) =>
        $$"""{"attemptId":"{{attemptId}}","email":"signed.launch@example.com","courseId":"signed-course","platform":"web","launchedAt":"{{launchedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}}"}""";

    /// <summary>A host as in Azure: launch secrets, no unsigned launches, the default maximum age.</summary>
    private Task<Go1SyncTestHost> SignedHostAsync(Action<Dictionary<string, string?>>? more = null) => Go1SyncTestHost.StartAsync(storage.Azurite, s =>
    {
        s["Launch:AllowUnsigned"] = "false";
        s["Launch:Secrets:0"] = Secret;
        s["Launch:Secrets:1"] = RotatedSecret;
        s.Remove("Launch:MaxAge");
        s["Webhook:AllowUnsigned"] = "false";
        s["Webhook:Secrets:0"] = WebhookSecret;
        more?.Invoke(s);
    });

    private static Dictionary<string, string> Signed(string header, string name = LaunchSignature.HeaderName) => new() { [name] = header };

    private static string Sign(string body, string secret, DateTimeOffset at) => WebhookSignature.Sign(Encoding.UTF8.GetBytes(body), secret, at);

    [Fact]
    public async Task LaunchSignedWithTheCurrentSecret_IsQueued_AndLoggedAsValid()
    {
        await using var host = await SignedHostAsync();
        var now = DateTimeOffset.UtcNow;
        var body = Launch("signed-1", now.AddMinutes(-1));
        var answer = await host.PostLaunchAsync(body, Signed(Sign(body, Secret, now)));
        Assert.Equal(202, answer.Status);
        Assert.Equal(1, await host.QueueLengthAsync());
        // The receipt travels in the queued message (issue #14); the processor writes it with the outcome.
        var receipt = EventEnvelope.FromJson((await host.Queue.PeekMessageAsync()).Value.Body.ToString()).DeliveryReceipt()!;
        Assert.Equal("signed-1", receipt.AttemptId);
        Assert.Equal("valid", receipt.Signature);
    }

    [Fact]
    public async Task LaunchSignedWithTheRotatedSecret_IsQueued_SoRotationNeedsNoDowntime()
    {
        await using var host = await SignedHostAsync();
        var now = DateTimeOffset.UtcNow;
        var body = Launch("signed-2", now);
        Assert.Equal(202, (await host.PostLaunchAsync(body, Signed(Sign(body, RotatedSecret, now.AddSeconds(-200))))).Status);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("malformed")]
    [InlineData("wrong secret")]
    [InlineData("the Go1 webhook secret")]
    [InlineData("under the Go1 header")]
    [InlineData("stale by 400 s")]
    [InlineData("future by 400 s")]
    [InlineData("other body")]
    public async Task LaunchWithoutAValidSignature_Gets401_AndNothingIsQueued(string why)
    {
        await using var host = await SignedHostAsync();
        var now = DateTimeOffset.UtcNow;
        var body = Launch("unsigned-1", now);
        var headers = why switch
        {
            "missing" => null,
            "malformed" => Signed("v1=abc"),
            "wrong secret" => Signed(Sign(body, "somebody-elses-secret-0123456789", now)),
            "the Go1 webhook secret" => Signed(Sign(body, WebhookSecret, now)),
            "under the Go1 header" => Signed(Sign(body, Secret, now), WebhookSignature.HeaderName),
            "stale by 400 s" => Signed(Sign(body, Secret, now.AddSeconds(-400))),
            "future by 400 s" => Signed(Sign(body, Secret, now.AddSeconds(400))),
            "other body" => Signed(Sign(body.Replace("unsigned-1", "unsigned-2", StringComparison.Ordinal), Secret, now)),
            _ => throw new ArgumentOutOfRangeException(nameof(why)),
        };
        var answer = await host.PostLaunchAsync(body, headers);
        Assert.True(answer.Status == 401, $"{why}: expected 401, got {answer.Status}");
        Assert.Equal("application/problem+json", answer.ContentType);
        Assert.True(JsonDocument.Parse(answer.Body).RootElement.GetProperty("errors").TryGetProperty(LaunchSignature.HeaderName, out _), answer.Body);
        Assert.Equal(0, await host.QueueLengthAsync());
    }

    [Fact]
    public async Task LaunchOlderThanTheDefaultMaxAgeOf7Days_Gets400NamingLaunchedAt_AndNothingIsQueued()
    {
        await using var host = await SignedHostAsync();
        var now = DateTimeOffset.UtcNow;
        var body = Launch("old-1", now.AddDays(-7).AddMinutes(-1));
        var answer = await host.PostLaunchAsync(body, Signed(Sign(body, Secret, now)));
        Assert.Equal(400, answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
        var errors = JsonDocument.Parse(answer.Body).RootElement.GetProperty("errors");
        Assert.Contains("replay", errors.GetProperty("launchedAt")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await host.QueueLengthAsync());
    }

    [Fact]
    public async Task Launch_JustWithinTheDefaultMaxAge_IsQueued()
    {
        await using var host = await SignedHostAsync();
        var now = DateTimeOffset.UtcNow;
        var body = Launch("recent-1", now.AddDays(-7).AddMinutes(5));
        Assert.Equal(202, (await host.PostLaunchAsync(body, Signed(Sign(body, Secret, now)))).Status);
    }

    [Fact]
    public async Task Launch_OlderThanAConfiguredMaxAge_Gets400NamingLaunchedAt()
    {
        await using var host = await SignedHostAsync(s => s["Launch:MaxAge"] = "1.00:00:00");
        var now = DateTimeOffset.UtcNow;
        var body = Launch("old-2", now.AddDays(-2));
        var answer = await host.PostLaunchAsync(body, Signed(Sign(body, Secret, now)));
        Assert.Equal(400, answer.Status);
        Assert.True(JsonDocument.Parse(answer.Body).RootElement.GetProperty("errors").TryGetProperty("launchedAt", out var message), answer.Body);
        Assert.Contains("1 day old", message[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowUnsignedLaunches_InAzure_TheAppRefusesToStartNamingTheSetting()
    {
        var message = await StartupRefusal.MessageAsync(storage.Azurite, s =>
        {
            StartupRefusal.InAzure(s);
            s["Launch:Secrets:0"] = Secret; // even with a secret, the escape hatch must not be left on in Azure
            s["Launch:AllowUnsigned"] = "true"; // only the hatch is at fault
        });
        Assert.Contains("Launch__AllowUnsigned", message, StringComparison.Ordinal);
        Assert.Contains("WEBSITE_INSTANCE_ID", message, StringComparison.Ordinal);
    }
}
