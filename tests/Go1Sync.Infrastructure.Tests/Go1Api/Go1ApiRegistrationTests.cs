using Go1Sync.Infrastructure.Go1;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Testing;
using WireMock.RequestBuilders;

namespace Go1Sync.Infrastructure.Tests.Go1Api;

public sealed class Go1ApiRegistrationTests : IDisposable
{
    private readonly Go1Stub _go1 = new();

    public void Dispose() => _go1.Dispose();

    /// <summary>The refusal of a host with the Go1 client configured against the stub, but <paramref name="key"/> set to <paramref name="value"/>.</summary>
    private Task<string> RefusalAsync(string key, string value)
    {
        var settings = _go1.Settings();
        settings[key] = value;
        return StartupRefusal.MessageAsync(async () =>
        {
            using var host = Go1Host(settings);
            await host.StartAsync();
        });
    }

    private static IHost Go1Host(Dictionary<string, string?> settings)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddGo1Api(builder.Configuration);
        return builder.Build();
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("/relative")]
    [InlineData("http://gateway.go1.com")]
    [InlineData("ftp://gateway.go1.com")]
    public async Task Start_ConfiguredClientWithAnInvalidBaseUrl_FailsNamingGo1BaseUrl(string baseUrl)
    {
        var message = await RefusalAsync("Go1:BaseUrl", baseUrl);

        Assert.Contains("Go1__BaseUrl", message, StringComparison.Ordinal);
        Assert.DoesNotContain(Go1Stub.ClientSecret, message, StringComparison.Ordinal);
    }

    [Fact]
    public void Go1Url_Http_IsAcceptedForALoopbackAddressOnly()
    {
        Assert.True(Go1Options.IsAllowedUrl("http://127.0.0.1:8080"));
        Assert.True(Go1Options.IsAllowedUrl("http://localhost:8080/"));
        Assert.True(Go1Options.IsAllowedUrl("https://gateway.go1.com"));
        Assert.False(Go1Options.IsAllowedUrl("http://gateway.go1.com"));
        Assert.False(Go1Options.IsAllowedUrl("https://user:pass@gateway.go1.com"));
    }

    /// <summary>The client secret goes wherever Go1__TokenUrl points, and the bearer token wherever Go1__BaseUrl does.</summary>
    [Theory]
    [InlineData("Go1:BaseUrl", "https://evil.example.com", "Go1__BaseUrl")]
    [InlineData("Go1:BaseUrl", "https://gateway.go1.com.evil.example", "Go1__BaseUrl")]
    [InlineData("Go1:BaseUrl", "https://notgo1.com", "Go1__BaseUrl")]
    [InlineData("Go1:TokenUrl", "https://auth.evil.example/oauth/token", "Go1__TokenUrl")]
    [InlineData("Go1:TokenUrl", "https://10.0.0.7/oauth/token", "Go1__TokenUrl")]
    public async Task Go1Url_OutsideGo1ComOrLoopback_FailsAtStartNamingTheSetting(string key, string url, string named)
    {
        var message = await RefusalAsync(key, url);

        Assert.Contains(named, message, StringComparison.Ordinal);
        Assert.Contains("go1.com", message, StringComparison.Ordinal);
        Assert.DoesNotContain(Go1Stub.ClientSecret, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://gateway.go1.com", true)]
    [InlineData("https://auth.go1.com/oauth/token", true)]
    [InlineData("https://go1.com/api", true)]
    [InlineData("https://API.GO1.COM:8443/v3", true)]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("https://localhost:8443/", true)]
    [InlineData("http://[::1]:9000", true)]
    [InlineData("https://evil.example.com", false)]
    [InlineData("https://go1.com.evil.example", false)]
    [InlineData("https://evilgo1.com", false)]
    [InlineData("http://gateway.go1.com", false)]
    [InlineData("https://192.168.1.10", false)]
    public void Go1Url_ForEachHost_IsAllowedOnlyOnGo1ComOverHttpsOrOnLoopback(string url, bool allowed)
    {
        Assert.Equal(allowed, Go1Options.IsAllowedUrl(url));
    }

    [Fact]
    public async Task Start_ValidConfiguration_Starts()
    {
        using var host = Go1Host(_go1.Settings());

        await host.StartAsync();
        Assert.NotNull(host.Services.GetService<IGo1Directory>());
        await host.StopAsync();
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("client", "")]
    [InlineData("", "secret")]
    public async Task AddGo1Api_WithoutClientCredentials_RegistersNoGo1DirectoryAndChecksNothingElse(string clientId, string clientSecret)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Go1:BaseUrl"] = "not checked when Go1 is not configured",
            ["Go1:ClientId"] = clientId,
            ["Go1:ClientSecret"] = clientSecret,
        };
        using var host = Go1Host(settings);

        await host.StartAsync();
        Assert.Null(host.Services.GetService<IGo1Directory>());
        Assert.Null(host.Services.GetService<IGo1Enrolments>());
        Assert.False(host.Services.GetRequiredService<IOptions<Go1Options>>().Value.IsConfigured);
        await host.StopAsync();
    }

    [Fact]
    public async Task AddGo1Api_CalledTwice_DoesNotStackASecondResiliencePipeline()
    {
        _go1.GivenToken();
        _go1.Server.Given(Request.Create().WithPath("/enrollments/11").UsingGet()).RespondWith(Go1Stub.Json("{}", 500));
        var configuration = Go1Stub.Configuration(_go1.Settings());
        var services = new ServiceCollection().AddLogging();
        services.AddGo1Api(configuration).AddGo1Api(configuration);
        await using var provider = services.BuildServiceProvider();

        await Assert.ThrowsAsync<HttpRequestException>(() => provider.GetRequiredService<IGo1Directory>().GetEnrolmentAsync("11", CancellationToken.None));

        Assert.Equal(4, _go1.Requests("/enrollments/11").Count);
    }

    [Fact]
    public void OptionsText_WithAClientSecret_NeverShowsIt()
    {
        var options = new Go1Options { ClientId = Go1Stub.ClientId, ClientSecret = Go1Stub.ClientSecret };

        Assert.DoesNotContain(Go1Stub.ClientSecret, options.ToString(), StringComparison.Ordinal);
        Assert.Contains(Go1Stub.ClientId, options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_AtEveryLevel_NeverContainTheClientSecretAnAccessTokenOrAnEmailInClear()
    {
        const string email = "ada.lovelace@example.com";
        const string otherEmail = "grace.hopper@example.org";
        _go1.Server.Given(Request.Create().WithPath(Go1Stub.TokenPath).UsingPost()).InScenario("tokens").WillSetStateTo("first issued")
            .RespondWith(Go1Stub.Json("""{"access_token":"eyJ-first-token-value","expires_in":3600}"""));
        _go1.Server.Given(Request.Create().WithPath(Go1Stub.TokenPath).UsingPost()).InScenario("tokens").WhenStateIs("first issued")
            .RespondWith(Go1Stub.Json("""{"access_token":"eyJ-second-token-value","expires_in":3600}"""));
        _go1.Server.Given(Request.Create().WithPath("/users").UsingGet().WithHeader("Authorization", "Bearer eyJ-first-token-value"))
            .RespondWith(Go1Stub.Json("{}", 401));
        _go1.Server.Given(Request.Create().WithPath("/users").UsingGet().WithParam("email", email).WithHeader("Authorization", "Bearer eyJ-second-token-value"))
            .RespondWith(Go1Stub.Json($$"""{"total":1,"hits":[{"id":77,"email":"{{email}}"}]}"""));
        _go1.Server.Given(Request.Create().WithPath("/users/77").UsingGet()).RespondWith(Go1Stub.Json($$"""{"id":77,"email":"{{email}}"}"""));
        _go1.Server.Given(Request.Create().WithPath("/enrollments/500").UsingGet()).RespondWith(Go1Stub.Json("{}", 500));
        var services = _go1.Services();
        var client = services.GetRequiredService<IGo1Enrolments>();
        var directory = services.GetRequiredService<IGo1Directory>();

        Assert.Equal("77", await client.FindUserIdByEmailAsync(email, CancellationToken.None));
        Assert.Equal(email, await directory.GetUserEmailAsync("77", CancellationToken.None));
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => directory.GetEnrolmentAsync("500", CancellationToken.None));
        _go1.Server.Given(Request.Create().WithPath("/users").UsingGet().WithParam("email", otherEmail)).RespondWith(Go1Stub.Json("{}", 503));
        var searchError = await Assert.ThrowsAsync<HttpRequestException>(() => client.FindUserIdByEmailAsync(otherEmail, CancellationToken.None));

        var records = services.GetFakeLogCollector().GetSnapshot();
        Assert.NotEmpty(records);
        Assert.Contains(records, r => r.Message.Contains("a***@example.com", StringComparison.Ordinal));
        Assert.Contains(records, r => r.Message.Contains("g***@example.org", StringComparison.Ordinal));
        var text = string.Join("\n", records.Select(r =>
            $"{r.Category} {r.Message} {r.Exception} {string.Join(",", r.StructuredState?.Select(kv => $"{kv.Key}={kv.Value}") ?? [])} {string.Join(",", r.Scopes)}"));
        text += "\n" + error + "\n" + searchError;
        foreach (var forbidden in new[] { Go1Stub.ClientSecret, "eyJ-first-token-value", "eyJ-second-token-value", email, Uri.EscapeDataString(email), otherEmail, Uri.EscapeDataString(otherEmail) })
            Assert.DoesNotContain(forbidden, text, StringComparison.OrdinalIgnoreCase);
    }
}
