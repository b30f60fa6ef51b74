using System.Text.Json;
using Go1Sync.IntegrationTests.Fixtures;

namespace Go1Sync.IntegrationTests;

/// <summary>The operators' CLI against real storage, through its real command parser.</summary>
public sealed class CliTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await Go1Sync.Cli.Cli.RunAsync([.. args, "--storage", storage.Azurite.ConnectionString], stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task ReplayOfTheArticleExamples_PrintsTheAttemptsTheRulesSay()
    {
        var (exit, output, errors) = await RunAsync("replay", "--events", Path.Combine(RepoPaths.Root, "samples", "article-examples.jsonl"), "--now", "2025-01-15T00:00:00Z", "--json");

        Assert.True(exit == 0, errors);
        var attempts = JsonDocument.Parse(output).RootElement.EnumerateArray().ToDictionary(a => a.GetProperty("attemptId").GetString()!);
        Assert.Equal(16_200_000, attempts["ex1-attempt"].GetProperty("timeSpentMs").GetInt64());
        Assert.Equal("success", attempts["ex1-attempt"].GetProperty("result").GetString());
        Assert.Equal("2024-12-22T12:30:00.000Z", attempts["ex1-attempt"].GetProperty("completedAt").GetString());
        Assert.Equal(18_000_000, attempts["ex2-attempt"].GetProperty("timeSpentMs").GetInt64());
        Assert.Equal("failed", attempts["ex2-attempt"].GetProperty("result").GetString());
        Assert.Equal((100, 0L), (attempts["legacy-attempt-1"].GetProperty("progress").GetInt32(), attempts["legacy-attempt-1"].GetProperty("timeSpentMs").GetInt64()));
        var untouched = attempts["legacy-attempt-2"];
        Assert.Equal(("completed", 0, true), (untouched.GetProperty("status").GetString(), untouched.GetProperty("progress").GetInt32(), untouched.GetProperty("legacyClosed").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, untouched.GetProperty("result").ValueKind);
    }

    [Fact]
    public async Task ReplayTwice_ChangesNothing()
    {
        var file = Path.Combine(RepoPaths.Root, "samples", "article-examples.jsonl");
        var first = await RunAsync("replay", "--events", file, "--now", "2025-01-15T00:00:00Z", "--json");
        var second = await RunAsync("replay", "--events", file, "--now", "2025-01-15T00:00:00Z", "--json");
        Assert.Equal(first.Out, second.Out);
    }

    [Fact]
    public async Task ReplayStopsAtABadLine_NamingItsNumberAndProblem_AndKeepsTheLinesBefore()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllLinesAsync(file,
        [
            """{"type":"launch","attemptId":"cli-a1","email":"cli@example.com","courseId":"cli-course","platform":"web","launchedAt":"2025-02-01T08:00:00Z"}""",
            "",
            """{"type":"launch","attemptId":"cli-a2","email":"cli@example.com","courseId":"cli-course","platform":"tablet","launchedAt":"2025-02-01T09:00:00Z"}""",
            """{"type":"launch","attemptId":"cli-a3","email":"cli@example.com","courseId":"cli-course","platform":"web","launchedAt":"2025-02-01T10:00:00Z"}""",
        ]);

        var (exit, _, errors) = await RunAsync("replay", "--events", file);
        Assert.NotEqual(0, exit);
        Assert.Contains("line 3", errors);
        Assert.Contains("platform", errors);

        var (statsExit, stats, _) = await RunAsync("stats", "--course", "cli-course", "--json");
        Assert.Equal(0, statsExit);
        var ids = JsonDocument.Parse(stats).RootElement.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("attemptId").GetString());
        Assert.Equal(["cli-a1"], ids);
    }

    [Fact]
    public async Task Stats_PrintsTheCourseSummary()
    {
        await RunAsync("replay", "--events", Path.Combine(RepoPaths.Root, "samples", "article-examples.jsonl"), "--now", "2025-01-15T00:00:00Z");
        var (exit, output, _) = await RunAsync("stats", "--course", "go1-course-5h", "--now", "2025-01-15T00:00:00Z", "--json");
        Assert.Equal(0, exit);
        var summary = JsonDocument.Parse(output).RootElement.GetProperty("summary");
        Assert.Equal(4, summary.GetProperty("attempts").GetInt32());
        Assert.Equal(3, summary.GetProperty("learners").GetInt32());
        Assert.Equal(2, summary.GetProperty("success").GetInt32());
        Assert.Equal(1, summary.GetProperty("failed").GetInt32());
        Assert.Equal(1, summary.GetProperty("legacyClosed").GetInt32());
        Assert.Equal(0.75, summary.GetProperty("completionRate").GetDouble());
        Assert.Equal(16_200_000, summary.GetProperty("medianTimeSpentMs").GetDouble());
    }

    [Fact]
    public async Task MissingEventsFile_IsAClearError()
    {
        var (exit, _, errors) = await RunAsync("replay", "--events", "/nonexistent/events.jsonl");
        Assert.NotEqual(0, exit);
        Assert.Contains("does not exist", errors);
    }

    [Fact]
    public async Task Drain_Json_ProcessesTheQueueAndReportsEachOutcome()
    {
        var (exit, output, errors) = await RunAsync("drain", "--json");

        Assert.True(exit == 0, errors);
        var result = JsonDocument.Parse(output).RootElement;
        Assert.Equal(0, result.GetProperty("poisoned").GetInt32());
        Assert.True(result.TryGetProperty("applied", out _), output);
    }

    [Fact]
    public async Task Reconcile_WithoutOnce_IsAUsageError()
    {
        var (exit, _, errors) = await RunAsync("reconcile");

        Assert.NotEqual(0, exit);
        Assert.Contains("--once", errors);
    }

    [Fact]
    public async Task Reconcile_WithoutAGo1Api_SaysWhichSettingsAreMissing()
    {
        var (exit, _, errors) = await RunAsync("reconcile", "--once");

        Assert.Equal(1, exit);
        Assert.Contains("Go1__ClientId", errors);
        Assert.DoesNotContain("   at ", errors);
    }

    [Fact]
    public async Task Backfill_WithoutAGo1Api_SaysWhichSettingsAreMissing()
    {
        var (exit, _, errors) = await RunAsync("backfill", "--since", "2025-01-01T00:00:00Z");

        Assert.Equal(1, exit);
        Assert.Contains("Go1__ClientSecret", errors);
    }
}
