using Go1Sync.Infrastructure.Security;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Go1Sync.Functions.Tests.Security;

/// <summary>
/// Readers and operators present Microsoft Entra ID tokens, which the app validates against the
/// issuer's metadata and keys (here a local issuer over real HTTP with a key the test made) and
/// whose app roles it checks: Statistics.Read for the read API, Operations.Admin for /api/ops and
/// the course writes.
/// </summary>
public sealed class CallerAuthorizationTests(CallerAuthorizationTests.SecuredApp app) : IClassFixture<CallerAuthorizationTests.SecuredApp>
{
    public sealed class SecuredApp : IAsyncLifetime
    {
        private readonly AzuriteFixture _storage = new();
        public LocalIssuer Issuer { get; } = new();
        public CapturingLoggerProvider Logs { get; } = new();
        public Go1SyncTestHost Host { get; private set; } = null!;
        public Azurite Azurite => _storage.Azurite;

        public async Task InitializeAsync()
        {
            await _storage.InitializeAsync();
            Host = await Go1SyncTestHost.StartAsync(_storage.Azurite, s =>
            {
                foreach (var (key, value) in Issuer.Settings()) s[key] = value;
            }, services => services.AddLogging(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace)));
        }

        public async Task DisposeAsync()
        {
            await Host.DisposeAsync();
            await _storage.DisposeAsync();
            Issuer.Dispose();
        }
    }

    private const string Course = "auth-course";
    private static readonly string[] ReadRole = [AppRoles.StatisticsRead];
    private static readonly string[] AdminRole = [AppRoles.OperationsAdmin];

    private LocalIssuer Issuer => app.Issuer;

    /// <summary>The learner the look-ups (POST, email in the body) ask about; never in a log.</summary>
    private const string LookupEmail = "Looked.Up@Example.com";

    /// <summary>Every endpoint an Entra token admits, with the role it needs and how to call it.</summary>
    public static TheoryData<string> Endpoints() =>
    [
        "CourseAttempts", "CourseSummary", "AttemptChanges", "LearnerAttempts", "LookupLearnerAttempts",
        "ListDeliveries", "LookupDeliveries", "ListPoison", "ReplayPoison", "ListParked", "ReplayParked",
        "ForgetLearner", "CreateCourse", "PutCourse",
    ];

    private static string RoleOf(string endpoint) => endpoint is "CourseAttempts" or "CourseSummary" or "AttemptChanges" or "LearnerAttempts" or "LookupLearnerAttempts" ? AppRoles.StatisticsRead : AppRoles.OperationsAdmin;

    private Task<HttpAnswer> CallAsync(string endpoint, IDictionary<string, string>? headers)
    {
        var host = app.Host;
        var none = CancellationToken.None;
        var hash = new string('a', 64);
        return endpoint switch
        {
            "CourseAttempts" => Go1SyncTestHost.GetAsync(r => host.Function<StatisticsFunctions>().CourseAttempts(r, Course, none), "", headers),
            "CourseSummary" => Go1SyncTestHost.GetAsync(r => host.Function<StatisticsFunctions>().CourseSummary(r, Course, none), "", headers),
            "AttemptChanges" => Go1SyncTestHost.GetAsync(r => host.Function<StatisticsFunctions>().AttemptChanges(r, none), "?cursor=latest", headers),
            "LearnerAttempts" => Go1SyncTestHost.GetAsync(r => host.Function<StatisticsFunctions>().LearnerAttempts(r, hash, none), "", headers),
            "LookupLearnerAttempts" => Go1SyncTestHost.InvokeAsync(r => host.Function<StatisticsFunctions>().LookupLearnerAttempts(r, none), $$"""{"email":"{{LookupEmail}}"}""", headers: headers),
            "ListDeliveries" => Go1SyncTestHost.GetAsync(r => host.Function<OperationsFunctions>().ListDeliveries(r, none), "", headers),
            "LookupDeliveries" => Go1SyncTestHost.InvokeAsync(r => host.Function<OperationsFunctions>().LookupDeliveries(r, none), $$"""{"email":"{{LookupEmail}}"}""", headers: headers),
            "ListPoison" => Go1SyncTestHost.GetAsync(r => host.Function<OperationsFunctions>().ListPoison(r, none), "", headers),
            "ReplayPoison" => Go1SyncTestHost.InvokeAsync(r => host.Function<OperationsFunctions>().ReplayPoison(r, none), "", headers: headers),
            "ListParked" => Go1SyncTestHost.GetAsync(r => host.Function<OperationsFunctions>().ListParked(r, none), "", headers),
            "ReplayParked" => Go1SyncTestHost.InvokeAsync(r => host.Function<OperationsFunctions>().ReplayParked(r, none), "", headers: headers),
            "ForgetLearner" => Go1SyncTestHost.InvokeAsync(r => host.Function<OperationsFunctions>().ForgetLearner(r, none), $$"""{"email":"{{LookupEmail}}"}""", headers: headers),
            "CreateCourse" => host.PostCourseAsync($$"""{"courseId":"{{Course}}","durationMinutes":90}""", headers),
            "PutCourse" => host.PutCourseAsync(Course, """{"durationMinutes":90}""", headers),
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
        };
    }

    private Task<HttpAnswer> SummaryAsync(Go1SyncTestHost host, IDictionary<string, string>? headers = null) =>
        Go1SyncTestHost.GetAsync(r => host.Function<StatisticsFunctions>().CourseSummary(r, Course, CancellationToken.None), "", headers);

    private static void AssertProblem(HttpAnswer answer, int status)
    {
        Assert.Equal(status, answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
        Assert.Equal(status, JsonDocument.Parse(answer.Body).RootElement.GetProperty("status").GetInt32());
    }

    private static void AssertUnauthorized(HttpAnswer answer, string? error)
    {
        AssertProblem(answer, 401);
        var challenge = answer.Headers["WWW-Authenticate"].ToString();
        Assert.StartsWith("Bearer", challenge, StringComparison.Ordinal);
        if (error is null) Assert.Equal("Bearer", challenge);
        else Assert.Contains($"error=\"{error}\"", challenge, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Endpoint_TokenWithItsRole_Gets2xx(string endpoint)
    {
        var answer = await CallAsync(endpoint, LocalIssuer.Bearer(Issuer.Token([RoleOf(endpoint)])));
        Assert.True(answer.Status == 200, $"{endpoint}: {answer.Status} {answer.Body}");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Endpoint_NoToken_Gets401WithABearerChallenge(string endpoint) =>
        AssertUnauthorized(await CallAsync(endpoint, null), error: null);

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Endpoint_ValidTokenWithoutItsRole_Gets403(string endpoint)
    {
        var otherRole = RoleOf(endpoint) == AppRoles.StatisticsRead ? AppRoles.OperationsAdmin : AppRoles.StatisticsRead;
        var answer = await CallAsync(endpoint, LocalIssuer.Bearer(Issuer.Token([otherRole])));
        AssertProblem(answer, 403);
        Assert.Contains(RoleOf(endpoint), answer.Body, StringComparison.Ordinal);
        Assert.Contains("insufficient_scope", answer.Headers["WWW-Authenticate"].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadApi_TokenWithStatisticsRead_Gets200WithTheSummary()
    {
        var answer = await SummaryAsync(app.Host, LocalIssuer.Bearer(Issuer.Token(ReadRole)));
        Assert.Equal(200, answer.Status);
        Assert.True(JsonDocument.Parse(answer.Body).RootElement.TryGetProperty("attempts", out _), answer.Body);
    }

    [Fact]
    public async Task ReadApi_TokenForAnotherAudience_Gets401() =>
        AssertUnauthorized(await SummaryAsync(app.Host, LocalIssuer.Bearer(Issuer.Token(ReadRole, audience: "api://someone-elses-api"))), "invalid_token");

    [Fact]
    public async Task ReadApi_ExpiredToken_Gets401()
    {
        var answer = await SummaryAsync(app.Host, LocalIssuer.Bearer(Issuer.Token(ReadRole, expires: DateTimeOffset.UtcNow.AddMinutes(-10))));
        AssertUnauthorized(answer, "invalid_token");
        Assert.Contains("expired", answer.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadApi_TokenFromAnotherIssuer_Gets401()
    {
        // Signed with the right key even: only the issuer is wrong.
        var answer = await SummaryAsync(app.Host, LocalIssuer.Bearer(Issuer.Token(ReadRole, issuer: "https://login.microsoftonline.com/another-tenant/v2.0")));
        AssertUnauthorized(answer, "invalid_token");
        Assert.Contains("another issuer", answer.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadApi_TokenSignedWithAKeyTheIssuerDoesNotPublish_Gets401()
    {
        var forged = LocalIssuer.NewKey("issuer-key-1"); // the published key's id, another key
        var answer = await SummaryAsync(app.Host, LocalIssuer.Bearer(Issuer.Token(ReadRole, signedWith: forged)));
        AssertUnauthorized(answer, "invalid_token");
        var unknownKid = await SummaryAsync(app.Host, LocalIssuer.Bearer(Issuer.Token(ReadRole, signedWith: LocalIssuer.NewKey("unknown-key"))));
        AssertUnauthorized(unknownKid, "invalid_token");
    }

    [Theory]
    [InlineData("Bearer not-a-jwt")]
    [InlineData("Bearer ")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task ReadApi_MalformedOrOtherSchemeAuthorization_Gets401(string header)
    {
        var answer = await SummaryAsync(app.Host, new Dictionary<string, string> { ["Authorization"] = header });
        AssertProblem(answer, 401);
        Assert.StartsWith("Bearer", answer.Headers["WWW-Authenticate"].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpsApi_TokenWithOnlyTheReadRole_Gets403AndReplaysNothing()
    {
        var answer = await CallAsync("ReplayPoison", LocalIssuer.Bearer(Issuer.Token(ReadRole)));
        AssertProblem(answer, 403);
        Assert.DoesNotContain("replayed", answer.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CourseWrite_TokenWithOnlyTheReadRole_Gets403AndWritesNothing()
    {
        const string course = "auth-course-untouched";
        var answer = await app.Host.PostCourseAsync($$"""{"courseId":"{{course}}","durationMinutes":90}""", LocalIssuer.Bearer(Issuer.Token(ReadRole)));
        AssertProblem(answer, 403);
        Assert.Null(await app.Host.Get<Go1Sync.Core.Processing.ICourseCatalogue>().GetAsync(course, CancellationToken.None));
    }

    [Fact]
    public async Task Audience_SetAsTheDefaultApplicationIdUri_AcceptsTheClientIdThatV2TokensCarryAndTheUriItself()
    {
        Assert.Equal(200, (await SummaryAsync(app.Host, LocalIssuer.Bearer(Issuer.Token(ReadRole, audience: LocalIssuer.ClientId)))).Status);
        Assert.Equal(200, (await SummaryAsync(app.Host, LocalIssuer.Bearer(Issuer.Token(ReadRole, audience: LocalIssuer.Audience)))).Status);
    }

    [Fact]
    public async Task IssuerMetadataUnreachable_Gets503WithRetryAfter_NotA401()
    {
        app.Issuer.Server.Given(Request.Create().WithPath("/down-tenant/v2.0/.well-known/openid-configuration").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(500));
        await using var host = await Go1SyncTestHost.StartAsync(app.Azurite, s =>
        {
            s["Auth:Authority"] = $"{app.Issuer.Server.Url}/down-tenant/v2.0";
            s["Auth:Audience"] = LocalIssuer.Audience;
        });
        var answer = await SummaryAsync(host, LocalIssuer.Bearer(Issuer.Token(ReadRole)));
        AssertProblem(answer, 503);
        Assert.False(string.IsNullOrEmpty(answer.Headers["Retry-After"].ToString()));
    }

    [Fact]
    public async Task Logs_OfAdmittedAndRefusedCallers_NeverContainTheTokenOrAnEmail()
    {
        var token = Issuer.Token(ReadRole);
        var refused = Issuer.Token(ReadRole, audience: "api://someone-elses-api");
        await SummaryAsync(app.Host, LocalIssuer.Bearer(token));
        await SummaryAsync(app.Host, LocalIssuer.Bearer(refused));
        await CallAsync("ListPoison", LocalIssuer.Bearer(token));
        await CallAsync("LearnerAttempts", LocalIssuer.Bearer(token));
        await CallAsync("LookupLearnerAttempts", LocalIssuer.Bearer(token));
        await CallAsync("LookupDeliveries", LocalIssuer.Bearer(token));
        await CallAsync("LookupDeliveries", LocalIssuer.Bearer(Issuer.Token(AdminRole)));

        var lines = app.Logs.Lines.ToList();
        Assert.Contains(lines, l => l.Contains("Admitted caller 3f2a9c4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("lacks the app role Operations.Admin", StringComparison.Ordinal));
        foreach (var line in lines)
        {
            foreach (var secret in new[] { token, refused, token.Split('.')[2], refused.Split('.')[2] })
                Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
            Assert.DoesNotContain("reader.person@example.com", line, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(LookupEmail, line, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task AllowUnauthenticated_InAzure_TheAppRefusesToStartNamingTheSetting()
    {
        var message = await StartupRefusal.MessageAsync(app.Azurite, s =>
        {
            StartupRefusal.InAzure(s, "WEBSITE_SITE_NAME"); // only the hatch is at fault: no authority, tokens not asked
            s.Remove("Auth:Authority");
            s.Remove("Auth:Audience");
            s["Auth:AllowUnauthenticated"] = "true";
        });
        Assert.Contains("Auth__AllowUnauthenticated", message, StringComparison.Ordinal);
        Assert.Contains("WEBSITE_SITE_NAME", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowUnauthenticated_InAzureWithTokensConfigured_IsStillRefused()
    {
        var message = await StartupRefusal.MessageAsync(app.Azurite, s =>
        {
            StartupRefusal.InAzure(s);
            foreach (var (key, value) in Issuer.Settings()) s[key] = value;
            s["Auth:AllowUnauthenticated"] = "true"; // only the hatch is at fault
        });
        Assert.Contains("Auth__AllowUnauthenticated", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Auth:Authority", "http://login.example.com/tenant/v2.0", "Auth__Authority")]
    [InlineData("Auth:Authority", "not a url", "Auth__Authority")]
    [InlineData("Auth:Authority", "https://login.microsoftonline.com/common/v2.0", "Auth__Authority")]
    [InlineData("Auth:Audience", "", "Auth__Audience")]
    public async Task Startup_InvalidAuthSetting_FailsWithAMessageNamingIt(string key, string value, string named)
    {
        var message = await StartupRefusal.MessageAsync(app.Azurite, s =>
        {
            foreach (var (k, v) in Issuer.Settings()) s[k] = v;
            s[key] = value;
        });
        Assert.Contains(named, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowUnauthenticated_Locally_AdmitsCallersWithoutAToken()
    {
        // The test host's default, as local.settings.sample.json: no authority, no token asked.
        await using var host = await Go1SyncTestHost.StartAsync(app.Azurite);
        Assert.Equal(200, (await SummaryAsync(host)).Status);
    }
}
