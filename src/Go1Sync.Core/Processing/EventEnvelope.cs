using System.Text.Json;
using System.Text.Json.Serialization;
using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Processing;

/// <summary>
/// The product's own queue message. Versioned so that a message written by one release can be
/// read (or clearly refused and parked) by the next.
/// </summary>
public sealed record EventEnvelope(
    string Kind,
    int SchemaVersion,
    string Id,
    [property: StrictInstant("receivedAt")] DateTimeOffset ReceivedAt,
    JsonElement Payload)
{
    public const int CurrentSchemaVersion = 1;

    public static EventEnvelope ForLaunch(LaunchMessage launch, string id, DateTimeOffset receivedAt) =>
        new(EventKinds.Launch, CurrentSchemaVersion, id, receivedAt, JsonSerializer.SerializeToElement(launch, Json.Options));

    public static EventEnvelope ForCompletion(CompletionMessage completion, string id, DateTimeOffset receivedAt) =>
        new(EventKinds.Completion, CurrentSchemaVersion, id, receivedAt, JsonSerializer.SerializeToElement(completion, Json.Options));

    public string ToJson() => JsonSerializer.Serialize(this, Json.Options);

    public static EventEnvelope FromJson(string json) =>
        JsonSerializer.Deserialize<EventEnvelope>(json, Json.Options)
        ?? throw new JsonException("The message is JSON null.");
}

public static class EventKinds
{
    public const string Launch = "launch";
    public const string Completion = "completion";
}

/// <summary>A launch as queued: validated at intake, and again by the processor with the same <see cref="Intake.LaunchIntake"/>.</summary>
public sealed record LaunchMessage(string AttemptId, string Email, string CourseId, Platform Platform, DateTimeOffset LaunchedAt)
{
    public Launch ToLaunch() => new(AttemptId, Email, CourseId, Platform, LaunchedAt);
}

/// <summary>
/// A completion as queued. Go1 webhooks are thin, so everything but the enrolment id may be
/// missing; the processor fills the gaps (catalogue, Go1 API) before the rules run. The processor
/// reads it with <see cref="Intake.CompletionMessageIntake"/>, so a queued message is held to the
/// rules of intake. It carries no course duration: that comes from the catalogue or Go1 only,
/// and a <c>durationMinutes</c> in a message (earlier releases had the field) is ignored.
/// </summary>
public sealed record CompletionMessage
{
    public required string EnrolmentId { get; init; }
    /// <summary>webhook, sweep or replay: where the completion was learnt of.</summary>
    public required string Source { get; init; }
    public string? Go1EventId { get; init; }
    public string? CourseId { get; init; }
    public string? Go1UserId { get; init; }
    public string? Email { get; init; }
    public string? Status { get; init; }
    public bool? Passed { get; init; }
    public int? Score { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>
    /// Fields (named as in this message's JSON, see <see cref="CompletionFields"/>) that the sender
    /// sent malformed and the intake left out: the enricher fetches the enrolment from Go1 to fill
    /// them, even when nothing else is missing. Null in messages of earlier releases, which
    /// therefore read and apply as before; a release that does not know it ignores it.
    /// </summary>
    public IReadOnlyList<string>? Refetch { get; init; }
}

/// <summary>The JSON names of the <see cref="CompletionMessage"/> fields Go1's enrolment can supply.</summary>
public static class CompletionFields
{
    public const string CourseId = "courseId";
    public const string Go1UserId = "go1UserId";
    public const string Email = "email";
    public const string Status = "status";
    public const string Passed = "passed";
    public const string Score = "score";
    public const string StartedAt = "startedAt";
    public const string CompletedAt = "completedAt";
}

public static class Json
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
