using System.Text;
using Azure.Data.Tables;
using Go1Sync.Core.Security;

namespace Go1Sync.Functions.Tests;

/// <summary>Nothing is lost: poison and parked messages can be listed and replayed, and apply exactly once.</summary>
public sealed class OperationsTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task PoisonMessage_ListedThenReplayedAfterTheCauseIsFixed_IsAppliedExactlyOnce()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        const string email = "poisoned@example.com";
        const string course = "ops-course-1";
        var key = LearnerCourseKey.For(host.Ids, email, course);
        var attempts = host.Get<TableServiceClient>().GetTableClient(TableNames.Attempts);
        await attempts.AddEntityAsync(new TableEntity(key.LearnerHash, key.CourseKey) { ["Format"] = "unreadable" });

        await host.PostLaunchAsync("ops-a", email, course, "web", "2025-07-01T08:00:00Z");
        for (var i = 0; i < HostJson.MaxDequeueCount && await host.QueueLengthAsync() > 0; i++)
            await host.DrainAsync();
        var operations = host.Get<MessageOperations>();
        var listed = Assert.Single(await operations.ListPoisonAsync(100, CancellationToken.None));
        Assert.Contains("ops-a", listed.Body);
        Assert.Single(await operations.ListPoisonAsync(100, CancellationToken.None)); // listing hides nothing

        await attempts.DeleteEntityAsync(key.LearnerHash, key.CourseKey); // the operator fixes the cause
        Assert.Equal(1, await operations.ReplayPoisonAsync(null, 100, CancellationToken.None));
        Assert.Equal(0, await operations.ReplayPoisonAsync(null, 100, CancellationToken.None));
        // A replayed copy delivered twice still has one effect.
        var replayed = (await host.Queue.PeekMessageAsync()).Value;
        await host.Queue.SendMessageAsync(replayed.Body);
        await host.DrainAsync();

        var attempt = Assert.Single(await host.AttemptsAsync(email, course));
        Assert.Equal(("ops-a", AttemptStatus.Open), (attempt.AttemptId, attempt.Status));
        Assert.Equal(0, await host.QueueLengthAsync(host.Poison));
    }

    [Fact]
    public async Task UnmatchedCompletion_IsParked_ThenReplayedOnceTheLearnerHasLaunchedAndCompletesThatAttempt()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite, s => s["Processing:OnlyKnownLearners"] = "true");
        const string email = "unknown-yet@example.com";
        const string course = "ops-course-2";
        await host.PostCompletionAsync("ops-enr", email, course, "2025-07-02T10:00:00Z", passed: true);
        await host.DrainAsync();
        Assert.Empty(await host.AttemptsAsync(email, course));
        var parked = Assert.Single(await host.Get<MessageOperations>().ListParkedAsync(ParkCategories.Unmatched, CancellationToken.None), p => p.Id == "go1:evt-ops-enr");
        Assert.Contains("never launched", parked.Reason);

        await host.PostLaunchAsync("ops-b", email, course, "web", "2025-07-02T09:00:00Z");
        await host.DrainAsync();
        Assert.Equal(1, await host.Get<MessageOperations>().ReplayParkedAsync(ParkCategories.Unmatched, "go1:evt-ops-enr", CancellationToken.None));
        await host.DrainAsync();

        var attempt = Assert.Single(await host.AttemptsAsync(email, course));
        Assert.Equal(("ops-b", AttemptStatus.Completed), (attempt.AttemptId, attempt.Status));
        Assert.DoesNotContain(await host.Get<IParkedStore>().ListAsync(ParkCategories.Unmatched, CancellationToken.None), p => p.MessageId == "go1:evt-ops-enr");
    }

    [Fact]
    public async Task OpsEndpoints_PoisonMessages_AreListedAndReplayed()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        await host.Poison.SendMessageAsync(EventEnvelope.ForLaunch(
            new LaunchMessage("ops-c", "ops-http@example.com", "ops-course-3", Platform.Web, DateTimeOffset.Parse("2025-07-03T08:00:00Z")), "ops-c-id", DateTimeOffset.UtcNow).ToJson());
        var functions = host.Function<Go1Sync.Functions.Functions.OperationsFunctions>();

        var list = await Go1SyncTestHost.InvokeAsync(r => functions.ListPoison(r, CancellationToken.None), "");
        Assert.Equal(200, list.Status);
        Assert.Equal(1, JsonDocument.Parse(list.Body).RootElement.GetArrayLength());
        var replay = await Go1SyncTestHost.InvokeAsync(r => functions.ReplayPoison(r, CancellationToken.None), "");
        Assert.Equal(1, JsonDocument.Parse(replay.Body).RootElement.GetProperty("replayed").GetInt32());
        await host.DrainAsync();
        Assert.Single(await host.AttemptsAsync("ops-http@example.com", "ops-course-3"));
    }

    [Fact]
    public async Task Logs_OfAFullRun_NeverContainALearnersEmailOrASecret()
    {
        const string secret = "log-test-secret-0123456789";
        var capture = new CapturingLoggerProvider();
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite,
            s => { s["Webhook:AllowUnsigned"] = "false"; s["Webhook:Secrets:0"] = secret; },
            services => services.AddLogging(b => b.AddProvider(capture).SetMinimumLevel(LogLevel.Trace)));
        string[] emails = ["Private.Person@Example.com", "second.learner@example.org"];
        const string course = "log-course";
        await host.PostCourseAsync($$"""{"courseId":"{{course}}","durationMinutes":60}""");
        foreach (var email in emails)
            await host.PostLaunchAsync($"log-{email[..4]}", email, course, "web", "2025-08-01T08:00:00Z");
        foreach (var (email, i) in emails.Select((e, i) => (e, i)))
        {
            var body = new System.Text.Json.Nodes.JsonObject
            {
                ["id"] = $"log-evt-{i}",
                ["event_type"] = "enrollment.complete",
                ["data"] = new System.Text.Json.Nodes.JsonObject { ["id"] = $"log-enr-{i}", ["lo_id"] = course, ["email"] = email, ["pass"] = true, ["end_date"] = "2025-08-01T09:00:00Z" },
            }.ToJsonString();
            await host.PostWebhookAsync(body, new Dictionary<string, string> { [WebhookSignature.HeaderName] = WebhookSignature.Sign(Encoding.UTF8.GetBytes(body), secret, DateTimeOffset.UtcNow) });
        }
        await host.PostWebhookAsync("""{"id":"log-bad","event_type":"enrollment.complete","data":{"id":"x"}}""",
            new Dictionary<string, string> { [WebhookSignature.HeaderName] = "t=1,v1=" + new string('0', 64) });
        await host.DrainAsync();
        // A failing message too: its error path logs as well.
        var key = LearnerCourseKey.For(host.Ids, emails[0], "log-course-broken");
        await host.Get<TableServiceClient>().GetTableClient(TableNames.Attempts).AddEntityAsync(new TableEntity(key.LearnerHash, key.CourseKey) { ["Format"] = "x" });
        await host.PostLaunchAsync("log-broken", emails[0], "log-course-broken", "web", "2025-08-01T08:00:00Z");
        await host.DrainAsync();

        Assert.Equal(2, (await host.AttemptsAsync(emails[0], course)).Concat(await host.AttemptsAsync(emails[1], course)).Count(a => a.Status == AttemptStatus.Completed));
        var lines = capture.Lines.ToList();
        Assert.NotEmpty(lines);
        Assert.Contains(lines, l => l.Contains("p***@example.com", StringComparison.Ordinal));
        foreach (var line in lines)
        {
            foreach (var email in emails)
                Assert.DoesNotContain(LearnerEmail.Normalize(email), line.ToLowerInvariant(), StringComparison.Ordinal);
            Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task LogLines_WithValuesFromGo1AndTheQueueHoldingCrLf_StayOneLineEach()
    {
        using var go1 = new Go1Stub();
        go1.GivenToken();
        go1.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath("/enrollments/enr-crlf").UsingGet())
            .RespondWith(Go1Stub.Json(new System.Text.Json.Nodes.JsonObject
            {
                ["id"] = "enr-crlf", ["status"] = "in-progress\r\n[Critical] FORGED by go1", ["lo_id"] = "crlf-course", ["user_account_id"] = "u-crlf",
            }.ToJsonString()));
        var capture = new CapturingLoggerProvider();
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite, s => { foreach (var (k, v) in go1.Settings()) s[k] = v; },
            services => services.AddLogging(b => b.AddProvider(capture).SetMinimumLevel(LogLevel.Trace)));

        Assert.Equal(202, (await host.PostWebhookAsync("""{"id":"evt-crlf","event_type":"enrollment.complete","data":{"id":"enr-crlf"}}""")).Status);
        await host.Queue.SendMessageAsync(new System.Text.Json.Nodes.JsonObject
        {
            ["kind"] = "teleport\r\n[Critical] FORGED by the queue", ["schemaVersion"] = EventEnvelope.CurrentSchemaVersion, ["id"] = "evt-crlf-kind",
            ["receivedAt"] = "2025-08-01T08:00:00Z", ["payload"] = new System.Text.Json.Nodes.JsonObject(),
        }.ToJsonString());
        var report = await host.DrainAsync();

        Assert.Equal(2, report.SucceededCount);
        var lines = capture.Lines.ToList();
        Assert.Contains(lines, l => l.Contains("[Critical] FORGED by go1", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("[Critical] FORGED by the queue", StringComparison.Ordinal));
        foreach (var line in lines)
        {
            Assert.DoesNotContain("\n[Critical] FORGED", line, StringComparison.Ordinal);
            Assert.DoesNotContain("\r[Critical] FORGED", line, StringComparison.Ordinal);
        }
    }

    /// <summary>Deliveries of one learner (a recent and an old one) and of another, recorded with learner ids as the intake records them.</summary>
    private static async Task<(string Recent, string Old, string Other)> RecordDeliveriesAsync(Go1SyncTestHost host, string email, string prefix)
    {
        var log = host.Get<IDeliveryLog>();
        var now = DateTimeOffset.UtcNow;
        var ids = ($"{prefix}-recent", $"{prefix}-old", $"{prefix}-other");
        await log.RecordReceiptAsync(new DeliveryReceipt(ids.Item1, "launch", null, now.AddHours(-2), "n/a", 202, LearnerHash: host.Ids.Id(email)), CancellationToken.None);
        await log.RecordReceiptAsync(new DeliveryReceipt(ids.Item2, "launch", null, now.AddDays(-3), "n/a", 202, LearnerHash: host.Ids.Id(email)), CancellationToken.None);
        await log.RecordReceiptAsync(new DeliveryReceipt(ids.Item3, "launch", null, now.AddHours(-2), "n/a", 202, LearnerHash: host.Ids.Id("someone.else@example.com")), CancellationToken.None);
        return ids;
    }

    private static string[] Identities(HttpAnswer answer) =>
        JsonDocument.Parse(answer.Body).RootElement.EnumerateArray().Select(r => r.GetProperty("identity").GetString()!).Order(StringComparer.Ordinal).ToArray();

    private static void AssertProblemNaming(HttpAnswer answer, string field, string detailMentions)
    {
        Assert.Equal(400, answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
        var errors = JsonDocument.Parse(answer.Body).RootElement.GetProperty("errors");
        Assert.Equal([field], errors.EnumerateObject().Select(e => e.Name));
        Assert.Contains(detailMentions, errors.GetProperty(field)[0].GetString()!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LookupDeliveries_EmailInTheBody_ListsThatLearnersDeliveriesSinceAsTheGetByHashDoes()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        const string email = "Where.Is@Example.com";
        var (recent, _, _) = await RecordDeliveriesAsync(host, email, "lookup");
        var since = DateTimeOffset.UtcNow.AddDays(-1).ToString("O");
        var functions = host.Function<OperationsFunctions>();

        var byEmail = await Go1SyncTestHost.InvokeAsync(r => functions.LookupDeliveries(r, CancellationToken.None), $$"""{"email":" {{email}} ","since":"{{since}}"}""");
        var byHash = await Go1SyncTestHost.GetAsync(r => functions.ListDeliveries(r, CancellationToken.None), $"?since={Uri.EscapeDataString(since)}&learner={host.Ids.Id(email)}");

        Assert.Equal(200, byEmail.Status);
        Assert.Equal([recent], Identities(byEmail));
        Assert.Equal(byHash.Body, byEmail.Body);
    }

    [Fact]
    public async Task LookupDeliveries_WithoutSince_ListsTheLast24Hours()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var (recent, _, _) = await RecordDeliveriesAsync(host, "last.day@example.com", "lookup-day");
        var answer = await Go1SyncTestHost.InvokeAsync(r => host.Function<OperationsFunctions>().LookupDeliveries(r, CancellationToken.None), """{"email":"last.day@example.com"}""");
        Assert.Equal(200, answer.Status);
        Assert.Equal([recent], Identities(answer));
    }

    [Theory]
    [InlineData("""{"since":"2025-01-01T00:00:00Z"}""", "email", "email address")]
    [InlineData("""{"email":"not-an-email","since":"2025-01-01T00:00:00Z"}""", "email", "email address")]
    [InlineData("""{"email":"a@example.com","since":"yesterday"}""", "since", "ISO-8601")]
    [InlineData("""{"email":"a@example.com","since":20250101}""", "since", "string")]
    [InlineData("""{"email":"a@example.com","enrolment":42}""", "enrolment", "string")]
    public async Task LookupDeliveries_BadBody_Is400NamingTheField(string body, string field, string says)
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var answer = await Go1SyncTestHost.InvokeAsync(r => host.Function<OperationsFunctions>().LookupDeliveries(r, CancellationToken.None), body);
        AssertProblemNaming(answer, field, says);
    }

    [Theory]
    [InlineData("?since=2025-01-01T00:00:00Z&email=where.is%40example.com", "email")]
    [InlineData("?email=", "email")]
    [InlineData("?learner=where.is%40example.com", "learner")]
    public async Task ListDeliveries_EmailInTheQuery_Is400NamingTheParameterAndPointingToThePost(string query, string parameter)
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var answer = await Go1SyncTestHost.GetAsync(r => host.Function<OperationsFunctions>().ListDeliveries(r, CancellationToken.None), query);
        AssertProblemNaming(answer, parameter, "POST it in a JSON body");
        Assert.Contains("/api/ops/deliveries/lookup", answer.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("where.is", answer.Body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ListDeliveries_LearnerNeitherLearnerIdNorEmail_Is400NamingLearner()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var answer = await Go1SyncTestHost.GetAsync(r => host.Function<OperationsFunctions>().ListDeliveries(r, CancellationToken.None), "?learner=ABC");
        AssertProblemNaming(answer, "learner", "a learner id (64 lower-case hex digits");
    }
}
