using System.Text.Json;
using System.Text.Json.Nodes;
using Go1Sync.Core.Attempts;
using Go1Sync.Core.Intake;
using Go1Sync.Core.Processing;

namespace Go1Sync.Core.Tests;

/// <summary>
/// The one strict reader of instants from outside and its one message: every intake field, queued
/// message, query parameter and CLI option refuses the same forms with the same words.
/// </summary>
public sealed class InstantsTests
{
    [Theory]
    [InlineData("2025-01-15T00:00:00Z", "2025-01-15T00:00:00.000Z")]
    [InlineData("2025-01-15T01:00:00+01:00", "2025-01-15T00:00:00.000Z")]
    [InlineData("2025-01-14T19:00-05:00", "2025-01-15T00:00:00.000Z")]
    [InlineData("2025-01-15T00:00:00.123Z", "2025-01-15T00:00:00.123Z")]
    public void TryParseIso8601_InstantWithOffset_ParsesToUtc(string text, string utc)
    {
        Assert.True(Instants.TryParseIso8601(text, out var instant));
        Assert.Equal(TimeSpan.Zero, instant.Offset);
        Assert.Equal(utc, Instants.Format(instant));
    }

    [Theory]
    [InlineData("12/01/2025")]
    [InlineData("12/01/2025 00:00:00 +00:00")]
    [InlineData("2025-01-15")]
    [InlineData("2025-01-15T00:00:00")]
    [InlineData("2025-01-15 00:00:00Z")]
    [InlineData("2025-13-01T00:00:00Z")]
    [InlineData("2025-01-15T00:00:00Z\n")]
    [InlineData(" 2025-01-15T00:00:00Z")]
    [InlineData("2025-01-15T01:00:00+0100")]
    [InlineData("2025-01-15T01:00:00+01")]
    [InlineData("2025-01-15T01:00:00 +01:00")]
    [InlineData("bad")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParseIso8601_NoOffsetOrNotIso_IsRefused(string? text)
    {
        Assert.False(Instants.TryParseIso8601(text, out _));
    }

    [Fact]
    public void Invalid_NamesTheInputAndShowsAnExample_NeverAValue()
    {
        Assert.Equal(
            "'--since' must be an ISO-8601 instant with an offset (Z, +hh:mm or -hh:mm), e.g. 2025-01-15T00:00:00Z or 2025-01-15T01:00:00+01:00.",
            Instants.Invalid("--since"));
        // The example it shows is one the reader takes.
        Assert.True(Instants.TryParseIso8601("2025-01-15T00:00:00Z", out _));
        Assert.True(Instants.TryParseIso8601("2025-01-15T01:00:00+01:00", out _));
    }

    private static readonly DateTimeOffset Now = new(2025, 10, 2, 12, 0, 0, TimeSpan.Zero);
    private const string NoOffset = "2025-10-01T08:00:00";

    private static JsonElement Json(JsonObject body) => JsonDocument.Parse(body.ToJsonString()).RootElement;

    public static TheoryData<string, string> IntakeFields() => new()
    {
        { "launch", "launchedAt" },
        { "replay completion", "completedAt" },
        { "replay completion", "startedAt" },
        { "queued completion", "completedAt" },
        { "queued completion", "startedAt" },
    };

    [Theory]
    [MemberData(nameof(IntakeFields))]
    public void IntakeField_DateWithoutOffset_IsRefusedWithTheOneMessageNamingIt(string intake, string field)
    {
        foreach (var bad in new JsonNode?[] { NoOffset, "2025-10-01", "12/01/2025", 1759305600 })
        {
            var errors = Read(intake, field, bad);
            Assert.Equal([Instants.Invalid(field)], errors.ToDictionary()[field]);
        }
    }

    private static FieldErrors Read(string intake, string field, JsonNode? value)
    {
        switch (intake)
        {
            case "launch":
                var launch = new JsonObject { ["attemptId"] = "a1", ["email"] = "ada@example.com", ["courseId"] = "c1", ["platform"] = "web", [field] = value };
                return LaunchIntake.Read(Json(launch), Now).Errors;
            default:
                var completion = new JsonObject
                {
                    ["enrolmentId"] = "e1", ["source"] = "webhook", ["email"] = "ada@example.com", ["courseId"] = "c1", ["passed"] = true,
                    ["completedAt"] = "2025-10-01T09:00:00Z", [field] = value,
                };
                return (intake == "replay completion" ? ReplayCompletionIntake.Read(Json(completion), Now) : CompletionMessageIntake.Read(Json(completion), Now)).Errors;
        }
    }

    [Theory]
    [InlineData("start_date")]
    [InlineData("end_date")]
    public void WebhookDate_WithoutOffset_IsDroppedWithTheOneMessageNamingIt(string field)
    {
        var data = new JsonObject { ["id"] = "enr-1", ["lo_id"] = "lo-1", ["email"] = "ada@example.com", ["status"] = "completed", ["pass"] = true, [field] = NoOffset };
        var read = Go1WebhookIntake.Read(Json(new JsonObject { ["id"] = "evt-1", ["event_type"] = Go1WebhookIntake.CompletionEventType, ["data"] = data }), Now);
        Assert.True(read.IsValid);
        Assert.Equal([Instants.Invalid(field)], read.Value!.Dropped["data." + field]);
    }

    [Fact]
    public void QueuedEnvelope_ReceivedAtWithoutOffset_IsRefusedWithTheOneMessageNamingIt()
    {
        var error = Assert.Throws<JsonException>(() => EventEnvelope.FromJson($$$"""{"kind":"launch","schemaVersion":1,"id":"x","receivedAt":"{{{NoOffset}}}","payload":{}}"""));
        Assert.Equal(Instants.Invalid("receivedAt"), error.Message);
        // What the product writes it reads back.
        var envelope = EventEnvelope.ForLaunch(new LaunchMessage("a1", "ada@example.com", "c1", Platform.Web, Now), "id-1", Now.AddTicks(1_234_567));
        Assert.Equal(envelope.ReceivedAt, EventEnvelope.FromJson(envelope.ToJson()).ReceivedAt);
    }
}
