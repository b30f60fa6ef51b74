using System.Text.Json;
using System.Text.Json.Nodes;
using Go1Sync.Core.Intake;
using Go1Sync.Core.Processing;

namespace Go1Sync.Core.Tests;

/// <summary>
/// What a Go1 webhook must carry (event type, data object, a usable enrolment id) and what it may
/// get wrong: malformed optional fields are left out, named, and asked of Go1, never refused.
/// </summary>
public sealed class Go1WebhookIntakeTests
{
    private static readonly DateTimeOffset Now = At.Utc(10, 2, 12, year: 2025);

    private static JsonObject Data() => new()
    {
        ["id"] = "enr-1", ["lo_id"] = "lo-1", ["user_account_id"] = "u-1", ["email"] = "ada@example.com", ["status"] = "completed",
        ["pass"] = true, ["result"] = 80, ["start_date"] = "2025-10-01T08:00:00Z", ["end_date"] = "2025-10-01T09:00:00Z",
    };

    private static Validated<WebhookDelivery> Read(JsonObject data, string eventType = Go1WebhookIntake.CompletionEventType)
    {
        var body = new JsonObject { ["id"] = "evt-1", ["event_type"] = eventType, ["data"] = data };
        return Go1WebhookIntake.Read(JsonDocument.Parse(body.ToJsonString()).RootElement, Now);
    }

    private static JsonObject With(string field, JsonNode? value)
    {
        var data = Data();
        data[field] = value;
        return data;
    }

    [Fact]
    public void WellFormedCompletion_IsReadWhole_WithNothingDroppedOrRefetched()
    {
        var read = Read(Data());

        Assert.True(read.IsValid);
        var c = read.Value!.Completion!;
        Assert.Equal(("enr-1", "lo-1", "u-1", "ada@example.com", true, 80), (c.EnrolmentId, c.CourseId, c.Go1UserId, c.Email, c.Passed!.Value, c.Score!.Value));
        Assert.Null(c.Refetch);
        Assert.Empty(read.Value.Dropped);
        Assert.Null(read.Value.DroppedDetail());
    }

    public static TheoryData<string, string, string> MalformedOptionalFields() => new()
    {
        // field, malformed value (JSON), the CompletionMessage field Go1 must supply
        { "result", "150", CompletionFields.Score },
        { "result", "-1", CompletionFields.Score },
        { "result", "\"80\"", CompletionFields.Score },
        { "result", "80.5", CompletionFields.Score },
        { "start_date", "\"2025-10-01T08:00:00\"", CompletionFields.StartedAt },
        { "start_date", "\"yesterday\"", CompletionFields.StartedAt },
        { "start_date", "\"2099-01-01T00:00:00Z\"", CompletionFields.StartedAt },
        { "end_date", "\"2025-10-01 09:00\"", CompletionFields.CompletedAt },
        { "end_date", "\"2025-13-45T09:00:00Z\"", CompletionFields.CompletedAt },
        { "end_date", "\"2099-01-01T00:00:00Z\"", CompletionFields.CompletedAt },
        { "end_date", "1759309200", CompletionFields.CompletedAt },
        { "pass", "\"yes\"", CompletionFields.Passed },
        { "pass", "2", CompletionFields.Passed },
        { "email", "\"ada.lovelace@@example\"", CompletionFields.Email },
        { "email", "42", CompletionFields.Email },
        { "lo_id", "{}", CompletionFields.CourseId },
        { "lo_id", "\"lo\\u0001x\"", CompletionFields.CourseId },
        { "status", "[]", CompletionFields.Status },
    };

    /// <summary>The processor reads every queued completion again with intake's rules: what intake queues must pass them unchanged.</summary>
    [Theory]
    [MemberData(nameof(MalformedOptionalFields))]
    [InlineData("id", "\"enr-1\"", "")]
    public void QueuedCompletion_AsTheWebhookIntakeWritesIt_PassesTheDequeueValidatorUnchanged(string field, string json, string refetched)
    {
        var completion = Read(With(field, JsonNode.Parse(json))).Value!.Completion!;
        Assert.Equal(refetched.Length > 0, completion.Refetch is not null);
        var queued = EventEnvelope.FromJson(EventEnvelope.ForCompletion(completion, "go1:evt-1", Now).ToJson());

        var dequeued = CompletionMessageIntake.Read(queued.Payload, Now.AddMinutes(1));

        Assert.True(dequeued.IsValid, string.Join(" ", dequeued.Errors.ToDictionary().SelectMany(e => e.Value)));
        Assert.Equal(JsonSerializer.Serialize(completion, QueueJson.Options), JsonSerializer.Serialize(dequeued.Value, QueueJson.Options));
    }

    [Fact]
    public void QueuedCompletion_AsTheReplayIntakeWritesIt_PassesTheDequeueValidatorUnchanged()
    {
        var line = JsonDocument.Parse("""{"type":"completion","enrolmentId":"r-1","email":"ada@example.com","courseId":"lo-1","completedAt":"2025-10-01T09:00:00Z","passed":false,"score":40,"startedAt":"2025-10-01T08:00:00Z"}""").RootElement;
        var completion = ReplayCompletionIntake.Read(line, Now).Value!;
        var queued = EventEnvelope.FromJson(EventEnvelope.ForCompletion(completion, "replay:completion:r-1", Now).ToJson());

        var dequeued = CompletionMessageIntake.Read(queued.Payload, Now);

        Assert.True(dequeued.IsValid);
        Assert.Equal(JsonSerializer.Serialize(completion, QueueJson.Options), JsonSerializer.Serialize(dequeued.Value, QueueJson.Options));
    }

