using Go1Sync.Functions.Functions;

namespace Go1Sync.ContractTests;

/// <summary>
/// The read API's answers (JSON and CSV) as the LMS's reporting and people's spreadsheets read
/// them, through the function classes, as of the end of the scenario; and the CLI's JSON, which
/// operators' scripts read.
/// </summary>
[Collection(ContractCollection.Name)]
public sealed class ReadApiContractTests(ContractScenario scenario)
{
    private StatisticsFunctions Functions => scenario.Host.Function<StatisticsFunctions>();

    [Fact]
    public async Task ReadApi_CourseAttempts_MatchesGolden()
    {
        var answer = await Go1SyncTestHost.GetAsync(r => Functions.CourseAttempts(r, ContractScenario.Course, CancellationToken.None));
        GoldenFiles.Checked.Verify("read-api/course-attempts.json", GoldenJson.Http(answer, "Link"));
    }

    [Fact]
    public async Task ReadApi_CourseAttemptsPagedByOne_MatchesGoldenWithItsNextLink()
    {
        var answer = await Go1SyncTestHost.GetAsync(r => Functions.CourseAttempts(r, ContractScenario.Course, CancellationToken.None), "?pageSize=1");
        // The continuation token is the storage service's own (opaque, and not ours to pin): its value is replaced.
        var link = answer.Headers["Link"].ToString();
        Assert.Matches("^<https://go1sync\\.example/api/test\\?pageSize=1&continuation=[^>]+>; rel=\"next\"$", link);
        answer.Headers["Link"] = System.Text.RegularExpressions.Regex.Replace(link, "continuation=[^>]+", "continuation=<token>");
        GoldenFiles.Checked.Verify("read-api/course-attempts.page-1.json", GoldenJson.Http(answer, "Link"));
    }

    /// <summary>A host on the scenario's clock that reads the feed up to now (no safe lag): the scenario's changes are seconds old.</summary>
    private Task<Go1SyncTestHost> FeedHostAsync() => scenario.StartHostAsync(s => s["Feed:SafeLag"] = "00:00:00");

    [Fact]
    public async Task ReadApi_AttemptChangesFromTheStart_MatchesGolden()
    {
        await using var host = await FeedHostAsync();
        var answer = await Go1SyncTestHost.GetAsync(r => host.Function<StatisticsFunctions>().AttemptChanges(r, CancellationToken.None));
        GoldenFiles.Checked.Verify("read-api/attempt-changes.json", GoldenJson.Http(answer, "Link"));
    }

    [Fact]
    public async Task ReadApi_AttemptChangesLimitedToOne_MatchesGoldenWithItsNextLink()
    {
        await using var host = await FeedHostAsync();
        var answer = await Go1SyncTestHost.GetAsync(r => host.Function<StatisticsFunctions>().AttemptChanges(r, CancellationToken.None), "?limit=1");
        Assert.Matches("^<https://go1sync\\.example/api/test\\?cursor=[A-Za-z0-9_-]+&limit=1>; rel=\"next\"$", answer.Headers["Link"].ToString());
        GoldenFiles.Checked.Verify("read-api/attempt-changes.limit-1.json", GoldenJson.Http(answer, "Link"));
    }

    [Fact]
    public async Task ReadApi_CourseSummary_MatchesGolden()
    {
        var answer = await Go1SyncTestHost.GetAsync(r => Functions.CourseSummary(r, ContractScenario.Course, CancellationToken.None));
        GoldenFiles.Checked.Verify("read-api/course-summary.json", GoldenJson.Http(answer));
    }

    [Fact]
    public async Task ReadApi_LearnerAttemptsByLearnerId_MatchesGolden()
    {
        var learner = await scenario.LearnerIdAsync();
        var answer = await Go1SyncTestHost.GetAsync(r => Functions.LearnerAttempts(r, learner, CancellationToken.None));
        GoldenFiles.Checked.Verify("read-api/learner-attempts.json", GoldenJson.Http(answer));
    }

    [Fact]
    public async Task ReadApi_LearnerLookupByEmail_AnswersTheLearnerRouteGolden()
    {
        var answer = await Go1SyncTestHost.InvokeAsync(r => Functions.LookupLearnerAttempts(r, CancellationToken.None),
            """{"email":"ada.golden@example.com"}""");
        GoldenFiles.Checked.Verify("read-api/learner-attempts.json", GoldenJson.Http(answer));
    }

    [Fact]
    public async Task CsvExport_CourseAttempts_MatchesGoldenText()
    {
        var answer = await Go1SyncTestHost.GetAsync(r => Functions.CourseAttempts(r, ContractScenario.Course, CancellationToken.None), "",
            new Dictionary<string, string> { ["Accept"] = "text/csv" });

        Assert.Equal((200, "text/csv; charset=utf-8"), (answer.Status, answer.ContentType));
        Assert.Equal("attachment; filename=\"go1-course-golden-attempts.csv\"", answer.Headers.ContentDisposition.ToString());
        GoldenFiles.Checked.Verify("read-api/course-attempts.csv", answer.Body);
    }

    [Fact]
    public async Task CliStats_JsonOutput_MatchesGolden()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await Go1Sync.Cli.Cli.RunAsync(
            ["stats", "--course", ContractScenario.Course, "--now", Go1Sync.Core.Attempts.Instants.Format(scenario.ReportAt), "--json", "--storage", scenario.Azurite.ConnectionString],
            stdout, stderr);

        Assert.True(exit == 0, stderr.ToString());
        // The exact text the CLI prints (it indents its own JSON): scripts parse it.
        GoldenFiles.Checked.Verify("cli/stats.json", stdout.ToString());
    }
}
