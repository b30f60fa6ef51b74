using System.Text;
using System.Text.Json.Nodes;
using Go1Sync.Core.Security;
using WireMock.RequestBuilders;

namespace Go1Sync.Functions.Tests;

/// <summary>
/// A signed completion is never refused for its optional fields: a malformed one is left out of the
/// queued message, named in the delivery log, and fetched from Go1 (WireMock) when the event is
/// processed. Real Azurite; each case has its own queue, learner and enrolment.
/// </summary>
public sealed class WebhookToleranceTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>, IDisposable
{
    private const string Secret = "tolerance-secret-0123456789";
    private const string Course = "c-tol";
    private const int DurationMinutes = 600;
    private readonly Go1Stub _go1 = new();
    private readonly Go1Sync.Testing.CapturingLoggerProvider _logs = new();

    public void Dispose() => _go1.Dispose();

    // What the webhook says, and what Go1's enrolment says: different, so each value's origin shows.
    private static readonly DateTimeOffset PayloadStart = DateTimeOffset.Parse("2025-10-01T08:00:00Z");
    private static readonly DateTimeOffset PayloadEnd = DateTimeOffset.Parse("2025-10-01T09:00:00Z");
    private static readonly DateTimeOffset Go1Start = DateTimeOffset.Parse("2025-10-01T07:30:00Z");
    private static readonly DateTimeOffset Go1End = DateTimeOffset.Parse("2025-10-01T08:50:00Z");
    private const bool PayloadPass = true, Go1Pass = false;
    private const int PayloadScore = 80, Go1Score = 73;

