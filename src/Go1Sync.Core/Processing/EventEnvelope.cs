using System.Text.Json;
using System.Text.Json.Serialization;
using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Processing;

/// <summary>
/// The product's own queue message. Versioned so that a message written by one release can be
/// read (or clearly refused and parked) by the next: the processor parks a message of another
/// <see cref="SchemaVersion"/>. The queue contract is this envelope and its payloads
/// (<see cref="LaunchMessage"/>, <see cref="CompletionMessage"/>), every JSON name explicit,
/// written and read with <see cref="QueueJson.Options"/> only; the processor reads the payload
/// again with the intake readers. Version 2 (issue #14) adds the optional <see cref="Receipt"/>: what
/// intake would have written to the delivery log travels in the message instead, and the processor
/// writes it with the outcome (one storage request at intake, the queue write). Version 1 messages,
/// which have no receipt, are still read: their record gets the outcome only, as before.
/// </summary>
public sealed record EventEnvelope(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("schemaVersion")] int SchemaVersion,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("receivedAt"), StrictInstant("receivedAt")] DateTimeOffset ReceivedAt,
    [property: JsonPropertyName("payload")] JsonElement Payload)
{
    public const int CurrentSchemaVersion = 2;

    /// <summary>The versions this release reads: the current one and version 1 (no receipt).</summary>
    public static bool IsReadable(int schemaVersion) => schemaVersion is 1 or CurrentSchemaVersion;

    /// <summary>The delivery receipt of the request that queued the event (null in version 1 messages, and in messages queued without one).</summary>
    [JsonPropertyName("receipt")] public ReceiptMessage? Receipt { get; init; }

    public static EventEnvelope ForLaunch(LaunchMessage launch, string id, DateTimeOffset receivedAt) =>
        new(EventKinds.Launch, CurrentSchemaVersion, id, receivedAt, JsonSerializer.SerializeToElement(launch, QueueJson.Options));

    public static EventEnvelope ForCompletion(CompletionMessage completion, string id, DateTimeOffset receivedAt) =>
        new(EventKinds.Completion, CurrentSchemaVersion, id, receivedAt, JsonSerializer.SerializeToElement(completion, QueueJson.Options));

    /// <summary>This envelope carrying <paramref name="receipt"/>, which must be about this event (same identity, kind and instant).</summary>
    public EventEnvelope WithReceipt(DeliveryReceipt receipt)
    {
        if (receipt.Identity != Id || receipt.Kind != Kind || receipt.ReceivedAt != ReceivedAt)
            throw new ArgumentException("The receipt must be the one of this event: same identity, kind and receivedAt.", nameof(receipt));
        return this with { Receipt = ReceiptMessage.From(receipt) };
    }

    /// <summary>The receipt carried, as the delivery log takes it (null when none is carried).</summary>
    public DeliveryReceipt? DeliveryReceipt() => Receipt?.ToReceipt(this);

    public string ToJson() => JsonSerializer.Serialize(this, QueueJson.Options);

    public static EventEnvelope FromJson(string json) =>
        JsonSerializer.Deserialize<EventEnvelope>(json, QueueJson.Options)
        ?? throw new JsonException("The message is JSON null.");
}

/// <summary>
/// A delivery receipt as queued inside <see cref="EventEnvelope"/> (version 2): what arrived and
/// what intake answered. Identity, kind and instant are the envelope's own, so they are not repeated.
/// </summary>
public sealed record ReceiptMessage(
    [property: JsonPropertyName("eventType")] string? EventType,
    [property: JsonPropertyName("signature"), JsonRequired] string Signature,
    [property: JsonPropertyName("httpStatus"), JsonRequired] int HttpStatus,
    [property: JsonPropertyName("enrolmentId")] string? EnrolmentId,
    [property: JsonPropertyName("attemptId")] string? AttemptId,
    [property: JsonPropertyName("learnerHash")] string? LearnerHash,
    [property: JsonPropertyName("detail")] string? Detail,
    [property: JsonPropertyName("source"), JsonRequired] string Source,
    [property: JsonPropertyName("learnerIdKey")] string? LearnerIdKey = null)
{
    public static ReceiptMessage From(DeliveryReceipt receipt) =>
        new(receipt.EventType, receipt.Signature, receipt.HttpStatus, receipt.EnrolmentId, receipt.AttemptId, receipt.LearnerHash, receipt.Detail, receipt.Source,
            receipt.LearnerHash is null ? null : receipt.LearnerIdKey);

    public DeliveryReceipt ToReceipt(EventEnvelope envelope) =>
        new(envelope.Id, envelope.Kind, EventType, envelope.ReceivedAt, Signature, HttpStatus, EnrolmentId, AttemptId, LearnerHash, Detail, Source, LearnerIdKey);

    /// <summary>Longer than any value intake writes in a receipt field; <see cref="Detail"/> may be longer.</summary>
    public const int MaxFieldLength = 256;
    public const int MaxDetailLength = 4_096;

    /// <summary>
    /// Why this receipt is not one intake could have written (a field too long or with control
    /// characters, an unknown source, a learner hash that is not a learner id, a status that is not
    /// HTTP), or null. A queued message is trusted no more than a request: the processor records
    /// the outcome without such a receipt. The reason names fields, never values.
    /// </summary>
    public string? Problem()
    {
        foreach (var (name, value, max) in new (string, string?, int)[]
        {
            ("eventType", EventType, MaxFieldLength), ("signature", Signature, MaxFieldLength), ("enrolmentId", EnrolmentId, MaxFieldLength),
            ("attemptId", AttemptId, MaxFieldLength), ("learnerHash", LearnerHash, MaxFieldLength), ("detail", Detail, MaxDetailLength),
            ("source", Source, MaxFieldLength), ("learnerIdKey", LearnerIdKey, MaxFieldLength),
        })
        {
            if (value is null) continue;
            if (value.Length > max) return $"the receipt's {name} is longer than {max} characters";
            if (value.Any(char.IsControl)) return $"the receipt's {name} holds control characters";
        }
        if (string.IsNullOrEmpty(Signature)) return "the receipt has no signature outcome";
        if (Source is not (DeliverySources.Http or DeliverySources.Reconcile or DeliverySources.Sweep or DeliverySources.Replay))
            return "the receipt's source is not one intake writes";
        if (LearnerHash is not null && !Learners.LearnerIds.IsId(LearnerHash)) return "the receipt's learnerHash is not a learner id";
        if (HttpStatus is not 0 and (< 100 or > 599)) return "the receipt's httpStatus is neither an HTTP status nor 0 (no request)";
        return null;
    }
}

