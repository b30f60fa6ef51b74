using System.Text.Json;
using Go1Sync.Core.Attempts;
using Go1Sync.Core.Processing;

namespace Go1Sync.Core.Intake;

/// <summary>
/// Reads what the outside sends us. Tolerant (unknown fields are ignored) and strict (what is
/// missing or wrong is named), so nothing unusable ever reaches the queue.
/// </summary>
public static class LaunchIntake
{
    /// <summary>A launch may be stamped by a clock slightly ahead of ours; beyond this it is refused.</summary>
    public static readonly TimeSpan FutureTolerance = TimeSpan.FromMinutes(5);

    /// <param name="maxAge">
    /// Over HTTP, a launch older than this is refused (400 naming <c>launchedAt</c>): a live LMS
    /// reports a START as it happens, and history is loaded with <c>go1sync replay</c> or a backfill,
    /// which read without this bound.
    /// </param>
    public static Validated<LaunchMessage> Read(JsonElement body, DateTimeOffset now, TimeSpan? maxAge = null)
    {
        var errors = new FieldErrors();
        var attemptId = Fields.Id(body, "attemptId", errors);
        if (attemptId is not null && attemptId.StartsWith(AttemptRules.Go1DirectPrefix, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add("attemptId", $"'attemptId' must not start with '{AttemptRules.Go1DirectPrefix}': that prefix names attempts created by Go1 completions.");
            attemptId = null;
        }
        var email = Fields.Email(body, "email", errors);
        var courseId = Fields.Id(body, "courseId", errors);
        var platform = ReadPlatform(body, errors);
        var launchedAt = Fields.Instant(body, "launchedAt", errors, required: true, notAfter: now + FutureTolerance);
        if (launchedAt is { } at && maxAge is { } limit && at < now - limit)
        {
            errors.Add("launchedAt", $"'launchedAt' is more than {Describe(limit)} old: live launches only; load history with go1sync replay or backfill.");
            launchedAt = null;
        }

        return errors.Any || attemptId is null || email is null || courseId is null || platform is null || launchedAt is null
            ? new Validated<LaunchMessage>(null, errors)
            : new Validated<LaunchMessage>(new LaunchMessage(attemptId, email, courseId, platform.Value, launchedAt.Value), errors);
    }

    private static string Describe(TimeSpan age) =>
        age.Ticks % TimeSpan.TicksPerDay == 0 ? Plural((long)age.TotalDays, "day")
        : age.Ticks % TimeSpan.TicksPerHour == 0 ? Plural((long)age.TotalHours, "hour")
        : age.ToString("c", System.Globalization.CultureInfo.InvariantCulture);

    private static string Plural(long count, string unit) => count == 1 ? $"1 {unit}" : $"{count} {unit}s";

    private static Platform? ReadPlatform(JsonElement body, FieldErrors errors)
    {
        if (!body.TryGetProperty("platform", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            errors.Add("platform", "'platform' is required.");
            return null;
        }
        switch (value.ValueKind == JsonValueKind.String ? value.GetString() : null)
        {
            case "web": return Platform.Web;
            case "mobile": return Platform.Mobile;
            default:
                errors.Add("platform", "'platform' must be 'web' or 'mobile'.");
                return null;
        }
    }
}

public static class CourseIntake
{
    /// <summary>10,000 hours: anything longer is a unit mistake, not a course.</summary>
    public const int MaxDurationMinutes = 600_000;

    public static Validated<Course> Read(JsonElement body, string? routeCourseId, DateTimeOffset now)
    {
        var errors = new FieldErrors();
        string? courseId;
        if (routeCourseId is not null)
        {
            courseId = routeCourseId.Trim();
            if (courseId.Length is 0 or > Fields.MaxIdLength || courseId.Any(char.IsControl))
            {
                errors.Add("courseId", $"the course id in the path must be 1 to {Fields.MaxIdLength} characters without control characters.");
                courseId = null;
            }
            else if (body.TryGetProperty("courseId", out _) && Fields.Id(body, "courseId", errors) is { } inBody && inBody != courseId)
            {
                errors.Add("courseId", "'courseId' in the body differs from the course id in the path.");
            }
        }
        else
        {
            courseId = Fields.Id(body, "courseId", errors);
        }

        var duration = Fields.Integer(body, "durationMinutes", 1, MaxDurationMinutes, errors, required: true);
        var title = Fields.OptionalText(body, "title", 512, errors);
        return errors.Any || courseId is null || duration is null
            ? new Validated<Course>(null, errors)
            : new Validated<Course>(new Course(courseId, duration.Value, title, now), errors);
    }
}

/// <summary>A Go1 delivery: a completion to queue, or an event type we acknowledge and ignore.</summary>
/// <param name="Dropped">
/// Optional fields that were malformed and left out, by JSON path (e.g. <c>data.result</c>), with
/// why. The messages name fields, never their values, so they can go to the delivery log.
/// </param>
public sealed record WebhookDelivery(string EventType, string? DeliveryId, CompletionMessage? Completion, IReadOnlyDictionary<string, string[]> Dropped)
{
    /// <summary>For the delivery log: each dropped field and why, then what Go1 is asked for instead; null when nothing was dropped.</summary>
    public string? DroppedDetail()
    {
        if (Dropped.Count == 0) return null;
        var detail = "dropped malformed optional fields: " + string.Join("; ", Dropped.OrderBy(d => d.Key, StringComparer.Ordinal)
            .Select(d => $"{d.Key} ({string.Join(" ", d.Value)})"));
        return Completion?.Refetch is { Count: > 0 } refetch ? $"{detail}; fetched from Go1 instead: {string.Join(", ", refetch)}" : detail;
    }
}

/// <summary>
/// Reads a Go1 webhook. Only what identifies the delivery is required: the event type, the
/// <c>data</c> object and, for a completion, a usable enrolment id (<c>data.id</c>); without them
/// the delivery is refused. Every other field is optional: a malformed one is left out and named
/// in <see cref="WebhookDelivery.Dropped"/>, and the completion asks the enricher to fetch it from
/// Go1 (<see cref="CompletionMessage.Refetch"/>), so a signed completion is never refused for it.
/// </summary>
public static class Go1WebhookIntake
{
    public const string CompletionEventType = "enrollment.complete";

    public static Validated<WebhookDelivery> Read(JsonElement body, DateTimeOffset now)
    {
        var errors = new FieldErrors();
        var dropped = new FieldErrors();
        // v3 envelopes say event_type; the older format said type.
        var eventType = Fields.Id(body, "event_type", new FieldErrors(), required: false) ?? Fields.Id(body, "type", new FieldErrors(), required: false);
        if (eventType is null)
        {
            errors.Add("event_type", "'event_type' is required.");
            return new Validated<WebhookDelivery>(null, errors);
        }
        // The delivery id only names the record; without a usable one the enrolment id does.
        var deliveryId = Fields.Id(body, "id", dropped, required: false);
        if (!string.Equals(eventType, CompletionEventType, StringComparison.Ordinal))
            return new Validated<WebhookDelivery>(new WebhookDelivery(eventType, deliveryId, null, dropped.ToDictionary()), errors);

        if (!body.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            errors.Add("data", "'data' must be an object holding the enrolment.");
            return new Validated<WebhookDelivery>(null, errors);
        }

        var required = new FieldErrors();
        var enrolmentId = Fields.Id(data, "id", required);
        errors.AddAll("data.", required);
        if (errors.Any || enrolmentId is null)
            return new Validated<WebhookDelivery>(null, errors);

        // Optional fields: what is malformed is left out (and fetched from Go1), never refused.
        var optional = new FieldErrors();
        var courseId = Fields.Id(data, "lo_id", optional, required: false);
        var userId = Fields.Id(data, "user_account_id", optional, required: false) ?? Fields.Id(data, "user_id", optional, required: false);
        var email = Fields.Email(data, "email", optional, required: false);
        var userErrors = new FieldErrors();
        if (email is null && data.TryGetProperty("user", out var user) && user.ValueKind == JsonValueKind.Object)
            email = Fields.Email(user, "email", userErrors, required: false);
        var status = Fields.Id(data, "status", optional, required: false);
        var passed = ReadPass(data, optional);
        var score = Fields.Integer(data, "result", 0, 100, optional, required: false);
        var startedAt = Fields.Instant(data, "start_date", optional, required: false, notAfter: now + LaunchIntake.FutureTolerance);
        var completedAt = Fields.Instant(data, "end_date", optional, required: false, notAfter: now + LaunchIntake.FutureTolerance);
        if (startedAt is { } s && completedAt is { } c && c < s)
        {
            // One of the two is wrong and nothing says which: Go1's enrolment supplies both.
            optional.Add("start_date", "'end_date' is before 'start_date'.");
            optional.Add("end_date", "'end_date' is before 'start_date'.");
            startedAt = completedAt = null;
        }
        dropped.AddAll("data.", optional);
        dropped.AddAll("data.user.", userErrors);

        // What was dropped and is still unknown is fetched; a user id only matters without an email.
        var refetch = new List<string>();
        void AskGo1For(bool wasDropped, bool stillMissing, string field)
        {
            if (wasDropped && stillMissing) refetch.Add(field);
        }
        AskGo1For(optional.Has("lo_id"), courseId is null, CompletionFields.CourseId);
        AskGo1For(optional.Has("user_account_id") || optional.Has("user_id"), userId is null && email is null, CompletionFields.Go1UserId);
        AskGo1For(optional.Has("email") || userErrors.Has("email"), email is null, CompletionFields.Email);
        AskGo1For(optional.Has("status"), status is null, CompletionFields.Status);
        AskGo1For(optional.Has("pass"), passed is null, CompletionFields.Passed);
        AskGo1For(optional.Has("result"), score is null, CompletionFields.Score);
        AskGo1For(optional.Has("start_date"), startedAt is null, CompletionFields.StartedAt);
        AskGo1For(optional.Has("end_date"), completedAt is null, CompletionFields.CompletedAt);

        var completion = new CompletionMessage
        {
            Source = "webhook",
            Go1EventId = deliveryId,
            EnrolmentId = enrolmentId,
            CourseId = courseId,
            Go1UserId = userId,
            Email = email,
            Status = status,
            Passed = passed,
            Score = score,
            StartedAt = startedAt,
            CompletedAt = completedAt,
            Refetch = refetch.Count > 0 ? refetch : null,
        };
        return new Validated<WebhookDelivery>(new WebhookDelivery(eventType, deliveryId, completion, dropped.ToDictionary()), errors);
    }

    private static bool? ReadPass(JsonElement data, FieldErrors errors)
    {
        if (!data.TryGetProperty("pass", out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            // Older Go1 payloads send 0/1.
            JsonValueKind.Number when value.TryGetInt32(out var n) && n is 0 or 1 => n == 1,
            _ => Invalid(),
        };

        bool? Invalid()
        {
            errors.Add("pass", "'pass' must be true or false.");
            return null;
        }
    }
}

/// <summary>
/// A completion in the shape the queue carries it (<see cref="CompletionMessage"/>'s JSON), read
/// with the same field rules as every intake. The processor reads every queued completion with it,
/// whoever wrote the message (webhook, sweep, reconciliation, replay, or someone with queue
/// access), so a message is never trusted more than a request. Fields only our own code may set
/// are not read: a course's duration comes from the catalogue or Go1, never from a message.
/// </summary>
public static class CompletionMessageIntake
{
    /// <summary>More names than <see cref="CompletionFields"/> has, with room for a later release's.</summary>
    public const int MaxRefetchFields = 16;

    /// <summary>A queued completion: only the enrolment id and its source are required, Go1 supplies the rest.</summary>
    public static Validated<CompletionMessage> Read(JsonElement payload, DateTimeOffset now) => Read(payload, now, replayLine: false);

    /// <param name="replayLine">
    /// A replay file's line: the same fields, but the learner, course, completion date and pass flag
    /// are required (there is no Go1 to ask), and the source and status are the replay's own.
    /// </param>
    internal static Validated<CompletionMessage> Read(JsonElement body, DateTimeOffset now, bool replayLine)
    {
        var errors = new FieldErrors();
        var notAfter = now + LaunchIntake.FutureTolerance;
        var enrolmentId = Fields.Id(body, "enrolmentId", errors);
        var source = replayLine ? "replay" : Fields.Id(body, "source", errors);
        var go1EventId = replayLine ? null : Fields.Id(body, "go1EventId", errors, required: false);
        var email = Fields.Email(body, "email", errors, required: replayLine);
        var courseId = Fields.Id(body, "courseId", errors, required: replayLine);
        var completedAt = Fields.Instant(body, "completedAt", errors, required: replayLine, notAfter: notAfter);
        var passed = Fields.Boolean(body, "passed", errors, required: replayLine);
        var score = Fields.Integer(body, "score", 0, 100, errors, required: false);
        var startedAt = Fields.Instant(body, "startedAt", errors, required: false, notAfter: notAfter);
        if (startedAt is { } s && completedAt is { } c && c < s)
            errors.Add("completedAt", "'completedAt' is before 'startedAt'.");
        var go1UserId = replayLine ? null : Fields.Id(body, "go1UserId", errors, required: false);
        var status = replayLine ? "completed" : Fields.Id(body, "status", errors, required: false);
        var refetch = replayLine ? null : Fields.IdList(body, "refetch", MaxRefetchFields, errors);

        if (errors.Any || enrolmentId is null || source is null || (replayLine && (email is null || courseId is null || completedAt is null || passed is null)))
            return new Validated<CompletionMessage>(null, errors);
        return new Validated<CompletionMessage>(new CompletionMessage
        {
            Source = source,
            Go1EventId = go1EventId,
            EnrolmentId = enrolmentId,
            CourseId = courseId,
            Go1UserId = go1UserId,
            Email = email,
            Status = status,
            Passed = passed,
            Score = score,
            StartedAt = startedAt,
            CompletedAt = completedAt,
            Refetch = refetch is { Count: > 0 } ? refetch : null,
        }, errors);
    }
}

/// <summary>A completion as operators write it in a replay file (the CLI's JSON Lines format): a queued completion's fields, with the learner, course, date and pass flag required.</summary>
public static class ReplayCompletionIntake
{
    public static Validated<CompletionMessage> Read(JsonElement body, DateTimeOffset now) => CompletionMessageIntake.Read(body, now, replayLine: true);
}
