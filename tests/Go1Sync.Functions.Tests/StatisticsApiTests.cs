using System.Text.RegularExpressions;

namespace Go1Sync.Functions.Tests;

/// <summary>The read API against a course of 1,200 attempts on Azurite: paging, filters, CSV, summary, learner view.</summary>
public sealed class StatisticsApiTests(StatisticsApiTests.SeededCourse seeded) : IClassFixture<StatisticsApiTests.SeededCourse>
{
    public const string Course = "stats-course";
    public const int Learners = 600;

    /// <summary>600 learners with two attempts each (1,200): the first completed (legacy for the first 50), the second open.</summary>
    public sealed class SeededCourse : IAsyncLifetime
    {
        private AzuriteFixture? _storage;
        public Go1SyncTestHost Host { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _storage = new AzuriteFixture();
            await _storage.InitializeAsync();
            Host = await Go1SyncTestHost.StartAsync(_storage.Azurite);
            await Host.Get<ICourseCatalogue>().UpsertAsync(new Course(Course, 60, "Stats", DateTimeOffset.UtcNow), CancellationToken.None);
            var processor = Host.Get<AttemptEventProcessor>();
            var events = new List<EventEnvelope>();
            for (var i = 0; i < Learners; i++)
            {
                var email = $"learner{i:000}@example.com";
                var day = i < 50 ? DateTimeOffset.Parse("2024-12-01T08:00:00Z") : DateTimeOffset.Parse("2025-03-01T08:00:00Z").AddMinutes(i);
                events.Add(EventEnvelope.ForLaunch(new LaunchMessage($"s{i:000}-a", email, Course, Platform.Web, day), $"l{i}a", DateTimeOffset.UtcNow));
                events.Add(EventEnvelope.ForLaunch(new LaunchMessage($"s{i:000}-b", email, Course, Platform.Web, day.AddDays(1)), $"l{i}b", DateTimeOffset.UtcNow));
                events.Add(EventEnvelope.ForCompletion(new CompletionMessage
                {
                    Source = "test", EnrolmentId = $"se{i:000}", Email = email, CourseId = Course, CompletedAt = day.AddMinutes(30), Passed = i % 3 != 0, Score = 70,
                }, $"c{i}", DateTimeOffset.UtcNow));
            }
            // Each learner's events in order, learners in parallel.
            foreach (var chunk in events.Chunk(3).Chunk(16))
                await Task.WhenAll(chunk.Select(async learner =>
                {
                    foreach (var e in learner) await processor.ProcessAsync(e.Id, e.ToJson(), CancellationToken.None);
                }));
        }

        public async Task DisposeAsync()
        {
            await Host.DisposeAsync();
            await _storage!.DisposeAsync();
        }
    }

    private StatisticsFunctions Functions => seeded.Host.Function<StatisticsFunctions>();

    [Fact]
    public async Task CourseAttempts_ComeInPagesOfAtMost500_LinkedByTheNextHeaderUntilAllAreRead()
    {
        var ids = new List<string>();
        var query = "";
        var pages = 0;
        while (true)
        {
            var answer = await Go1SyncTestHost.GetAsync(r => Functions.CourseAttempts(r, Course, CancellationToken.None), query);
            Assert.Equal(200, answer.Status);
            var rows = JsonDocument.Parse(answer.Body).RootElement;
            Assert.InRange(rows.GetArrayLength(), 1, 500);
            ids.AddRange(rows.EnumerateArray().Select(r => r.GetProperty("attemptId").GetString()!));
            pages++;
            var link = answer.Headers["Link"].ToString();
            if (string.IsNullOrEmpty(link)) break;
            var match = Regex.Match(link, "^<https://go1sync\\.example/api/test(\\?[^>]+)>; rel=\"next\"$");
            Assert.True(match.Success, link);
            query = match.Groups[1].Value;
        }
        Assert.Equal(3, pages);
        Assert.Equal(2 * Learners, ids.Count);
        Assert.Equal(2 * Learners, ids.Distinct().Count());
    }

