using System.Diagnostics;
using System.Net;
using Polly.Timeout;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Go1Sync.Infrastructure.Tests.Go1Api;

/// <summary>The standard resilience handler as AddGo1Api configures it, against real slow and failing answers.</summary>
public sealed class Go1ApiResilienceTests : IDisposable
{
    private const string Enrolment = """{"id":"11","status":"completed"}""";
    private readonly Go1Stub _go1 = new();

    public Go1ApiResilienceTests() => _go1.GivenToken();

    public void Dispose() => _go1.Dispose();

    [Fact]
    public async Task Call_TooManyRequestsWithRetryAfter1_IsRetriedAfterThatSecondAndSucceeds()
    {
        _go1.Server.Given(Request.Create().WithPath("/enrollments/11").UsingGet()).InScenario("rate").WillSetStateTo("limited once")
            .RespondWith(Go1Stub.Json("""{"message":"slow down"}""", 429).WithHeader("Retry-After", "1"));
        _go1.Server.Given(Request.Create().WithPath("/enrollments/11").UsingGet()).InScenario("rate").WhenStateIs("limited once")
            .RespondWith(Go1Stub.Json(Enrolment));
        var directory = _go1.Services().GetRequiredService<IGo1Directory>();

        var enrolment = await directory.GetEnrolmentAsync("11", CancellationToken.None);

        Assert.Equal("completed", enrolment?.Status);
        var requests = _go1.Requests("/enrollments/11");
        Assert.Equal(2, requests.Count);
        // Go1__RetryDelay is 0.1 s here: a wait of about a second can only come from Retry-After.
        var waited = requests[1].RequestMessage.DateTime - requests[0].RequestMessage.DateTime;
        Assert.True(waited >= TimeSpan.FromMilliseconds(950), $"the retry came after {waited.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Call_ServerErrorThenASuccess_SucceedsAfterOneRetry()
    {
        _go1.Server.Given(Request.Create().WithPath("/enrollments/11").UsingGet()).InScenario("flaky").WillSetStateTo("failed once")
            .RespondWith(Go1Stub.Json("""{"message":"oops"}""", 500));
        _go1.Server.Given(Request.Create().WithPath("/enrollments/11").UsingGet()).InScenario("flaky").WhenStateIs("failed once")
            .RespondWith(Go1Stub.Json(Enrolment));
        var directory = _go1.Services().GetRequiredService<IGo1Directory>();

        Assert.NotNull(await directory.GetEnrolmentAsync("11", CancellationToken.None));
        Assert.Equal(2, _go1.Requests("/enrollments/11").Count);
    }

    [Fact]
    public async Task Call_Persistent500_IsRetriedThreeTimesThenThrownNotSwallowed()
    {
        _go1.Server.Given(Request.Create().WithPath("/enrollments/11").UsingGet()).RespondWith(Go1Stub.Json("{}", 500));
        var directory = _go1.Services().GetRequiredService<IGo1Directory>();

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => directory.GetEnrolmentAsync("11", CancellationToken.None));

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal(4, _go1.Requests("/enrollments/11").Count);
    }

    [Fact]
    public async Task Call_AttemptSlowerThanGo1Timeout_IsAbandonedAndRetried()
    {
        var attempts = 0;
        _go1.Server.Given(Request.Create().WithPath("/enrollments/11").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(async _ =>
            {
                if (Interlocked.Increment(ref attempts) == 1)
                    await Task.Delay(TimeSpan.FromSeconds(4));
                return Enrolment;
            }));
        var directory = _go1.Services(s => s["Go1:Timeout"] = "00:00:01").GetRequiredService<IGo1Directory>();
        var clock = Stopwatch.StartNew();

        var enrolment = await directory.GetEnrolmentAsync("11", CancellationToken.None);

        Assert.Equal("completed", enrolment?.Status);
        Assert.Equal(2, Volatile.Read(ref attempts));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(3.5));
    }

    [Fact]
    public async Task Call_DependencyNeverAnsweringInTime_FailsWithATimeoutWithinFourTimesGo1Timeout()
    {
        var attempts = 0;
        _go1.Server.Given(Request.Create().WithPath("/enrollments/11").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(async _ =>
            {
                Interlocked.Increment(ref attempts);
                await Task.Delay(TimeSpan.FromSeconds(10));
                return Enrolment;
            }));
        var directory = _go1.Services(s => s["Go1:Timeout"] = "00:00:01").GetRequiredService<IGo1Directory>();
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAsync<TimeoutRejectedException>(() => directory.GetEnrolmentAsync("11", CancellationToken.None));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(6));
        Assert.InRange(Volatile.Read(ref attempts), 2, 4);
    }
}