    private Task<Go1SyncTestHost> HostAsync(bool withGo1 = true) => Go1SyncTestHost.StartAsync(storage.Azurite, s =>
    {
        if (withGo1)
            foreach (var (k, v) in _go1.Settings()) s[k] = v;
        s["Webhook:AllowUnsigned"] = "false";
        s["Webhook:Secrets:0"] = Secret;
    }, services => services.AddLogging(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace)));

    private static string Email(string key) => $"tol.{key}@example.com";

    private static JsonObject Payload(string key) => new()
    {
        ["id"] = $"enr-tol-{key}", ["lo_id"] = Course, ["user_account_id"] = $"u-tol-{key}", ["email"] = Email(key), ["status"] = "completed",
        ["pass"] = PayloadPass, ["result"] = PayloadScore, ["start_date"] = Iso(PayloadStart), ["end_date"] = Iso(PayloadEnd),
    };

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<HttpAnswer> PostSignedAsync(Go1SyncTestHost host, string key, JsonObject data)
    {
        var body = new JsonObject { ["id"] = $"evt-tol-{key}", ["event_type"] = "enrollment.complete", ["webhook_version"] = "3.0.0", ["data"] = data }.ToJsonString();
        var signature = WebhookSignature.Sign(Encoding.UTF8.GetBytes(body), Secret, DateTimeOffset.UtcNow);
        return await host.PostWebhookAsync(body, new Dictionary<string, string> { [WebhookSignature.HeaderName] = signature });
    }

    private void GivenGo1Knows(string key)
    {
        _go1.GivenToken();
        _go1.Server.Given(Request.Create().WithPath($"/enrollments/enr-tol-{key}").UsingGet()).RespondWith(Go1Stub.Json(new JsonObject
        {
            ["id"] = $"enr-tol-{key}", ["user_account_id"] = $"u-tol-{key}", ["lo_id"] = Course, ["status"] = "completed",
            ["pass"] = Go1Pass, ["result"] = Go1Score, ["start_date"] = Iso(Go1Start), ["end_date"] = Iso(Go1End),
        }.ToJsonString()));
        _go1.Server.Given(Request.Create().WithPath($"/users/u-tol-{key}").UsingGet())
            .RespondWith(Go1Stub.Json(new JsonObject { ["id"] = $"u-tol-{key}", ["email"] = Email(key) }.ToJsonString()));
    }

    private const string PrivateMalformedEmail = "tol.private.person@@example";

    /// <summary>key, the JSON field, its malformed value (null: the case changes the payload itself), the CompletionMessage fields Go1 must supply.</summary>
    public static TheoryData<string, string, string?, string[]> MalformedOptionalFields() => new()
    {
        { "score-range", "result", "150", [CompletionFields.Score] },
        { "score-text", "result", "\"eighty\"", [CompletionFields.Score] },
        { "score-fraction", "result", "80.5", [CompletionFields.Score] },
        { "start-no-offset", "start_date", "\"2025-10-01T08:00:00\"", [CompletionFields.StartedAt] },
        { "start-unparseable", "start_date", "\"yesterday\"", [CompletionFields.StartedAt] },
        { "start-future", "start_date", "\"2099-01-01T00:00:00Z\"", [CompletionFields.StartedAt] },
        { "end-no-offset", "end_date", "\"2025-10-01 09:00\"", [CompletionFields.CompletedAt] },
        { "end-unparseable", "end_date", "\"2025-10-01T25:61:00Z\"", [CompletionFields.CompletedAt] },
        { "end-future", "end_date", "\"2099-01-01T00:00:00Z\"", [CompletionFields.CompletedAt] },
        { "end-before-start", "end_date", null, [CompletionFields.StartedAt, CompletionFields.CompletedAt] },
        { "pass-text", "pass", "\"yes\"", [CompletionFields.Passed] },
        { "email", "email", $"\"{PrivateMalformedEmail}\"", [CompletionFields.Email] },
        { "lo-id", "lo_id", "{\"id\":7}", [CompletionFields.CourseId] },
        { "user-id", "user_account_id", "[]", [CompletionFields.Go1UserId] },
        { "status", "status", "{}", [CompletionFields.Status] },
    };

    [Theory]
    [MemberData(nameof(MalformedOptionalFields))]
    public async Task SignedCompletionWithAMalformedOptionalField_IsQueuedWithoutItAndLogged_AndProcessingTakesItFromGo1(
        string key, string field, string? malformed, string[] refetched)
    {
        GivenGo1Knows(key);
        await using var host = await HostAsync();
        await host.PostCourseAsync($$"""{"courseId":"{{Course}}","durationMinutes":{{DurationMinutes}}}""");
        var data = Payload(key);
        if (malformed is not null) data[field] = JsonNode.Parse(malformed);
        else data["start_date"] = Iso(PayloadEnd.AddHours(1)); // end before start
        if (field == "user_account_id") data.Remove("email"); // the user id is only needed without an email

        var answer = await PostSignedAsync(host, key, data);

        Assert.Equal(202, answer.Status);
        var envelope = EventEnvelope.FromJson((await host.Queue.PeekMessageAsync()).Value.Body.ToString());
        var queued = envelope.Payload;
        foreach (var name in refetched)
            Assert.False(queued.TryGetProperty(name, out _), $"the queued message still carries {name}: {queued}");
        Assert.Equal(refetched, queued.GetProperty("refetch").EnumerateArray().Select(e => e.GetString()!));
        // The receipt travels in the message (issue #14); the processor writes it with the outcome.
        var receipt = envelope.DeliveryReceipt()!;
        Assert.Equal(202, receipt.HttpStatus);
        Assert.Equal("valid", receipt.Signature);
        Assert.Contains("data." + field, receipt.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("@", receipt.Detail, StringComparison.Ordinal);

        var report = await host.DrainAsync();

        Assert.Equal((1, 0), (report.SucceededCount, report.FailedCount));
        Assert.Single(_go1.Requests($"/enrollments/enr-tol-{key}"));
        bool Fetched(string name) => refetched.Contains(name);
        var start = Fetched(CompletionFields.StartedAt) ? Go1Start : PayloadStart;
        var end = Fetched(CompletionFields.CompletedAt) ? Go1End : PayloadEnd;
        var expected = (AttemptStatus.Completed,
            Fetched(CompletionFields.Passed) ? AttemptResult.Failed : AttemptResult.Success,
            (int?)(Fetched(CompletionFields.Score) ? Go1Score : PayloadScore),
            start, (DateTimeOffset?)end, (long)(end - start).TotalMilliseconds);
        var attempt = Assert.Single(await host.AttemptsAsync(Email(key), Course));
        Assert.Equal(expected, (attempt.Status, attempt.Result, attempt.Score, attempt.FirstActivityAt, attempt.CompletedAt, attempt.TimeSpentMs));
        var processed = Assert.Single(await host.Get<IDeliveryLog>().FindAsync(new DeliveryQuery(DateTimeOffset.UtcNow.AddHours(-1), EnrolmentId: $"enr-tol-{key}"), CancellationToken.None));
        Assert.Equal("applied", processed.Outcome);
        Assert.Contains("data." + field, processed.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(_logs.Lines, l => l.Contains(Email(key), StringComparison.OrdinalIgnoreCase) || l.Contains(PrivateMalformedEmail, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task SignedCompletionWithAMalformedScore_WithoutAGo1Api_IsAcceptedThenParkedAsUnmatchedNamingTheScoreNeverAppliedWithoutIt()
    {
        await using var host = await HostAsync(withGo1: false);
        var data = Payload("no-go1");
        data["result"] = 150;

        Assert.Equal(202, (await PostSignedAsync(host, "no-go1", data)).Status);
        var report = await host.DrainAsync();

        Assert.Equal((1, 0), (report.SucceededCount, report.FailedCount));
        Assert.Empty(await host.AttemptsAsync(Email("no-go1"), Course));
        var parked = Assert.Single(await host.Get<IParkedStore>().ListAsync(null, CancellationToken.None), p => p.MessageId == "go1:evt-tol-no-go1");
        Assert.Equal(ParkCategories.Unmatched, parked.Category);
        Assert.Contains("the score (sent malformed, left out)", parked.Reason, StringComparison.Ordinal);
        var record = Assert.Single(await host.Get<IDeliveryLog>().FindAsync(new DeliveryQuery(DateTimeOffset.UtcNow.AddHours(-1), EnrolmentId: "enr-tol-no-go1"), CancellationToken.None));
        Assert.Equal("parked", record.Outcome);
        Assert.Contains("data.result", record.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignedCompletionWithSeveralMalformedOptionalFields_AsksGo1Once_AndTakesThemAllFromIt()
    {
        GivenGo1Knows("several");
        await using var host = await HostAsync();
        await host.PostCourseAsync($$"""{"courseId":"{{Course}}","durationMinutes":{{DurationMinutes}}}""");
        var data = Payload("several");
        data["result"] = "n/a";
        data["pass"] = "maybe";
        data["end_date"] = "2025-10-01T09:00:00";

        Assert.Equal(202, (await PostSignedAsync(host, "several", data)).Status);
        await host.DrainAsync();

        var attempt = Assert.Single(await host.AttemptsAsync(Email("several"), Course));
        Assert.Equal((AttemptResult.Failed, (int?)Go1Score, (DateTimeOffset?)Go1End, PayloadStart), (attempt.Result, attempt.Score, attempt.CompletedAt, attempt.FirstActivityAt));
        Assert.Single(_go1.Requests("/enrollments/enr-tol-several"));
        var record = Assert.Single(await host.Get<IDeliveryLog>().FindAsync(new DeliveryQuery(DateTimeOffset.UtcNow.AddHours(-1), EnrolmentId: "enr-tol-several"), CancellationToken.None));
        foreach (var field in new[] { "data.result", "data.pass", "data.end_date" })
            Assert.Contains(field, record.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnsignedCompletionWithAMalformedOptionalField_IsStill401_TheToleranceIsForSignedDeliveriesOnly()
    {
        await using var host = await HostAsync();
        var data = Payload("unsigned");
        data["result"] = 150;
        var body = new JsonObject { ["id"] = "evt-tol-unsigned", ["event_type"] = "enrollment.complete", ["data"] = data }.ToJsonString();

        var answer = await host.PostWebhookAsync(body);

        Assert.Equal(401, answer.Status);
        Assert.Equal(0, await host.QueueLengthAsync());
    }
}
