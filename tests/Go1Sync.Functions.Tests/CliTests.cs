using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace Go1Sync.Functions.Tests;

/// <summary>The operators' CLI against real storage, through its real command parser.</summary>
public sealed class CliTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private static readonly string Samples = Path.Combine(RepoPaths.Root, "samples", "article-examples.jsonl");

    private Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) =>
        RunWithoutStorageAsync([.. args, "--storage", storage.Azurite.ConnectionString]);

    private static async Task<(int Exit, string Out, string Err)> RunWithoutStorageAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await Go1Sync.Cli.Cli.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The built CLI as its own process, for what only a process has: its environment (app settings) and real stderr.</summary>
    internal static async Task<(int Exit, string Out, string Err)> RunProcessAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // The CLI's own build output: next to the tests it would borrow the test host's ASP.NET Core framework.
        var framework = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Name;
        info.ArgumentList.Add(Path.Combine(RepoPaths.Root, "src", "Go1Sync.Cli", "bin", RepoPaths.Configuration, framework, "go1sync.dll"));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (name, value) in environment) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await errors);
    }

    private static async Task<string> WriteLinesAsync(params string[] lines)
    {
        var file = Path.GetTempFileName();
        await File.WriteAllLinesAsync(file, lines);
        return file;
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>A command that failed with <paramref name="exit"/>, printing nothing and one line on stderr: that line.</summary>
    private static string OnlyErrorLine((int Exit, string Out, string Err) result, int exit)
    {
        Assert.Equal(exit, result.Exit);
        Assert.Equal("", result.Out);
        return Assert.Single(Lines(result.Err));
    }

    [Fact]
    public async Task Replay_TheArticleExamples_PrintsTheAttemptsTheRulesSay()
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
    public async Task Replay_Twice_ChangesNothing()
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
    public async Task Stats_AfterAReplay_PrintsTheCourseSummary()
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
    public async Task Drain_Json_ProcessesTheQueueAndReportsEachOutcome()
    {
        var (exit, output, errors) = await RunAsync("drain", "--json");

        Assert.True(exit == 0, errors);
        var result = JsonDocument.Parse(output).RootElement;
        Assert.Equal(0, result.GetProperty("poisoned").GetInt32());
        Assert.True(result.TryGetProperty("applied", out _), output);
    }

    /// <summary>
    /// A command misused, or run without what it needs: it fails (with exit 1 where given) and
    /// stderr names the problem (every |-separated part), without a stack trace.
    /// </summary>
    [Theory]
    [InlineData("replay --events /nonexistent/events.jsonl", null, "does not exist")]
    [InlineData("reconcile", null, "--once")]
    [InlineData("reconcile --once", 1, "Go1__ClientId")] // no Go1 API configured
    [InlineData("backfill --since 2025-01-01T00:00:00Z", 1, "Go1__ClientSecret")] // no Go1 API configured
    [InlineData("forget --email not-an-address", 1, "--email")]
    [InlineData("parked list --category nope", 1, "'nope'|unmatched|invalid")]
    [InlineData("sweep", 1, "Option '--once' is required")]
    public async Task Command_MisusedOrUnconfigured_FailsNamingTheProblem(string commandLine, int? expectedExit, string named)
    {
        var (exit, _, errors) = await RunAsync(commandLine.Split(' '));

        if (expectedExit is { } code) Assert.Equal(code, exit);
        else Assert.NotEqual(0, exit);
        foreach (var part in named.Split('|')) Assert.Contains(part, errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal);
    }

    // --- Replayed events in the delivery log ---

    [Fact]
    public async Task Replay_LaunchAndCompletion_RecordedInDeliveriesAsReplayReceivedNow()
    {
        var file = await WriteLinesAsync(
            """{"type":"launch","attemptId":"dl-a1","email":"dl@example.com","courseId":"dl-course","platform":"web","launchedAt":"2025-03-01T08:00:00Z"}""",
            """{"type":"completion","enrolmentId":"dl-enrolment","email":"dl@example.com","courseId":"dl-course","completedAt":"2025-03-01T09:00:00Z","passed":true}""");
        var before = TimeProvider.System.GetUtcNow();
        var replay = await RunAsync("replay", "--events", file);
        var after = TimeProvider.System.GetUtcNow();
        Assert.True(replay.Exit == 0, replay.Err);

        var (exit, output, errors) = await RunAsync("deliveries", "--since", before.AddMinutes(-1).ToString("O"), "--email", "dl@example.com", "--json");
        Assert.True(exit == 0, errors);
        var records = JsonDocument.Parse(output).RootElement.EnumerateArray().ToList();
        Assert.Equal(["launch", "completion"], records.Select(r => r.GetProperty("kind").GetString()));
        foreach (var record in records)
        {
            Assert.Equal(DeliverySources.Replay, record.GetProperty("source").GetString());
            Assert.InRange(record.GetProperty("receivedAt").GetDateTimeOffset(), before, after);
            Assert.Equal(DeliveryOutcomes.Applied, record.GetProperty("outcome").GetString());
        }
        Assert.Equal("dl-enrolment", records[1].GetProperty("enrolmentId").GetString());
        Assert.Equal($"{Path.GetFileName(file)} line 2", records[1].GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Deliveries_ReplayedEvent_TableShowsTheSourceAndNoHttpAnswer()
    {
        var file = await WriteLinesAsync(
            """{"type":"launch","attemptId":"dt-a1","email":"dt@example.com","courseId":"dt-course","platform":"web","launchedAt":"2025-03-01T08:00:00Z"}""");
        var since = TimeProvider.System.GetUtcNow().AddMinutes(-1).ToString("O");
        Assert.Equal(0, (await RunAsync("replay", "--events", file)).Exit);

        var (exit, output, _) = await RunAsync("deliveries", "--since", since, "--email", "dt@example.com");
        Assert.Equal(0, exit);
        var line = Assert.Single(Lines(output), l => l.Contains("dt-a1", StringComparison.Ordinal));
        Assert.Contains("  replay  ", line);
        Assert.Contains($"from {Path.GetFileName(file)} line 1", line);
        Assert.DoesNotContain("answered", line);
        Assert.DoesNotContain("signature", line);
        Assert.DoesNotContain("0001-01-01", line);
    }

    [Fact]
    public async Task Forget_Json_ErasesTheReplayedLearnerAndPrintsCountsPerPlaceThenAReplayOfThemIsDropped()
    {
        var file = await WriteLinesAsync(
            """{"type":"launch","attemptId":"fg-a1","email":"Forget.Me@example.com","courseId":"fg-course","platform":"web","launchedAt":"2025-03-01T08:00:00Z"}""");
        Assert.Equal(0, (await RunAsync("replay", "--events", file)).Exit);

        var (exit, output, errors) = await RunAsync("forget", "--email", "forget.me@example.com", "--json");

        Assert.True(exit == 0, errors);
        var report = JsonDocument.Parse(output).RootElement;
        Assert.Equal((1, 1, 1, 1), (report.GetProperty("attempts").GetInt32(), report.GetProperty("attemptStats").GetInt32(),
            report.GetProperty("openAttempts").GetInt32(), report.GetProperty("deliveries").GetInt32()));
        Assert.DoesNotContain("forget.me@", output + errors, StringComparison.OrdinalIgnoreCase);
        // The same line again: dropped by the tombstone, so the learner has no attempt.
        var (_, again, _) = await RunAsync("replay", "--events", file);
        Assert.DoesNotContain("fg-a1", again, StringComparison.Ordinal);
    }

    // --- Instants ---

    [Theory]
    [InlineData("deliveries", "--since")]
    [InlineData("stats", "--now")]
    [InlineData("replay", "--now")]
    public async Task InstantOption_UsDateOrNoOffset_RefusedNamingThatOption(string command, string option)
    {
        string[] rest = command switch
        {
            "deliveries" => [],
            "stats" => ["--course", "go1-course-5h"],
            _ => ["--events", Samples],
        };
        foreach (var bad in new[] { "12/01/2025", "2025-01-15T00:00:00", "bad" })
        {
            var (exit, _, errors) = await RunAsync([command, .. rest, option, bad]);
            Assert.Equal(1, exit);
            Assert.Contains(Go1Sync.Core.Attempts.Instants.Invalid(option), errors, StringComparison.Ordinal);
            Assert.DoesNotContain(option == "--now" ? "--since" : "--now", errors);
        }
    }

    [Fact]
    public async Task Stats_NowWithAnOffset_ReportsAsOfThatInstantInUtc()
    {
        await RunAsync("replay", "--events", Samples);
        var (exit, output, errors) = await RunAsync("stats", "--course", "go1-course-5h", "--now", "2025-01-15T01:00:00+01:00", "--json");
        Assert.True(exit == 0, errors);
        Assert.Equal("2025-01-15T00:00:00.000Z", JsonDocument.Parse(output).RootElement.GetProperty("summary").GetProperty("computedAt").GetString());
    }

    // --- replay: --now is the report's instant, the clock validates ---

    [Fact]
    public async Task Replay_NowBeforeTheEvents_StillAppliesThem()
    {
        var file = await WriteLinesAsync(
            """{"type":"launch","attemptId":"early-a1","email":"early@example.com","courseId":"early-course","platform":"web","launchedAt":"2025-02-01T08:00:00Z"}""");
        var (exit, output, errors) = await RunAsync("replay", "--events", file, "--now", "2025-01-15T00:00:00Z", "--json");
        Assert.True(exit == 0, errors);
        Assert.Equal("early-a1", Assert.Single(JsonDocument.Parse(output).RootElement.EnumerateArray()).GetProperty("attemptId").GetString());
    }

    [Fact]
    public async Task Replay_EventInTheClocksFuture_IsRefusedWhateverNowSays()
    {
        var tomorrow = TimeProvider.System.GetUtcNow().AddDays(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        var file = await WriteLinesAsync(
            $$"""{"type":"launch","attemptId":"future-a1","email":"future@example.com","courseId":"future-course","platform":"web","launchedAt":"{{tomorrow}}"}""");
        var (exit, _, errors) = await RunAsync("replay", "--events", file, "--now", TimeProvider.System.GetUtcNow().AddDays(30).ToString("O"));
        Assert.Equal(1, exit);
        Assert.Contains("line 1", errors);
        Assert.Contains("in the future", errors);
    }

    // --- Not found and usage errors ---

    [Fact]
    public async Task Stats_UnknownCourse_SaysSoOnStderrWithExit2()
    {
        var line = OnlyErrorLine(await RunAsync("stats", "--course", "no-such-course"), 2);
        Assert.Equal("error: no course 'no-such-course': it has no attempts and is not in the course catalogue.", line);
    }

    [Fact]
    public async Task Stats_CourseInTheCatalogueWithoutAttempts_IsAnEmptyReport()
    {
        var file = await WriteLinesAsync("""{"type":"course","courseId":"catalogued-only","durationMinutes":60}""");
        Assert.Equal(0, (await RunAsync("replay", "--events", file)).Exit);
        var (exit, output, errors) = await RunAsync("stats", "--course", "catalogued-only", "--json");
        Assert.True(exit == 0, errors);
        Assert.Equal(0, JsonDocument.Parse(output).RootElement.GetProperty("summary").GetProperty("attempts").GetInt32());
    }

    [Theory]
    [InlineData("poison")]
    [InlineData("parked")]
    public async Task MessagesReplay_UnknownId_SaysSoOnStderrWithExit2(string where)
    {
        var (exit, output, errors) = await RunAsync(where, "replay", "--id", "nope");
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains($"no {where} message with id 'nope'", errors);
    }

    [Fact]
    public async Task ParkedReplay_KnownId_ReplaysItOnceThenSaysItIsGone()
    {
        var tables = new TableServiceClient(storage.Azurite.ConnectionString);
        await tables.CreateTableIfNotExistsAsync(TableNames.Parked);
        await new TableParkedStore(tables).ParkAsync(new ParkedMessage(ParkCategories.Unmatched, "parked-cli-1", "no email", "{}", TimeProvider.System.GetUtcNow()), CancellationToken.None);

        var listed = await RunAsync("parked", "list", "--id", "parked-cli-1");
        Assert.Equal(0, listed.Exit);
        Assert.Contains("parked-cli-1", listed.Out);
        var first = await RunAsync("parked", "replay", "--id", "parked-cli-1");
        Assert.Equal((0, "replayed 1 parked message(s)"), (first.Exit, first.Out.Trim()));
        var second = await RunAsync("parked", "replay", "--id", "parked-cli-1");
        Assert.Equal(2, second.Exit);
        Assert.Equal(2, (await RunAsync("parked", "list", "--id", "parked-cli-1")).Exit);
    }

    [Fact]
    public async Task PoisonReplay_KnownId_MovesItBackToTheQueue()
    {
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        var poison = new QueueClient(storage.Azurite.ConnectionString, "attempt-events-poison", options);
        await poison.CreateIfNotExistsAsync();
        var sent = (await poison.SendMessageAsync("{}")).Value;

        var (exit, output, errors) = await RunAsync("poison", "replay", "--id", sent.MessageId);
        Assert.True(exit == 0, errors);
        Assert.Equal("replayed 1 poison message(s)", output.Trim());
    }

    // --- sweep --once ---

    [Fact]
    public async Task SweepOnce_Invoked_RunsOneSweep()
    {
        var (exit, output, errors) = await RunAsync("sweep", "--once", "--json");
        Assert.True(exit == 0, errors);
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(output).RootElement.ValueKind);
    }

    // --- stderr: what a user should read ---

    [Fact]
    public async Task Replay_RunTwice_SecondRunWritesNothingToStderr()
    {
        await RunAsync("replay", "--events", Samples);
        var (exit, _, errors) = await RunAsync("replay", "--events", Samples);
        Assert.Equal(0, exit);
        Assert.Equal("", errors);
    }

    [Fact]
    public async Task Replay_BadLine_StderrIsTheLineErrorAndTheAdviceOnly()
    {
        var file = await WriteLinesAsync("""{"type":"launch","attemptId":"only-id"}""");
        var (exit, _, errors) = await RunAsync("replay", "--events", file);
        Assert.Equal(1, exit);
        var lines = Lines(errors);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("error: line 1: ", lines[0]);
        Assert.StartsWith("Lines before 1 were applied", lines[1]);
    }

    [Theory]
    [InlineData("Azure.Core", LogLevel.Warning, false)]
    [InlineData("Azure.Core", LogLevel.Error, false)]
    [InlineData("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical, false)]
    [InlineData("Polly", LogLevel.Warning, false)]
    [InlineData("Go1Sync.Core.Processing.AttemptEventProcessor", LogLevel.Warning, true)]
    [InlineData("Go1Sync.Infrastructure.Sweep.ReconciliationSweep", LogLevel.Error, true)]
    [InlineData("Go1Sync.Core.Processing.AttemptEventProcessor", LogLevel.Information, false)]
    [InlineData("Go1SyncOther", LogLevel.Warning, false)]
    public void CliLog_Category_ShownOnlyForOurWarningsAndErrors(string category, LogLevel level, bool shown)
    {
        Assert.Equal(shown, Go1Sync.Cli.CliHost.Shows(category, level));
    }

    // --- Storage and settings: one line, naming the option or setting ---

    [Theory]
    [InlineData("replay")]
    [InlineData("stats")]
    [InlineData("deliveries")]
    [InlineData("sweep")]
    [InlineData("poison")]
    [InlineData("parked")]
    public async Task AnyCommand_MalformedStorageOption_OneLineNamingStorageAndExit3(string command)
    {
        string[] args = command switch
        {
            "replay" => ["replay", "--events", Samples],
            "stats" => ["stats", "--course", "go1-course-5h"],
            "deliveries" => ["deliveries", "--since", "2025-01-01T00:00:00Z"],
            "sweep" => ["sweep", "--once"],
            _ => [command, "list"],
        };
        var line = OnlyErrorLine(await RunWithoutStorageAsync([.. args, "--storage", "AccountName=secretive;AccountKey=not-base64!"]), 3);
        Assert.StartsWith("error: --storage is not a valid storage connection string", line);
        Assert.DoesNotContain("not-base64", line);
    }

    [Fact]
    public async Task Stats_StorageUnreachable_OneLineNamingStorageAndExit3()
    {
        int closedPort;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var unreachable = $"DefaultEndpointsProtocol=http;AccountName={Azurite.AccountName};AccountKey={Azurite.AccountKey};" +
            $"TableEndpoint=http://127.0.0.1:{closedPort}/{Azurite.AccountName};QueueEndpoint=http://127.0.0.1:{closedPort}/{Azurite.AccountName};";

        var line = OnlyErrorLine(await RunWithoutStorageAsync("stats", "--course", "go1-course-5h", "--storage", unreachable), 3);
        Assert.StartsWith("error: cannot reach the storage account set by --storage: ", line);
        Assert.Contains($"127.0.0.1:{closedPort}", line);
    }

    [Fact]
    public async Task Stats_AzuriteWithoutSkipApiVersionCheck_OneLineSayingToStartItWithTheFlag()
    {
        await using var strict = await Azurite.StartInMemoryAsync(skipApiVersionCheck: false);
        var line = OnlyErrorLine(await RunWithoutStorageAsync("stats", "--course", "go1-course-5h", "--storage", strict.ConnectionString), 3);
        Assert.Equal("error: Azurite (set by --storage) refuses the storage SDK's newer API version: start it with --skipApiVersionCheck, as `npm run azurite` does.", line);
    }

    [Fact]
    public async Task Process_InvalidSettingInTheEnvironment_OneLineNamingTheSettingAndExit3()
    {
        var line = OnlyErrorLine(await RunProcessAsync(
            new Dictionary<string, string> { ["AzureWebJobsStorage"] = storage.Azurite.ConnectionString, ["Sweep__MaxPerRun"] = "0" },
            "stats", "--course", "go1-course-5h"), 3);
        Assert.Equal("error: The setting Sweep__MaxPerRun must be between 1 and 5000.", line);
    }

    [Fact]
    public async Task Process_SummaryMaxAgeOverAnHour_OneLineNamingTheSettingAndExit3()
    {
        var (exit, _, errors) = await RunProcessAsync(
            new Dictionary<string, string> { ["AzureWebJobsStorage"] = storage.Azurite.ConnectionString, ["Summary__MaxAge"] = "02:00:00" },
            "stats", "--course", "go1-course-5h");
        Assert.Equal(3, exit);
        Assert.Equal(["error: The setting Summary__MaxAge must be between 00:00:00 and 01:00:00."], Lines(errors));
    }

    [Fact]
    public async Task Process_MalformedStorageInTheEnvironment_OneLineNamingAzureWebJobsStorageAndExit3()
    {
        var (exit, _, errors) = await RunProcessAsync(
            new Dictionary<string, string> { ["AzureWebJobsStorage"] = "nonsense" },
            "poison", "list");
        Assert.Equal(3, exit);
        var line = Assert.Single(Lines(errors));
        Assert.StartsWith("error: AzureWebJobsStorage is not a valid storage connection string", line);
    }
}
