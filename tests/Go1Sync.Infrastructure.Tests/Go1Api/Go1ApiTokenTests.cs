using System.Net;
using Microsoft.Extensions.Time.Testing;
using WireMock.RequestBuilders;

namespace Go1Sync.Infrastructure.Tests.Go1Api;

public sealed class Go1ApiTokenTests : IDisposable
{
    private const string Enrolment = """{"id":"11","user_account_id":"22","lo_id":"33","status":"completed","pass":true}""";
    private readonly Go1Stub _go1 = new();

    public void Dispose() => _go1.Dispose();

    [Fact]
    public async Task Token_ManyAndConcurrentCalls_IsFetchedOnceWithTheClientCredentialsFormAndReused()
    {
        _go1.GivenToken();
        _go1.Server.Given(Request.Create().WithPath("/enrollments/11").UsingGet()).RespondWith(Go1Stub.Json(Enrolment));
        var directory = _go1.Services().GetRequiredService<IGo1Directory>();

        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => directory.GetEnrolmentAsync("11", CancellationToken.None)));
        for (var i = 0; i < 5; i++)
            Assert.NotNull(await directory.GetEnrolmentAsync("11", CancellationToken.None));

        Assert.Equal(15, _go1.Requests("/enrollments/11").Count);
        var token = Assert.Single(_go1.Requests(Go1Stub.TokenPath)).RequestMessage;
        Assert.Equal("POST", token.Method);
        Assert.StartsWith("application/x-www-form-urlencoded", token.Headers!["Content-Type"].Single());
        var form = token.Body!.Split('&').Select(p => p.Split('=')).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
        Assert.Equal("client_credentials", form["grant_type"]);
        Assert.Equal(Go1Stub.ClientId, form["client_id"]);
        Assert.Equal(Go1Stub.ClientSecret, form["client_secret"]);
    }

    [Fact]
    public async Task ApiRequest_Any_CarriesTheBearerTokenAndTheApiVersionHeader()
    {
        _go1.GivenToken("token-abc");
        _go1.Server.Given(Request.Create().WithPath("/enrollments/11").UsingGet()
                .WithHeader("Authorization", "Bearer token-abc")
                .WithHeader("Api-Version", Go1Stub.ApiVersion))
            .RespondWith(Go1Stub.Json(Enrolment));
        _go1.Server.Given(Request.Create().WithPath("/users/22").UsingGet()
                .WithHeader("Authorization", "Bearer token-abc")
                .WithHeader("Api-Version", Go1Stub.ApiVersion))
            .RespondWith(Go1Stub.Json("""{"id":22,"email":"ada@example.com"}"""));
        var directory = _go1.Services().GetRequiredService<IGo1Directory>();

        Assert.NotNull(await directory.GetEnrolmentAsync("11", CancellationToken.None));
        Assert.Equal("ada@example.com", await directory.GetUserEmailAsync("22", CancellationToken.None));

        foreach (var entry in _go1.Server.LogEntries.Where(e => e.RequestMessage.Path != Go1Stub.TokenPath))
        {
            Assert.Equal("Bearer token-abc", entry.RequestMessage.Headers!["Authorization"].Single());
            Assert.Equal(Go1Stub.ApiVersion, entry.RequestMessage.Headers!["Api-Version"].Single());
        }
    }

    [Fact]
    public async Task Token_UntilAMinuteBeforeItExpires_IsKeptThenRefreshed()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero));
        _go1.GivenToken(expiresIn: 3600);
        _go1.Server.Given(Request.Create().WithPath("/enrollments/11").UsingGet()).RespondWith(Go1Stub.Json(Enrolment));
        var directory = _go1.Services(time: time).GetRequiredService<IGo1Directory>();

        await directory.GetEnrolmentAsync("11", CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(3600 - 60 - 1));
        await directory.GetEnrolmentAsync("11", CancellationToken.None);
        Assert.Equal(1, _go1.TokenRequests);

        time.Advance(TimeSpan.FromSeconds(2));
        await directory.GetEnrolmentAsync("11", CancellationToken.None);
        await directory.GetEnrolmentAsync("11", CancellationToken.None);
        Assert.Equal(2, _go1.TokenRequests);
    }

    [Fact]
    public async Task Token_RevokedAnswered401Once_IsRefreshedOnceAndTheCallRetriedWithTheNewToken()
    {
        _go1.Server.Given(Request.Create().WithPath(Go1Stub.TokenPath).UsingPost()).InScenario("tokens").WillSetStateTo("first issued")
            .RespondWith(Go1Stub.Json("""{"access_token":"token-old","expires_in":3600}"""));
        _go1.Server.Given(Request.Create().WithPath(Go1Stub.TokenPath).UsingPost()).InScenario("tokens").WhenStateIs("first issued")
            .RespondWith(Go1Stub.Json("""{"access_token":"token-new","expires_in":3600}"""));
        _go1.Server.Given(Request.Create().WithPath("/enrollments/11").UsingGet().WithHeader("Authorization", "Bearer token-old"))
            .RespondWith(Go1Stub.Json("""{"message":"token revoked"}""", 401));
        _go1.Server.Given(Request.Create().WithPath("/enrollments/11").UsingGet().WithHeader("Authorization", "Bearer token-new"))
            .RespondWith(Go1Stub.Json(Enrolment));
        var directory = _go1.Services().GetRequiredService<IGo1Directory>();

        var enrolment = await directory.GetEnrolmentAsync("11", CancellationToken.None);

        Assert.Equal("11", enrolment?.Id);
        Assert.Equal(2, _go1.TokenRequests);
        Assert.Equal(["Bearer token-old", "Bearer token-new"],
            _go1.Requests("/enrollments/11").Select(e => e.RequestMessage.Headers!["Authorization"].Single()));

        // The new token is kept: no further refresh.
        await directory.GetEnrolmentAsync("11", CancellationToken.None);
        Assert.Equal(2, _go1.TokenRequests);
    }

    [Fact]
    public async Task Token_Second401AfterTheRefresh_ThrowsInsteadOfLooping()
    {
        _go1.GivenToken();
        _go1.Server.Given(Request.Create().WithPath("/enrollments/11").UsingGet()).RespondWith(Go1Stub.Json("{}", 401));
        var directory = _go1.Services().GetRequiredService<IGo1Directory>();

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => directory.GetEnrolmentAsync("11", CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Equal(2, _go1.TokenRequests);
        Assert.Equal(2, _go1.Requests("/enrollments/11").Count);
    }

    [Fact]
    public async Task TokenRequest_Refused_ThrowsWithItsStatusAndNamesTheSettings()
    {
        _go1.Server.Given(Request.Create().WithPath(Go1Stub.TokenPath).UsingPost())
            .RespondWith(Go1Stub.Json("""{"error":"invalid_client"}""", 401));
        var directory = _go1.Services().GetRequiredService<IGo1Directory>();

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => directory.GetEnrolmentAsync("11", CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Contains("Go1__ClientSecret", error.Message, StringComparison.Ordinal);
        Assert.Empty(_go1.Requests("/enrollments/11"));
    }
}
