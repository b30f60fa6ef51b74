using Go1Sync.Infrastructure.Configuration;
using Microsoft.Extensions.Configuration;

namespace Go1Sync.Functions.Tests;

/// <summary>
/// One strict reader of instants for every input, and one message (<see cref="Instants.Invalid"/>)
/// naming the input: a date without an offset is refused the same way by HTTP bodies and query
/// parameters (400 problem+json naming the field or parameter), CLI options (exit 1 naming the
/// option), settings (the app does not start) and queued messages (parked naming the field).
/// </summary>
public sealed class InstantInputTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private const string NoOffset = "2025-01-15T00:00:00";

    private static void AssertProblemNaming(HttpAnswer answer, string input)
    {
        Assert.Equal(400, answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
        var errors = JsonDocument.Parse(answer.Body).RootElement.GetProperty("errors");
        Assert.Equal([input], errors.EnumerateObject().Select(e => e.Name));
        Assert.Equal(Instants.Invalid(input), Assert.Single(errors.GetProperty(input).EnumerateArray()).GetString());
    }

    // --- HTTP ---

    [Theory]
    [InlineData("from")]
    [InlineData("to")]
    public async Task CourseAttemptsQuery_DateWithoutOffset_Is400NamingTheParameter(string parameter)
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var answer = await Go1SyncTestHost.GetAsync(r => host.Function<StatisticsFunctions>().CourseAttempts(r, "any-course", CancellationToken.None), $"?{parameter}={NoOffset}");
        AssertProblemNaming(answer, parameter);
    }

    [Fact]
    public async Task DeliveriesQuery_SinceWithoutOffset_Is400NamingSince()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var answer = await Go1SyncTestHost.GetAsync(r => host.Function<OperationsFunctions>().ListDeliveries(r, CancellationToken.None), $"?since={NoOffset}");
        AssertProblemNaming(answer, "since");
    }

    [Fact]
    public async Task DeliveriesLookupBody_SinceWithoutOffset_Is400NamingSince()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var answer = await Go1SyncTestHost.InvokeAsync(r => host.Function<OperationsFunctions>().LookupDeliveries(r, CancellationToken.None),
            $$"""{"email":"ada@example.com","since":"{{NoOffset}}"}""");
        AssertProblemNaming(answer, "since");
    }

    [Fact]
    public async Task Launch_LaunchedAtWithoutOffset_Is400NamingLaunchedAtAndNothingIsQueued()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var answer = await host.PostLaunchAsync($$"""{"attemptId":"io-a1","email":"ada@example.com","courseId":"io-c1","platform":"web","launchedAt":"{{NoOffset}}"}""");
        AssertProblemNaming(answer, "launchedAt");
        Assert.Equal(0, await host.QueueLengthAsync());
    }

    // --- CLI ---

    [Theory]
    [InlineData("deliveries", "--since")]
    [InlineData("stats", "--now")]
    [InlineData("replay", "--now")]
    [InlineData("backfill", "--since")]
    [InlineData("backfill", "--until")]
    public async Task CliOption_DateWithoutOffset_IsExit1NamingThatOption(string command, string option)
    {
        string[] rest = (command, option) switch
        {
            ("stats", _) => ["--course", "go1-course-5h"],
            ("replay", _) => ["--events", Path.Combine(RepoPaths.Root, "samples", "article-examples.jsonl")],
            ("backfill", "--until") => ["--since", "2025-01-01T00:00:00Z"],
            _ => [],
        };
        foreach (var bad in new[] { NoOffset, "2025-01-15", "12/01/2025", "bad" })
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var exit = await Go1Sync.Cli.Cli.RunAsync([command, .. rest, option, bad, "--storage", storage.Azurite.ConnectionString], stdout, stderr);
            var errors = stderr.ToString();
            Assert.True(exit == 1, $"{command} {option} {bad}: exit {exit}, stderr: {errors}");
            Assert.Contains(Instants.Invalid(option), errors, StringComparison.Ordinal);
            foreach (var other in new[] { "--since", "--until", "--now" }.Where(o => o != option))
                Assert.DoesNotContain(other, errors, StringComparison.Ordinal);
        }
    }

    // --- Settings ---

    [Theory]
    [InlineData("Connector")]
    [InlineData("WebLaunch")]
    [InlineData("MobileLaunch")]
    public void CutoverSetting_DateWithoutOffset_StopsTheAppNamingTheSetting(string key)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            [$"Cutovers:{key}"] = "2024-12-19",
        }).Build();
        using var services = new ServiceCollection().AddGo1Sync(configuration).BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<CutoverOptions>>().Value);
        Assert.Equal([$"The setting {Instants.Invalid($"Cutovers__{key}")}"], error.Failures);
    }

    // --- Queued messages ---

    [Fact]
    public async Task QueuedEnvelope_ReceivedAtWithoutOffset_IsParkedNamingReceivedAtNeverApplied()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var launch = EventEnvelope.ForLaunch(new LaunchMessage("io-q1", "queued@example.com", "io-queued", Platform.Web, DateTimeOffset.UtcNow.AddHours(-1)), "io-forged", DateTimeOffset.UtcNow);
        var forged = JsonSerializer.SerializeToNode(launch, QueueJson.Options)!.AsObject();
        forged["receivedAt"] = NoOffset;
        await host.Queue.SendMessageAsync(forged.ToJsonString());

        var report = await host.DrainAsync();

        Assert.Equal((1, 0, 0), (report.SucceededCount, report.FailedCount, report.PoisonedCount));
        var parked = Assert.Single(await host.Get<IParkedStore>().ListAsync(ParkCategories.Invalid, CancellationToken.None), p => p.Body.Contains("io-forged", StringComparison.Ordinal));
        Assert.Contains(Instants.Invalid("receivedAt"), parked.Reason, StringComparison.Ordinal);
        Assert.Empty(await host.StatsRowsAsync("io-queued"));
    }
}
