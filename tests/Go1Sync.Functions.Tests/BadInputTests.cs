namespace Go1Sync.Functions.Tests;

/// <summary>Every malformed request gets a clear 4xx in problem+json naming the field, and nothing is queued or written.</summary>
public sealed class BadInputTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private const string GoodLaunch = """{"attemptId":"a1","email":"ada@example.com","courseId":"c1","platform":"web","launchedAt":"2024-12-22T08:00:00Z"}""";

    public static TheoryData<string, string, string?, int, string> Cases()
    {
        static string Launch(string field, string? json) => ReplaceField(GoodLaunch, field, json);
        var data = new TheoryData<string, string, string?, int, string>
        {
            { "launch", Launch("attemptId", null), "application/json", 400, "attemptId" },
            { "launch", Launch("email", null), "application/json", 400, "email" },
            { "launch", Launch("email", "\"not-an-email\""), "application/json", 400, "email" },
            { "launch", Launch("email", "\"ada lovelace@example.com\""), "application/json", 400, "email" },
            { "launch", Launch("email", $"\"{new string('a', 300)}@example.com\""), "application/json", 400, "email" },
            { "launch", Launch("platform", "\"desktop\""), "application/json", 400, "platform" },
            { "launch", Launch("platform", null), "application/json", 400, "platform" },
            { "launch", Launch("launchedAt", "\"2024-12-22T08:00:00\""), "application/json", 400, "launchedAt" },
            { "launch", Launch("launchedAt", "\"yesterday\""), "application/json", 400, "launchedAt" },
            { "launch", Launch("launchedAt", "\"2099-01-01T00:00:00Z\""), "application/json", 400, "launchedAt" },
            { "launch", Launch("launchedAt", "1734854400"), "application/json", 400, "launchedAt" },
            { "launch", Launch("attemptId", $"\"{new string('x', 200)}\""), "application/json", 400, "attemptId" },
            { "launch", Launch("attemptId", "\"a\\u0001b\""), "application/json", 400, "attemptId" },
            { "launch", Launch("attemptId", "\"go1-123\""), "application/json", 400, "attemptId" },
            { "launch", Launch("attemptId", "{}"), "application/json", 400, "attemptId" },
            { "launch", Launch("courseId", "\"\""), "application/json", 400, "courseId" },
            { "launch", Launch("courseId", "\"c\\u007f1\""), "application/json", 400, "courseId" },
            { "launch", "[]", "application/json", 400, "body" },
            { "launch", "{\"attemptId\":", "application/json", 400, "body" },
            { "launch", "\"just a string\"", "application/json", 400, "body" },
            { "launch", GoodLaunch, "text/plain", 415, "Content-Type" },
            { "launch", GoodLaunch, null, 415, "Content-Type" },
            { "launch", ReplaceField(GoodLaunch, "padding", $"\"{new string('p', 33 * 1024)}\""), "application/json", 413, "body" },
            { "course", """{"courseId":"c1","durationMinutes":-5}""", "application/json", 400, "durationMinutes" },
            { "course", """{"courseId":"c1","durationMinutes":0}""", "application/json", 400, "durationMinutes" },
            { "course", """{"courseId":"c1","durationMinutes":700000}""", "application/json", 400, "durationMinutes" },
            { "course", """{"courseId":"c1","durationMinutes":1.5}""", "application/json", 400, "durationMinutes" },
            { "course", """{"courseId":"c1","durationMinutes":"300"}""", "application/json", 400, "durationMinutes" },
            { "course", """{"durationMinutes":300}""", "application/json", 400, "courseId" },
            { "course", $$"""{"courseId":"c1","durationMinutes":300,"title":"{{new string('t', 600)}}"}""", "application/json", 400, "title" },
            { "course", """{"courseId":"c1","durationMinutes":300}""", "application/xml", 415, "Content-Type" },
            { "webhook", """{"id":"e1","data":{"id":"1"}}""", "application/json", 400, "event_type" },
            { "webhook", """{"id":"e1","event_type":"enrollment.complete"}""", "application/json", 400, "data" },
            { "webhook", """{"id":"e1","event_type":"enrollment.complete","data":{"lo_id":"7"}}""", "application/json", 400, "data.id" },
            // Only the required parts of a webhook are refused; malformed optional fields are
            // accepted and fetched from Go1 (WebhookToleranceTests).
            { "webhook", """{"id":"e1","event_type":{},"data":{"id":"1"}}""", "application/json", 400, "event_type" },
            { "webhook", """{"id":"e1","event_type":"enrollment.complete","data":[{"id":"1"}]}""", "application/json", 400, "data" },
            { "webhook", """{"id":"e1","event_type":"enrollment.complete","data":{"id":""}}""", "application/json", 400, "data.id" },
            { "webhook", """{"id":"e1","event_type":"enrollment.complete","data":{"id":{"n":1}}}""", "application/json", 400, "data.id" },
            { "webhook", """{"id":"e1","event_type":"enrollment.complete","data":{"id":"1\u0000","result":150}}""", "application/json", 400, "data.id" },
            { "webhook", "{\"id\":\"e1\",\"event_type\":\"enrollment.complete\",", "application/json", 400, "body" },
            { "webhook", """{"id":"e1","event_type":"enrollment.complete","data":{"id":"1"}}""", "text/html", 415, "Content-Type" },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task MalformedRequest_IsRefusedWithProblemJsonNamingTheField_AndNothingIsQueuedOrWritten(
        string endpoint, string body, string? contentType, int expectedStatus, string expectedField)
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var answer = endpoint switch
        {
            "launch" => await Go1SyncTestHost.InvokeAsync(r => host.Function<Go1Sync.Functions.Functions.LaunchFunction>().Run(r, CancellationToken.None), body, contentType),
            "course" => await Go1SyncTestHost.InvokeAsync(r => host.Function<Go1Sync.Functions.Functions.CourseFunction>().Create(r, CancellationToken.None), body, contentType),
            _ => await Go1SyncTestHost.InvokeAsync(r => host.Function<Go1Sync.Functions.Functions.Go1WebhookFunction>().Run(r, CancellationToken.None), body, contentType),
        };

        Assert.Equal(expectedStatus, answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
        using var problem = JsonDocument.Parse(answer.Body);
        Assert.Equal(expectedStatus, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("detail").GetString()));
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(expectedField, out var messages),
            $"errors should name '{expectedField}': {answer.Body}");
        Assert.True(messages.GetArrayLength() > 0);
        Assert.Equal(0, await host.QueueLengthAsync());
        Assert.Null(await host.Get<ICourseCatalogue>().GetAsync("c1", CancellationToken.None));
    }

    [Fact]
    public async Task WebhookOfAnotherEventType_IsAcknowledgedWith200_AndNotQueued()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var answer = await host.PostWebhookAsync("""{"id":"e9","event_type":"enrollment.create","data":{"id":"1","lo_id":"2"}}""");
        Assert.Equal(200, answer.Status);
        Assert.Contains("enrollment.create", answer.Body);
        Assert.Equal(0, await host.QueueLengthAsync());
    }

    [Fact]
    public async Task AcceptedRequest_WritesExactlyOneQueueMessage_AndNoTableRequest()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        host.Transactions.Reset();
        Assert.Equal(202, (await host.PostLaunchAsync(GoodLaunch)).Status);
        Assert.Equal(1, host.Transactions.QueueWrites);
        // The delivery receipt travels in the queued message (issue #14): no table request at intake.
        Assert.Equal((0L, 0L, 0L), (host.Transactions.TableReads, host.Transactions.TableWrites, host.Transactions.TableBatches));
        Assert.Equal(1, await host.QueueLengthAsync());
    }

    [Fact]
    public async Task AcceptedWebhookWithMalformedOptionalFields_CostsWhatAnyAcceptedRequestCosts_OneQueueMessageAndNoTableRequest()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        host.Transactions.Reset();
        var answer = await host.PostWebhookAsync("""{"id":"e-cost","event_type":"enrollment.complete","data":{"id":"1","result":150,"pass":"yes","end_date":"2025-01-01 10:00"}}""");
        Assert.Equal(202, answer.Status);
        Assert.Equal(1, host.Transactions.QueueWrites);
        // The delivery receipt travels in the queued message (issue #14): no table request at intake.
        Assert.Equal((0L, 0L, 0L), (host.Transactions.TableReads, host.Transactions.TableWrites, host.Transactions.TableBatches));
        Assert.Equal(1, await host.QueueLengthAsync());
    }

    private static readonly string GoodLaunchMessage =
        """{"attemptId":"q-a","email":"queue@example.com","courseId":"q-course","platform":"web","launchedAt":"2025-06-01T08:00:00+00:00"}""";

    private static readonly string GoodCompletionMessage =
        """{"enrolmentId":"q-enr","source":"webhook","courseId":"q-course","email":"queue@example.com","status":"completed","passed":true,"score":80,"startedAt":"2025-06-01T08:00:00+00:00","completedAt":"2025-06-01T09:00:00+00:00"}""";

    /// <summary>
    /// Queue messages anyone with queue access (or an operator editing a parked message) could
    /// write: each breaks a rule intake enforces, so the processor must refuse it too.
    /// kind, payload, the field the parked reason must name.
    /// </summary>
    public static TheoryData<string, string, string> ForgedMessages() => new()
    {
        { "launch", ReplaceField(GoodLaunchMessage, "attemptId", "\"go1-forged\""), "attemptId" },
        { "launch", ReplaceField(GoodLaunchMessage, "attemptId", $"\"{new string('x', 200)}\""), "attemptId" },
        { "launch", ReplaceField(GoodLaunchMessage, "email", "\"not-an-email\""), "email" },
        { "launch", ReplaceField(GoodLaunchMessage, "courseId", "\"q-course\\u0001\""), "courseId" },
        { "launch", ReplaceField(GoodLaunchMessage, "launchedAt", "\"2099-01-01T00:00:00+00:00\""), "launchedAt" },
        { "launch", ReplaceField(GoodLaunchMessage, "launchedAt", "\"1970-01-01T00:00:00+00:00\""), "launchedAt" },
        { "completion", ReplaceField(GoodCompletionMessage, "score", "150"), "score" },
        { "completion", ReplaceField(GoodCompletionMessage, "email", "\"someone at example.com\""), "email" },
        { "completion", ReplaceField(GoodCompletionMessage, "enrolmentId", $"\"{new string('9', 200)}\""), "enrolmentId" },
        { "completion", ReplaceField(GoodCompletionMessage, "startedAt", "\"2025-06-01T10:00:00+00:00\""), "completedAt" },
        { "completion", ReplaceField(GoodCompletionMessage, "completedAt", "\"2099-01-01T00:00:00+00:00\""), "completedAt" },
        { "completion", ReplaceField(GoodCompletionMessage, "courseId", "\"q-course\\r\\nx\""), "courseId" },
    };

    [Theory]
    [MemberData(nameof(ForgedMessages))]
    public async Task QueuedMessage_BreakingAnIntakeRule_IsParkedAsInvalidNamingTheFieldNeverAppliedNorPoisoned(string kind, string payload, string field)
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var unique = Guid.NewGuid().ToString("N")[..8];
        var course = "qc-" + unique;
        var id = "forged-" + unique;
        await host.Queue.SendMessageAsync(Envelope(kind, id, payload.Replace("q-course", course, StringComparison.Ordinal), "2025-06-01T10:00:00Z"));

        var report = await host.DrainAsync();

        Assert.Equal((1, 0, 0), (report.SucceededCount, report.FailedCount, report.PoisonedCount));
        var parked = Assert.Single(await host.Get<IParkedStore>().ListAsync(ParkCategories.Invalid, CancellationToken.None), p => p.MessageId == id);
        Assert.Contains(field, parked.Reason, StringComparison.Ordinal);
        // No aggregate was written for the course, whatever the forged course id or learner became.
        var rows = host.Get<Azure.Data.Tables.TableServiceClient>().GetTableClient(Infrastructure.Storage.TableNames.Attempts)
            .QueryAsync<Azure.Data.Tables.TableEntity>($"CourseId ge '{course}' and CourseId lt '{course}~'");
        await foreach (var row in rows)
            Assert.Fail($"the forged {kind} was applied to {row.GetString("CourseId")}");
    }

    [Fact]
    public async Task QueuedMessage_ReceivedInTheFuture_IsParkedAsInvalidNeverApplied()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        await host.Queue.SendMessageAsync(Envelope("launch", "forged-received", GoodLaunchMessage.Replace("q-course", "q-course-received", StringComparison.Ordinal), "2099-01-01T00:00:00Z"));

        var report = await host.DrainAsync();

        Assert.Equal((1, 0, 0), (report.SucceededCount, report.FailedCount, report.PoisonedCount));
        var parked = Assert.Single(await host.Get<IParkedStore>().ListAsync(ParkCategories.Invalid, CancellationToken.None), p => p.MessageId == "forged-received");
        Assert.Contains("receivedAt", parked.Reason, StringComparison.Ordinal);
        Assert.Empty(await host.StatsRowsAsync("q-course-received"));
    }

    [Fact]
    public async Task QueuedCompletion_CarryingItsOwnDurationMinutes_IsTimedWithTheCataloguesDurationNotTheMessages()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        const string course = "q-course-duration";
        await host.PostCourseAsync($$"""{"courseId":"{{course}}","durationMinutes":300}""");
        await host.PostLaunchAsync("qd-a", "duration@example.com", course, "web", "2025-06-01T08:00:00Z");
        await host.DrainAsync();
        var forged = System.Text.Json.Nodes.JsonNode.Parse(GoodCompletionMessage)!.AsObject();
        forged["courseId"] = course;
        forged["email"] = "duration@example.com";
        forged["completedAt"] = "2025-06-01T12:30:00+00:00";
        forged["durationMinutes"] = 1;
        await host.Queue.SendMessageAsync(Envelope("completion", "forged-duration", forged.ToJsonString(), "2025-06-01T12:31:00Z"));

        await host.DrainAsync();

        var attempt = Assert.Single(await host.AttemptsAsync("duration@example.com", course));
        Assert.Equal((Core.Attempts.AttemptStatus.Completed, 4 * 3_600_000L + 1_800_000L), (attempt.Status, attempt.TimeSpentMs));
    }

    private static string Envelope(string kind, string id, string payloadJson, string receivedAt) => new System.Text.Json.Nodes.JsonObject
    {
        ["kind"] = kind,
        ["schemaVersion"] = EventEnvelope.CurrentSchemaVersion,
        ["id"] = id,
        ["receivedAt"] = receivedAt,
        ["payload"] = System.Text.Json.Nodes.JsonNode.Parse(payloadJson),
    }.ToJsonString();

    private static string ReplaceField(string json, string field, string? valueJson)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        node.Remove(field);
        if (valueJson is not null) node[field] = System.Text.Json.Nodes.JsonNode.Parse(valueJson);
        return node.ToJsonString();
    }
}
