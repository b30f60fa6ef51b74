using System.Collections.Immutable;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Go1Sync.Core.Attempts;
using Go1Sync.Core.Learners;
using Go1Sync.Core.Reporting;
using Go1Sync.Functions.Http;
using Microsoft.AspNetCore.Mvc;

namespace Go1Sync.ContractTests;

/// <summary>
/// The exact bytes every boundary writes for fixed inputs: queued envelopes, the stored history
/// document, the read API's JSON, the CSV export and the CLI's JSON. Pinned on the code before
/// the contracts got their own types and serializer options (issue #13, steps 2 and 3), so that
/// redesign provably changed no byte a queue, a table, a caller or an operator sees (the CLI's
/// table, for people, gained its missing durationUnknown column then). No storage.
/// </summary>
public sealed class BoundaryBytesTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2025, 3, 4, 5, 6, 7, 890, TimeSpan.Zero);
    private static readonly DateTimeOffset AsOf = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    // ---- Queue messages ----

    private const string LaunchEnvelope =
        """{"kind":"launch","schemaVersion":2,"id":"launch:att-1:2025-01-10T09:00:00.000Z","receivedAt":"2025-03-04T05:06:07.89+00:00","payload":{"attemptId":"att-1","email":"ada@example.com","courseId":"lo-1","platform":"mobile","launchedAt":"2025-01-10T10:00:00.123\u002B01:00"}}""";

    private const string FullCompletionEnvelope =
        """{"kind":"completion","schemaVersion":2,"id":"go1:evt-1","receivedAt":"2025-03-04T05:06:07.89+00:00","payload":{"enrolmentId":"enr-1","source":"webhook","go1EventId":"evt-1","courseId":"lo-1","go1UserId":"user-1","email":"ada@example.com","status":"completed","passed":true,"score":85,"startedAt":"2025-01-10T09:00:00\u002B00:00","completedAt":"2025-01-10T13:30:00.456\u002B00:00","refetch":["score","startedAt"]}}""";

    private const string ThinCompletionEnvelope =
        """{"kind":"completion","schemaVersion":2,"id":"sweep:enr-2","receivedAt":"2025-03-04T05:06:07.89+00:00","payload":{"enrolmentId":"enr-2","source":"sweep","passed":false}}""";

    private static EventEnvelope LaunchInput() => EventEnvelope.ForLaunch(
        new LaunchMessage("att-1", "ada@example.com", "lo-1", Platform.Mobile, new DateTimeOffset(2025, 1, 10, 10, 0, 0, 123, TimeSpan.FromHours(1))),
        "launch:att-1:2025-01-10T09:00:00.000Z", ReceivedAt);

    private static EventEnvelope FullCompletionInput() => EventEnvelope.ForCompletion(new CompletionMessage
    {
        EnrolmentId = "enr-1",
        Source = "webhook",
        Go1EventId = "evt-1",
        CourseId = "lo-1",
        Go1UserId = "user-1",
        Email = "ada@example.com",
        Status = "completed",
        Passed = true,
        Score = 85,
        StartedAt = new DateTimeOffset(2025, 1, 10, 9, 0, 0, TimeSpan.Zero),
        CompletedAt = new DateTimeOffset(2025, 1, 10, 13, 30, 0, 456, TimeSpan.Zero),
        Refetch = [CompletionFields.Score, CompletionFields.StartedAt],
    }, "go1:evt-1", ReceivedAt);

    private static EventEnvelope ThinCompletionInput() => EventEnvelope.ForCompletion(
        new CompletionMessage { EnrolmentId = "enr-2", Source = "sweep", Passed = false }, "sweep:enr-2", ReceivedAt);

    [Fact]
    public void QueuedLaunchEnvelope_Serialised_KeepsItsBytes() => Assert.Equal(LaunchEnvelope, LaunchInput().ToJson());

    [Fact]
    public void QueuedCompletionEnvelope_WithEveryField_KeepsItsBytes() => Assert.Equal(FullCompletionEnvelope, FullCompletionInput().ToJson());

    [Fact]
    public void QueuedCompletionEnvelope_Thin_LeavesOutWhatItLacks() => Assert.Equal(ThinCompletionEnvelope, ThinCompletionInput().ToJson());

    [Theory]
    [InlineData(LaunchEnvelope)]
    [InlineData(FullCompletionEnvelope)]
    [InlineData(ThinCompletionEnvelope)]
    public void QueuedEnvelope_ReadBack_WritesTheSameBytes(string json) => Assert.Equal(json, EventEnvelope.FromJson(json).ToJson());

    // ---- Stored history document (the Attempts table, decompressed) ----

    private const string HistoryDocument =
        """{"email":"ada@example.com","courseId":"lo-1","launches":[{"attemptId":"att-1","platform":"web","launchedAt":"2024-12-01T08:00:00+00:00"},{"attemptId":"att-2","platform":"mobile","launchedAt":"2025-01-10T09:00:00.123+00:00"},{"attemptId":"att-2","platform":"mobile","launchedAt":"2025-01-11T09:00:00+00:00"}],"completions":[{"enrolmentId":"enr-1","completedAt":"2025-01-10T13:30:00.456+00:00","passed":true,"score":85,"startedAt":"2025-01-10T09:00:00+00:00","durationMinutes":300,"identity":"enr-1|638721126004560000"},{"enrolmentId":"enr-2","completedAt":"2025-01-12T08:00:00+00:00","passed":false,"identity":"enr-2|638722656000000000"}],"isEmpty":false}""";

    private static LearnerCourseHistory HistoryInput() => new(
        "ada@example.com",
        "lo-1",
        [
            new LaunchRecord("att-1", Platform.Web, new DateTimeOffset(2024, 12, 1, 8, 0, 0, TimeSpan.Zero)),
            new LaunchRecord("att-2", Platform.Mobile, new DateTimeOffset(2025, 1, 10, 9, 0, 0, 123, TimeSpan.Zero)),
            new LaunchRecord("att-2", Platform.Mobile, new DateTimeOffset(2025, 1, 11, 9, 0, 0, TimeSpan.Zero)),
        ],
        [
            new CompletionRecord("enr-1", new DateTimeOffset(2025, 1, 10, 13, 30, 0, 456, TimeSpan.Zero), true, 85,
                new DateTimeOffset(2025, 1, 10, 9, 0, 0, TimeSpan.Zero), 300),
            new CompletionRecord("enr-2", new DateTimeOffset(2025, 1, 12, 8, 0, 0, TimeSpan.Zero), false, null, null, null),
        ]);

    private static readonly LearnerCourseKey Key = new("learner-id", "lo-1");

    [Fact]
    public void StoredHistoryDocument_Serialised_KeepsItsBytesAndFormat()
    {
        var history = HistoryInput();
        var entity = TableAttemptStore.Write(Key, history, "k-test01", Rules.Refold(history));
        Assert.Equal("gzip-json-v2", entity.GetString("Format"));
        GoldenFiles.Checked.Verify(HistoryDocumentV2Golden, DocumentJson(entity));
    }

    [Fact]
    public void StoredHistoryDocumentV1_PinnedBytes_ReadAsTheHistoryWithoutAFold()
    {
        var read = TableAttemptStore.ReadDocument(Row("gzip-json-v1", HistoryDocument));
        AssertIsHistoryInput(read.History);
        // No fold in a V1 row: the writer folds its events once and writes the row back as V2.
        Assert.Null(read.Fold);
    }

    [Fact]
    public void StoredHistoryDocumentV2_PinnedBytes_ReadAsTheHistoryAndItsFold()
    {
        var json = File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "Go1Sync.ContractTests", "Golden", HistoryDocumentV2Golden));
        var read = TableAttemptStore.ReadDocument(Row("gzip-json-v2", json));
        AssertIsHistoryInput(read.History);
        var expected = Rules.Refold(HistoryInput());
        Assert.NotNull(read.Fold);
        Assert.Equal(expected.Attempts, read.Fold.Attempts);
        Assert.Equal((expected.Cutovers, expected.LaunchCount, expected.CompletionCount), (read.Fold.Cutovers, read.Fold.LaunchCount, read.Fold.CompletionCount));
        Assert.Same(read.Fold, Rules.StateOf(read.History, read.Fold));
    }

    [Fact]
    public void StoredHistoryDocumentV2_FoldOfOtherRules_IsNotReadSoTheEventsAreFoldedAgain()
    {
        var json = File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "Go1Sync.ContractTests", "Golden", HistoryDocumentV2Golden));
        var current = $"\"rulesVersion\":{AttemptRules.FoldVersion}";
        Assert.Contains(current, json, StringComparison.Ordinal);

        var read = TableAttemptStore.ReadDocument(Row("gzip-json-v2", json.Replace(current, $"\"rulesVersion\":{AttemptRules.FoldVersion + 1}", StringComparison.Ordinal)));

        AssertIsHistoryInput(read.History);
        Assert.Null(read.Fold);
    }

    [Fact]
    public void StoredHistoryDocumentV2_FoldThatCannotBeRestored_IsReportedAndTheEventsAreFoldedAgain()
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "Go1Sync.ContractTests", "Golden", HistoryDocumentV2Golden)))!;
        var attempts = json["fold"]!["attempts"]!.AsArray();
        attempts.Add(attempts[0]!.DeepClone());

        var read = TableAttemptStore.ReadDocument(Row("gzip-json-v2", json.ToJsonString()));

        AssertIsHistoryInput(read.History);
        Assert.Null(read.Fold);
        Assert.Contains("appears twice", read.FoldProblem, StringComparison.Ordinal);
    }

    private const string HistoryDocumentV2Golden = "tables/history-document.v2.json";

    private static void AssertIsHistoryInput(LearnerCourseHistory read)
    {
        var expected = HistoryInput();
        Assert.Equal((expected.Email, expected.CourseId), (read.Email, read.CourseId));
        Assert.Equal(expected.Launches.ToArray(), read.Launches.ToArray());
        Assert.Equal(expected.Completions.ToArray(), read.Completions.ToArray());
    }

    [Fact]
    public void StoredHistory_OfAnUnknownFormat_IsRefusedNamingTheRowAndTheFormat()
    {
        var error = Assert.Throws<InvalidDataException>(() => TableAttemptStore.Read(Row("gzip-json-v9", HistoryDocument)));
        Assert.Contains("learner-id/lo-1", error.Message, StringComparison.Ordinal);
        Assert.Contains("'gzip-json-v9'", error.Message, StringComparison.Ordinal);
    }

    private static string DocumentJson(TableEntity entity)
    {
        using var compressed = new MemoryStream();
        for (var i = 0; i < entity.GetInt32("Chunks"); i++) compressed.Write(entity.GetBinary($"D{i:00}"));
        compressed.Position = 0;
        using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
        using var json = new MemoryStream();
        gzip.CopyTo(json);
        return Encoding.UTF8.GetString(json.ToArray());
    }

    private static TableEntity Row(string format, string json)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(Encoding.UTF8.GetBytes(json));
        return new TableEntity(Key.LearnerHash, Key.CourseKey) { ["Format"] = format, ["Chunks"] = 1, ["D00"] = compressed.ToArray() };
    }

    // ---- Attempts as reported: read API JSON, CSV export, CLI JSON ----

    private static readonly AttemptRules Rules = new(Cutovers.Default);

    /// <summary>Completed with everything, open without a result, go1-direct with an unknown duration, legacy-closed, and one with ids a spreadsheet would run.</summary>
    private static IReadOnlyList<Attempt> AttemptsInput() =>
    [
        new()
        {
            AttemptId = "att-1", Email = "ada@example.com", CourseId = "lo-1", Origin = AttemptOrigin.LmsLaunch, Platform = Platform.Web,
            Status = AttemptStatus.Completed, Progress = 100, Result = AttemptResult.Success, Score = 85,
            FirstActivityAt = new DateTimeOffset(2025, 1, 10, 9, 0, 0, TimeSpan.Zero), LastActivityAt = new DateTimeOffset(2025, 1, 10, 13, 30, 0, 456, TimeSpan.Zero),
            CompletedAt = new DateTimeOffset(2025, 1, 10, 13, 30, 0, 456, TimeSpan.Zero), TimeSpentMs = 16_200_456, Go1EnrolmentId = "enr-1",
        },
        new()
        {
            AttemptId = "att-2", Email = "ada@example.com", CourseId = "lo-1", Origin = AttemptOrigin.LmsLaunch, Platform = Platform.Mobile,
            Progress = 50, FirstActivityAt = new DateTimeOffset(2025, 1, 11, 9, 0, 0, TimeSpan.Zero), LastActivityAt = new DateTimeOffset(2025, 1, 12, 9, 0, 0, TimeSpan.Zero),
        },
        new()
        {
            AttemptId = "go1-enr-9", Email = "bob@example.com", CourseId = "lo-1", Origin = AttemptOrigin.Go1Direct, Platform = Platform.Unknown,
            Status = AttemptStatus.Completed, Progress = 100, Result = AttemptResult.Failed,
            FirstActivityAt = new DateTimeOffset(2025, 2, 1, 8, 0, 0, TimeSpan.Zero), LastActivityAt = new DateTimeOffset(2025, 2, 1, 9, 15, 0, TimeSpan.Zero),
            CompletedAt = new DateTimeOffset(2025, 2, 1, 9, 15, 0, TimeSpan.Zero), TimeSpentMs = 4_500_000, Go1EnrolmentId = "enr-9", DurationUnknown = true,
        },
        new()
        {
            AttemptId = "legacy-1", Email = "cy@example.com", CourseId = "lo-1", Origin = AttemptOrigin.LmsLaunch, Platform = Platform.Web,
            Progress = 50, FirstActivityAt = new DateTimeOffset(2024, 12, 1, 8, 0, 0, TimeSpan.Zero), LastActivityAt = new DateTimeOffset(2024, 12, 2, 8, 0, 0, TimeSpan.Zero),
        },
        new()
        {
            AttemptId = "=HYPERLINK(\"x\"),1", Email = "-dee@example.com", CourseId = "lo,1", Origin = AttemptOrigin.LmsLaunch, Platform = Platform.Web,
            Progress = 50, FirstActivityAt = new DateTimeOffset(2025, 2, 2, 8, 0, 0, TimeSpan.Zero), LastActivityAt = new DateTimeOffset(2025, 2, 2, 8, 0, 0, TimeSpan.Zero),
        },
    ];

    private static List<AttemptReport> RowsInput() => AttemptsInput().Select(a => Rules.Report(a, AsOf)).ToList();

    private const string ApiRows =
        """[{"attemptId":"att-1","email":"ada@example.com","courseId":"lo-1","origin":"lms-launch","platform":"web","status":"completed","progress":100,"result":"success","score":85,"firstActivityAt":"2025-01-10T09:00:00.000Z","lastActivityAt":"2025-01-10T13:30:00.456Z","completedAt":"2025-01-10T13:30:00.456Z","timeSpentMs":16200456,"legacyClosed":false,"durationUnknown":false},{"attemptId":"att-2","email":"ada@example.com","courseId":"lo-1","origin":"lms-launch","platform":"mobile","status":"open","progress":50,"firstActivityAt":"2025-01-11T09:00:00.000Z","lastActivityAt":"2025-01-12T09:00:00.000Z","timeSpentMs":0,"legacyClosed":false,"durationUnknown":false},{"attemptId":"go1-enr-9","email":"bob@example.com","courseId":"lo-1","origin":"go1-direct","platform":"unknown","status":"completed","progress":100,"result":"failed","firstActivityAt":"2025-02-01T08:00:00.000Z","lastActivityAt":"2025-02-01T09:15:00.000Z","completedAt":"2025-02-01T09:15:00.000Z","timeSpentMs":4500000,"legacyClosed":false,"durationUnknown":true},{"attemptId":"legacy-1","email":"cy@example.com","courseId":"lo-1","origin":"lms-launch","platform":"web","status":"completed","progress":0,"firstActivityAt":"2024-12-01T08:00:00.000Z","lastActivityAt":"2024-12-02T08:00:00.000Z","timeSpentMs":0,"legacyClosed":true,"durationUnknown":false},{"attemptId":"=HYPERLINK(\u0022x\u0022),1","email":"-dee@example.com","courseId":"lo,1","origin":"lms-launch","platform":"web","status":"open","progress":50,"firstActivityAt":"2025-02-02T08:00:00.000Z","lastActivityAt":"2025-02-02T08:00:00.000Z","timeSpentMs":0,"legacyClosed":false,"durationUnknown":false}]""";

    private const string ApiSummary =
        """{"courseId":"lo-1","attempts":5,"learners":4,"open":2,"completed":3,"success":1,"failed":1,"legacyClosed":1,"completionRate":0.4,"successRate":0.5,"meanTimeSpentMs":10350228,"medianTimeSpentMs":10350228,"computedAt":"2025-03-01T00:00:00.000Z"}""";

    private const string ApiProblem =
        """{"type":"https://httpstatuses.io/400","title":"Invalid request","status":400,"detail":"One or more fields are missing or wrong.","errors":{"Content-Type":["must be application/json"],"launchedAt":["\u0027launchedAt\u0027 is required."]}}""";

    /// <summary>Lines end with the platform's new line (the writer's); written here with \n.</summary>
    private const string Csv =
        """
        attemptId,email,courseId,progress,score,result,timeSpentMs,firstActivityAt,lastActivityAt,completedAt,status,origin,platform,legacyClosed,durationUnknown
        att-1,ada@example.com,lo-1,100,85,success,16200456,2025-01-10T09:00:00.000Z,2025-01-10T13:30:00.456Z,2025-01-10T13:30:00.456Z,completed,lms-launch,web,false,false
        att-2,ada@example.com,lo-1,50,,,0,2025-01-11T09:00:00.000Z,2025-01-12T09:00:00.000Z,,open,lms-launch,mobile,false,false
        go1-enr-9,bob@example.com,lo-1,100,,failed,4500000,2025-02-01T08:00:00.000Z,2025-02-01T09:15:00.000Z,2025-02-01T09:15:00.000Z,completed,go1-direct,unknown,false,true
        legacy-1,cy@example.com,lo-1,0,,,0,2024-12-01T08:00:00.000Z,2024-12-02T08:00:00.000Z,,completed,lms-launch,web,true,false
        "'=HYPERLINK(""x""),1",'-dee@example.com,"lo,1",50,,,0,2025-02-02T08:00:00.000Z,2025-02-02T08:00:00.000Z,,open,lms-launch,web,false,false
        """;

    private const string CliJson =
        """
        [
          {
            "attemptId": "att-1",
            "email": "ada@example.com",
            "courseId": "lo-1",
            "origin": "lms-launch",
            "platform": "web",
            "status": "completed",
            "progress": 100,
            "result": "success",
            "score": 85,
            "firstActivityAt": "2025-01-10T09:00:00.000Z",
            "lastActivityAt": "2025-01-10T13:30:00.456Z",
            "completedAt": "2025-01-10T13:30:00.456Z",
            "timeSpentMs": 16200456,
            "legacyClosed": false,
            "durationUnknown": false
          },
          {
            "attemptId": "att-2",
            "email": "ada@example.com",
            "courseId": "lo-1",
            "origin": "lms-launch",
            "platform": "mobile",
            "status": "open",
            "progress": 50,
            "result": null,
            "score": null,
            "firstActivityAt": "2025-01-11T09:00:00.000Z",
            "lastActivityAt": "2025-01-12T09:00:00.000Z",
            "completedAt": null,
            "timeSpentMs": 0,
            "legacyClosed": false,
            "durationUnknown": false
          },
          {
            "attemptId": "go1-enr-9",
            "email": "bob@example.com",
            "courseId": "lo-1",
            "origin": "go1-direct",
            "platform": "unknown",
            "status": "completed",
            "progress": 100,
            "result": "failed",
            "score": null,
            "firstActivityAt": "2025-02-01T08:00:00.000Z",
            "lastActivityAt": "2025-02-01T09:15:00.000Z",
            "completedAt": "2025-02-01T09:15:00.000Z",
            "timeSpentMs": 4500000,
            "legacyClosed": false,
            "durationUnknown": true
          },
          {
            "attemptId": "legacy-1",
            "email": "cy@example.com",
            "courseId": "lo-1",
            "origin": "lms-launch",
            "platform": "web",
            "status": "completed",
            "progress": 0,
            "result": null,
            "score": null,
            "firstActivityAt": "2024-12-01T08:00:00.000Z",
            "lastActivityAt": "2024-12-02T08:00:00.000Z",
            "completedAt": null,
            "timeSpentMs": 0,
            "legacyClosed": true,
            "durationUnknown": false
          },
          {
            "attemptId": "=HYPERLINK(\u0022x\u0022),1",
            "email": "-dee@example.com",
            "courseId": "lo,1",
            "origin": "lms-launch",
            "platform": "web",
            "status": "open",
            "progress": 50,
            "result": null,
            "score": null,
            "firstActivityAt": "2025-02-02T08:00:00.000Z",
            "lastActivityAt": "2025-02-02T08:00:00.000Z",
            "completedAt": null,
            "timeSpentMs": 0,
            "legacyClosed": false,
            "durationUnknown": false
          }
        ]
        """;

    [Fact]
    public async Task ApiAttemptRows_Serialised_KeepTheirBytes() => Assert.Equal(ApiRows, (await Execute(new JsonResponse(200, RowsInput()))).Body);

    [Fact]
    public async Task ApiCourseSummary_Serialised_KeepsItsBytes() =>
        Assert.Equal(ApiSummary, (await Execute(new JsonResponse(200, CourseSummary.Compute("lo-1", AttemptsInput().Select(a => Rules.Report(a, AsOf)).ToList(), AsOf)))).Body);

    [Fact]
    public async Task ApiProblem_Serialised_KeepsItsBytes()
    {
        var answer = await Execute(JsonResponse.Problem(400, "Invalid request", "One or more fields are missing or wrong.",
            new Dictionary<string, string[]> { ["Content-Type"] = ["must be application/json"], ["launchedAt"] = ["'launchedAt' is required."] }));
        Assert.Equal("application/problem+json", answer.ContentType);
        Assert.Equal(ApiProblem, answer.Body);
    }

    [Fact]
    public async Task CsvExport_HeaderAndRows_KeepTheirBytes() =>
        Assert.Equal(Csv.ReplaceLineEndings(Environment.NewLine) + Environment.NewLine,
            (await Execute(new CsvAttemptsResult(Async(RowsInput()), "lo-1-attempts.csv"))).Body);

    [Fact]
    public void CliJsonRows_Printed_KeepTheirBytes()
    {
        var output = new StringWriter { NewLine = "\n" };
        Go1Sync.Cli.Output.WriteJson(output, RowsInput());
        Assert.Equal(CliJson + "\n", output.ToString().ReplaceLineEndings("\n"));
    }

    /// <summary>
    /// The CLI's table for people: the row's columns in their order, with durationUnknown since
    /// issue #13 (before, the table lacked it); time spent as d.hh:mm:ss, nothing as -, flags as yes/no.
    /// </summary>
    private const string CliTable =
        """
        attemptId          email             courseId  origin      platform  status     progress  result   score  firstActivityAt           lastActivityAt            completedAt               timeSpent   legacyClosed  durationUnknown
        att-1              ada@example.com   lo-1      lms-launch  web       completed  100%      success  85     2025-01-10T09:00:00.000Z  2025-01-10T13:30:00.456Z  2025-01-10T13:30:00.456Z  0.04:30:00  no            no
        att-2              ada@example.com   lo-1      lms-launch  mobile    open       50%       -        -      2025-01-11T09:00:00.000Z  2025-01-12T09:00:00.000Z  -                         0.00:00:00  no            no
        go1-enr-9          bob@example.com   lo-1      go1-direct  unknown   completed  100%      failed   -      2025-02-01T08:00:00.000Z  2025-02-01T09:15:00.000Z  2025-02-01T09:15:00.000Z  0.01:15:00  no            yes
        legacy-1           cy@example.com    lo-1      lms-launch  web       completed  0%        -        -      2024-12-01T08:00:00.000Z  2024-12-02T08:00:00.000Z  -                         0.00:00:00  yes           no
        =HYPERLINK("x"),1  -dee@example.com  lo,1      lms-launch  web       open       50%       -        -      2025-02-02T08:00:00.000Z  2025-02-02T08:00:00.000Z  -                         0.00:00:00  no            no
        """;

    [Fact]
    public void CliTable_Printed_ShowsEveryColumnOfTheRow()
    {
        var output = new StringWriter { NewLine = "\n" };
        Go1Sync.Cli.Output.WriteTable(output, RowsInput());
        Assert.Equal(CliTable + "\n", output.ToString());
    }

    private static Task<HttpAnswer> Execute(IActionResult result) => Go1SyncTestHost.GetAsync(_ => Task.FromResult(result));

    private static async IAsyncEnumerable<T> Async<T>(IEnumerable<T> items)
    {
        foreach (var item in items)
        {
            await Task.Yield();
            yield return item;
        }
    }
}