    [Theory]
    [MemberData(nameof(MalformedOptionalFields))]
    public void MalformedOptionalField_IsLeftOutNamedAndRefetched_NotRefused(string field, string json, string refetched)
    {
        var read = Read(With(field, JsonNode.Parse(json)));

        Assert.True(read.IsValid, string.Join(",", read.Errors.ToDictionary().Keys));
        Assert.False(read.Errors.Any);
        var completion = read.Value!.Completion!;
        Assert.Equal([refetched], completion.Refetch);
        var queued = JsonSerializer.SerializeToElement(completion, QueueJson.Options);
        Assert.False(queued.TryGetProperty(refetched, out _), $"the queued message still carries {refetched}");
        Assert.True(read.Value.Dropped.ContainsKey("data." + field));
        var detail = read.Value.DroppedDetail()!;
        Assert.Contains("data." + field, detail, StringComparison.Ordinal);
        Assert.Contains("fetched from Go1 instead: " + refetched, detail, StringComparison.Ordinal);
    }

    [Fact]
    public void EndBeforeStart_DropsBothDates_SinceNothingSaysWhichIsWrong()
    {
        var data = Data();
        data["start_date"] = "2025-10-01T10:00:00Z";

        var read = Read(data);

        Assert.True(read.IsValid);
        var c = read.Value!.Completion!;
        Assert.Equal((null, null), (c.StartedAt, c.CompletedAt));
        Assert.Equal([CompletionFields.StartedAt, CompletionFields.CompletedAt], c.Refetch);
        Assert.Contains("'end_date' is before 'start_date'", read.Value.DroppedDetail(), StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedEmail_Dropped_NeverAppearsInTheDetail()
    {
        const string malformed = "private.person@@example.com";

        var read = Read(With("email", malformed));

        Assert.True(read.IsValid);
        Assert.DoesNotContain("private.person", read.Value!.DroppedDetail(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("private.person", string.Join(" ", read.Value.Dropped.SelectMany(d => d.Value)), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void MalformedEmail_WithAUsableUserEmail_IsDroppedButNotRefetched()
    {
        var data = With("email", "nobody");
        data["user"] = new JsonObject { ["email"] = "ada@example.com" };

        var read = Read(data);

        Assert.Equal("ada@example.com", read.Value!.Completion!.Email);
        Assert.Null(read.Value.Completion.Refetch);
        Assert.True(read.Value.Dropped.ContainsKey("data.email"));
    }

    [Fact]
    public void MalformedUserIdWithAnEmail_IsDroppedButNotRefetched_TheEmailIsTheLearner()
    {
        var read = Read(With("user_account_id", new JsonArray()));

        Assert.Null(read.Value!.Completion!.Refetch);
        Assert.Null(read.Value.Completion.Go1UserId);
        Assert.True(read.Value.Dropped.ContainsKey("data.user_account_id"));
    }

    [Fact]
    public void MalformedUserId_WithoutAnEmail_IsRefetched()
    {
        var data = With("user_account_id", new JsonArray());
        data.Remove("email");

        var read = Read(data);

        Assert.Equal([CompletionFields.Go1UserId], read.Value!.Completion!.Refetch);
    }

    [Fact]
    public void MalformedOptionalFields_Several_AreAllNamed()
    {
        var data = With("result", 101);
        data["pass"] = "no";

        var read = Read(data);

        Assert.Equal([CompletionFields.Passed, CompletionFields.Score], read.Value!.Completion!.Refetch);
        Assert.Equal(["data.pass", "data.result"], read.Value.Dropped.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void MalformedDeliveryId_IsDropped_AndTheEnrolmentIdNamesTheDelivery()
    {
        var body = new JsonObject { ["id"] = new JsonObject(), ["event_type"] = Go1WebhookIntake.CompletionEventType, ["data"] = Data() };

        var read = Go1WebhookIntake.Read(JsonDocument.Parse(body.ToJsonString()).RootElement, Now);

        Assert.True(read.IsValid);
        Assert.Null(read.Value!.DeliveryId);
        Assert.True(read.Value.Dropped.ContainsKey("id"));
        Assert.Null(read.Value.Completion!.Refetch);
    }

    [Theory]
    [InlineData("""{"id":"e1","data":{"id":"1"}}""", "event_type")]
    [InlineData("""{"id":"e1","event_type":{},"data":{"id":"1"}}""", "event_type")]
    [InlineData("""{"id":"e1","event_type":"enrollment.complete"}""", "data")]
    [InlineData("""{"id":"e1","event_type":"enrollment.complete","data":[{"id":"1"}]}""", "data")]
    [InlineData("""{"id":"e1","event_type":"enrollment.complete","data":"1"}""", "data")]
    [InlineData("""{"id":"e1","event_type":"enrollment.complete","data":{"lo_id":"7"}}""", "data.id")]
    [InlineData("""{"id":"e1","event_type":"enrollment.complete","data":{"id":""}}""", "data.id")]
    [InlineData("""{"id":"e1","event_type":"enrollment.complete","data":{"id":{}}}""", "data.id")]
    [InlineData("""{"id":"e1","event_type":"enrollment.complete","data":{"id":"a\u0001b","result":150}}""", "data.id")]
    public void RequiredPart_MissingOrUnusable_IsRefusedNamingIt(string body, string field)
    {
        var read = Go1WebhookIntake.Read(JsonDocument.Parse(body).RootElement, Now);

        Assert.False(read.IsValid);
        Assert.Equal([field], read.Errors.ToDictionary().Keys);
    }
}
