using Go1Sync.Infrastructure.Go1;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Go1Sync.Testing;

/// <summary>
/// A fake Go1 (API and token endpoint) on a loopback port, and the client built the way the product
/// builds it: a ServiceCollection, <see cref="Go1ApiServiceCollectionExtensions.AddGo1Api"/>, settings
/// from configuration.
/// </summary>
public sealed class Go1Stub : IDisposable
{
    public const string ClientId = "client-7f3a";
    public const string ClientSecret = "s3cr3t-Never-Log-Me-91c2";
    public const string ApiVersion = "2025-01-01";
    public const string TokenPath = "/oauth/token";

    private readonly List<ServiceProvider> _providers = [];

    public Go1Stub() => Server = WireMockServer.Start();

    public WireMockServer Server { get; }

    public Dictionary<string, string?> Settings() => new()
    {
        ["Go1:BaseUrl"] = Server.Url,
        ["Go1:TokenUrl"] = Server.Url + TokenPath,
        ["Go1:ClientId"] = ClientId,
        ["Go1:ClientSecret"] = ClientSecret,
        ["Go1:ApiVersion"] = ApiVersion,
        // Short backoff so failing cases stay fast; a Retry-After header still wins.
        ["Go1:RetryDelay"] = "00:00:00.100",
    };

    public static IConfiguration Configuration(IDictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    /// <summary>The product's registration, with every log record (all levels) collected.</summary>
    public ServiceProvider Services(Action<Dictionary<string, string?>>? change = null, TimeProvider? time = null)
    {
        var settings = Settings();
        change?.Invoke(settings);
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace));
        services.AddFakeLogging(o => o.CollectRecordsForDisabledLogLevels = true);
        if (time is not null)
            services.AddSingleton(time);
        services.AddGo1Api(Configuration(settings));
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        _providers.Add(provider);
        return provider;
    }

    public void GivenToken(string token = "token-1", int expiresIn = 3600) =>
        Server.Given(Request.Create().WithPath(TokenPath).UsingPost())
            .RespondWith(Json($$"""{"access_token":"{{token}}","token_type":"Bearer","expires_in":{{expiresIn}}}"""));

    public static IResponseBuilder Json(string body, int status = 200) =>
        Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body);

    public IReadOnlyList<ILogEntry> Requests(string path) =>
        Server.LogEntries.Where(e => e.RequestMessage.Path == path).OrderBy(e => e.RequestMessage.DateTime).ToList();

    public int TokenRequests => Requests(TokenPath).Count;

    public void Dispose()
    {
        foreach (var provider in _providers)
            provider.Dispose();
        Server.Stop();
        Server.Dispose();
    }
}