public static class EventKinds
{
    public const string Launch = "launch";
    public const string Completion = "completion";

    /// <summary>The kind as a metric tag: only known kinds, so a forged kind does not mint new time series.</summary>
    public static string TagOf(string? kind) => kind is Launch or Completion ? kind : "unknown";
}

/// <summary>A launch as queued: validated at intake, and again by the processor with the same <see cref="Intake.LaunchIntake"/>.</summary>
public sealed record LaunchMessage(
    [property: JsonPropertyName("attemptId")] string AttemptId,
    [property: JsonPropertyName("email")] string Email,
    [property: JsonPropertyName("courseId")] string CourseId,
    [property: JsonPropertyName("platform")] Platform Platform,
    [property: JsonPropertyName("launchedAt")] DateTimeOffset LaunchedAt)
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
    [JsonPropertyName("enrolmentId")] public required string EnrolmentId { get; init; }
    /// <summary>webhook, sweep or replay: where the completion was learnt of.</summary>
    [JsonPropertyName("source")] public required string Source { get; init; }
    [JsonPropertyName("go1EventId")] public string? Go1EventId { get; init; }
    [JsonPropertyName(CompletionFields.CourseId)] public string? CourseId { get; init; }
    [JsonPropertyName(CompletionFields.Go1UserId)] public string? Go1UserId { get; init; }
    [JsonPropertyName(CompletionFields.Email)] public string? Email { get; init; }
    [JsonPropertyName(CompletionFields.Status)] public string? Status { get; init; }
    [JsonPropertyName(CompletionFields.Passed)] public bool? Passed { get; init; }
    [JsonPropertyName(CompletionFields.Score)] public int? Score { get; init; }
    [JsonPropertyName(CompletionFields.StartedAt)] public DateTimeOffset? StartedAt { get; init; }
    [JsonPropertyName(CompletionFields.CompletedAt)] public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>
    /// Fields (named as in this message's JSON, see <see cref="CompletionFields"/>) that the sender
    /// sent malformed and the intake left out: the enricher fetches the enrolment from Go1 to fill
    /// them, even when nothing else is missing. Null in messages of earlier releases, which
    /// therefore read and apply as before; a release that does not know it ignores it.
    /// </summary>
    [JsonPropertyName("refetch")] public IReadOnlyList<string>? Refetch { get; init; }
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

/// <summary>
/// The queue contract's serializer options, for the envelope and its payloads and nothing else.
/// Web defaults (the envelope was first written with them, so reading keeps their tolerance),
/// nulls left out (a thin completion carries only what it has), the platform as its
/// <see cref="WireNames"/> name.
/// </summary>
public static class QueueJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new WireNameJsonConverter<Platform>() },
    };
}

/// <summary>
/// Marks a <see cref="DateTimeOffset"/> property deserialised from outside (a queued envelope's
/// <c>receivedAt</c>) to be read by <see cref="Instants.TryParseIso8601"/>, an offset required,
/// and refused with <see cref="Instants.Invalid"/> naming it; written as System.Text.Json writes
/// any <see cref="DateTimeOffset"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class StrictInstantAttribute(string name) : JsonConverterAttribute
{
    public override JsonConverter? CreateConverter(Type typeToConvert) => new Converter(name);

    private sealed class Converter(string name) : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String && Instants.TryParseIso8601(reader.GetString(), out var instant)
                ? instant
                : throw new JsonException(Instants.Invalid(name));

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }
}