    [Fact]
    public async Task CourseAttempts_FilterOnLastActivityAndReportedStatus_CountingLegacyClosedAsCompleted()
    {
        var answer = await Go1SyncTestHost.GetAsync(r => Functions.CourseAttempts(r, Course, CancellationToken.None),
            "?from=2024-11-01T00:00:00Z&to=2024-12-31T00:00:00Z&status=completed");
        var rows = JsonDocument.Parse(answer.Body).RootElement.EnumerateArray().ToList();
        // The 50 pre-cutover learners: the completed attempt (legacy connector) and the untouched one, legacy-closed.
        Assert.Equal(100, rows.Count);
        Assert.Equal(50, rows.Count(r => r.GetProperty("legacyClosed").GetBoolean()));
        Assert.All(rows, r => Assert.Equal("completed", r.GetProperty("status").GetString()));

        var open = await Go1SyncTestHost.GetAsync(r => Functions.CourseAttempts(r, Course, CancellationToken.None), "?status=open&pageSize=500");
        var openRows = JsonDocument.Parse(open.Body).RootElement;
        Assert.All(openRows.EnumerateArray(), r => Assert.Equal((50, "open"), (r.GetProperty("progress").GetInt32(), r.GetProperty("status").GetString())));
    }

    [Theory]
    [InlineData("?pageSize=0", "pageSize")]
    [InlineData("?pageSize=501", "pageSize")]
    [InlineData("?status=closed", "status")]
    [InlineData("?from=2025-01-01", "from")]
    [InlineData("?to=soon", "to")]
    public async Task CourseAttempts_WithABadQueryParameter_Is400NamingIt(string query, string field)
    {
        var answer = await Go1SyncTestHost.GetAsync(r => Functions.CourseAttempts(r, Course, CancellationToken.None), query);
        Assert.Equal(400, answer.Status);
        Assert.True(JsonDocument.Parse(answer.Body).RootElement.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task CourseAttempts_AsCsv_StreamAHeaderAndEveryAttempt()
    {
        var answer = await Go1SyncTestHost.GetAsync(r => Functions.CourseAttempts(r, Course, CancellationToken.None), "",
            new Dictionary<string, string> { ["Accept"] = "text/csv" });
        Assert.Equal(200, answer.Status);
        Assert.StartsWith("text/csv", answer.ContentType);
        var lines = answer.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("attemptId,email,courseId,progress,score,result,timeSpentMs,firstActivityAt,lastActivityAt,completedAt,status,origin,platform,legacyClosed,durationUnknown", lines[0].TrimEnd('\r'));
        Assert.Equal(2 * Learners, lines.Length - 1);
        Assert.Contains(lines, l => l.StartsWith("s099-a,learner099@example.com,stats-course,100,70,failed,1800000,", StringComparison.Ordinal));
    }

    [Fact]
    public void CsvField_WithSeparatorsOrFormulas_IsQuotedAndDefused()
    {
        Assert.Equal("\"a,b\"", Go1Sync.Functions.Http.CsvAttemptsResult.Field("a,b"));
        Assert.Equal("\"say \"\"hi\"\"\"", Go1Sync.Functions.Http.CsvAttemptsResult.Field("say \"hi\""));
        Assert.Equal("'=SUM(A1)", Go1Sync.Functions.Http.CsvAttemptsResult.Field("=SUM(A1)"));
    }

    [Theory]
    [InlineData('=')]
    [InlineData('+')]
    [InlineData('-')]
    [InlineData('@')]
    [InlineData('\t')]
    [InlineData('\r')]
    public async Task CsvExport_EveryTextColumnStartingWithAFormulaCharacter_IsDefusedWithALeadingQuoteMark(char lead)
    {
        var value = lead + "cmd|' /C calc'!A0";
        // The text that comes from outside (the LMS's attempt id and course id, the learner's email) holds the formula.
        var report = new AttemptReport(new Attempt
        {
            AttemptId = value, Email = value, CourseId = value, Origin = AttemptOrigin.LmsLaunch, Platform = Platform.Web, Progress = 50, Score = 70,
            FirstActivityAt = DateTimeOffset.Parse("2025-03-01T08:00:00Z"), LastActivityAt = DateTimeOffset.Parse("2025-03-01T08:00:00Z"), TimeSpentMs = 1_000,
        }, LegacyClosed: false);

        var answer = await Go1SyncTestHost.GetAsync(_ => Task.FromResult<Microsoft.AspNetCore.Mvc.IActionResult>(
            new Go1Sync.Functions.Http.CsvAttemptsResult(Rows(report), "defused.csv")));

        var records = ParseCsv(answer.Body);
        var header = records[0];
        var cells = records[1];
        Assert.Equal(header.Count, cells.Count);
        foreach (var column in new[] { "attemptId", "email", "courseId" })
            Assert.Equal("'" + value, cells[header.IndexOf(column)]);
        // Every text cell, ours too, goes through the defusing: none starts with a formula character.
        foreach (var (column, cell) in header.Zip(cells))
        {
            if (Go1Sync.Core.Reporting.AttemptColumns.Csv.Single(c => c.Name == column).Cell(report).Kind != Go1Sync.Core.Reporting.AttemptCellKind.Text) continue;
            Assert.False(cell.Length > 0 && "=+-@\t\r".Contains(cell[0]), $"column {column} holds {cell.Replace("\t", "\\t", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal)}");
        }
    }

    private static async IAsyncEnumerable<AttemptReport> Rows(params AttemptReport[] rows)
    {
        foreach (var row in rows)
        {
            await Task.Yield();
            yield return row;
        }
    }

    /// <summary>RFC 4180, enough to read back what the export writes: quoted fields may hold separators, quotes and line breaks.</summary>
    private static List<List<string>> ParseCsv(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { record.Add(field.ToString()); field.Clear(); }
            else if (c == '\n' || (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n'))
            {
                if (c == '\r') i++;
                record.Add(field.ToString()); field.Clear();
                records.Add(record); record = [];
            }
            else field.Append(c);
        }
        return records;
    }

    [Fact]
    public async Task CourseSummary_ForACourse_CountsAttemptsLearnersOutcomesAndRates()
    {
        var answer = await Go1SyncTestHost.GetAsync(r => Functions.CourseSummary(r, Course, CancellationToken.None));
        var summary = JsonDocument.Parse(answer.Body).RootElement;
        Assert.Equal(2 * Learners, summary.GetProperty("attempts").GetInt32());
        Assert.Equal(Learners, summary.GetProperty("learners").GetInt32());
        Assert.Equal(Learners - 50, summary.GetProperty("open").GetInt32());
        Assert.Equal(Learners + 50, summary.GetProperty("completed").GetInt32());
        Assert.Equal(50, summary.GetProperty("legacyClosed").GetInt32());
        Assert.Equal(Learners / 3, summary.GetProperty("failed").GetInt32());
        Assert.Equal(Learners - Learners / 3, summary.GetProperty("success").GetInt32());
        Assert.Equal(0.5, summary.GetProperty("completionRate").GetDouble());
        Assert.False(string.IsNullOrEmpty(summary.GetProperty("computedAt").GetString()));
    }

    [Fact]
    public async Task CourseSummary_AskedAgainWithinMaxAge_ServesTheSameComputationWithItsFreshness()
    {
        var first = await Go1SyncTestHost.GetAsync(r => Functions.CourseSummary(r, Course, CancellationToken.None));
        seeded.Host.Transactions.Reset();
        var second = await Go1SyncTestHost.GetAsync(r => Functions.CourseSummary(r, Course, CancellationToken.None));

        Assert.Equal(0, seeded.Host.Transactions.TableReads);
        Assert.Equal(JsonDocument.Parse(first.Body).RootElement.GetProperty("computedAt").GetString(),
            JsonDocument.Parse(second.Body).RootElement.GetProperty("computedAt").GetString());
        var maxAge = System.Text.RegularExpressions.Regex.Match(second.Headers.CacheControl.ToString(), "^private, max-age=(\\d+)$");
        Assert.True(maxAge.Success, second.Headers.CacheControl.ToString());
        Assert.InRange(int.Parse(maxAge.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 1, 60);
    }

    [Fact]
    public async Task LearnerAttempts_ByHash_AreTheLearnersCourseListThenOnePointReadPerCourseNotAScan()
    {
        var host = seeded.Host;
        host.Transactions.Reset();
        var answer = await Go1SyncTestHost.GetAsync(r => Functions.LearnerAttempts(r, host.Ids.Id("learner007@example.com"), CancellationToken.None));
        Assert.Equal(200, answer.Status);
        var rows = JsonDocument.Parse(answer.Body).RootElement;
        Assert.Equal(["s007-a", "s007-b"], rows.EnumerateArray().Select(r => r.GetProperty("attemptId").GetString()));
        // One query of the learner's course list (their partition of Attempts), then the aggregate of the one course.
        Assert.Equal((1, 2), (host.Transactions.TableQueries, host.Transactions.TableReads));
    }

    [Theory]
    [InlineData("Learner007@Example.com")]
    [InlineData("Learner007%40Example.com")]
    [InlineData(" learner007@example.com ")]
    public async Task LearnerAttempts_EmailInThePath_Is400NamingLearnerAndPointingToThePostReadingNothing(string path)
    {
        var host = seeded.Host;
        host.Transactions.Reset();
        var answer = await Go1SyncTestHost.GetAsync(r => Functions.LearnerAttempts(r, path, CancellationToken.None));
        AssertProblemNaming(answer, "learner", "/api/learners/lookup");
        Assert.DoesNotContain("learner007", answer.Body, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, host.Transactions.TableReads);
    }

    [Fact]
    public async Task LearnerAttempts_PathNeitherLearnerIdNorEmail_Is400NamingLearner()
    {
        var answer = await Go1SyncTestHost.GetAsync(r => Functions.LearnerAttempts(r, "nobody", CancellationToken.None));
        AssertProblemNaming(answer, "learner", "a learner id (64 lower-case hex digits");
    }

    [Fact]
    public async Task LookupLearnerAttempts_EmailInTheBody_GivesTheGetByHashAnswerFromTheCourseListAndAPointRead()
    {
        var host = seeded.Host;
        var byHash = await Go1SyncTestHost.GetAsync(r => Functions.LearnerAttempts(r, host.Ids.Id("learner007@example.com"), CancellationToken.None));
        host.Transactions.Reset();
        var answer = await Go1SyncTestHost.InvokeAsync(r => Functions.LookupLearnerAttempts(r, CancellationToken.None), """{"email":" Learner007@Example.com "}""");
        Assert.Equal(200, answer.Status);
        Assert.Equal(byHash.Body, answer.Body);
        Assert.Equal(2, JsonDocument.Parse(answer.Body).RootElement.GetArrayLength());
        Assert.Equal((1, 2), (host.Transactions.TableQueries, host.Transactions.TableReads));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"email":"nobody"}""")]
    [InlineData("""{"email":7}""")]
    [InlineData("""{"learner":"learner007@example.com"}""")]
    public async Task LookupLearnerAttempts_BodyWithoutAUsableEmail_Is400NamingEmail(string body)
    {
        var answer = await Go1SyncTestHost.InvokeAsync(r => Functions.LookupLearnerAttempts(r, CancellationToken.None), body);
        AssertProblemNaming(answer, "email", "email");
    }

    [Fact]
    public async Task LookupLearnerAttempts_NotJson_Is415()
    {
        var answer = await Go1SyncTestHost.InvokeAsync(r => Functions.LookupLearnerAttempts(r, CancellationToken.None), "email=learner007@example.com", "application/x-www-form-urlencoded");
        Assert.Equal(415, answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
    }

    private static void AssertProblemNaming(HttpAnswer answer, string field, string detailMentions)
    {
        Assert.Equal(400, answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
        var problem = JsonDocument.Parse(answer.Body).RootElement;
        var errors = problem.GetProperty("errors");
        Assert.Equal([field], errors.EnumerateObject().Select(e => e.Name));
        Assert.Contains(detailMentions, errors.GetProperty(field)[0].GetString()!, StringComparison.Ordinal);
    }
}
