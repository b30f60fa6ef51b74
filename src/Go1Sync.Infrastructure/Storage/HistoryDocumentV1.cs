using System.Text.Json;
using System.Text.Json.Serialization;

namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// The stored form of a <see cref="LearnerCourseHistory"/> in rows of format
/// <see cref="Format"/>: the JSON the Attempts row's chunks hold once gunzipped. It is its own
/// contract, apart from the domain record: every name is explicit and none may change, since
/// rows written by earlier releases are read with this type. A new shape is a new document
/// (<c>HistoryDocumentV2</c>, format <c>gzip-json-v2</c>) with its reader beside this one in
/// <see cref="HistoryDocuments"/>; this one stays to read the old rows.
/// </summary>
internal sealed class HistoryDocumentV1
{
    public const string Format = "gzip-json-v1";

    /// <summary>
    /// This document's serializer options, used for nothing else. Web defaults as when the
    /// document was the domain record serialized with the app's shared options (so reading keeps
    /// their tolerance), nulls left out, platforms as their <see cref="WireNames"/>.
    /// </summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new WireNameJsonConverter<Platform>() },
    };

    [JsonPropertyName("email")] public required string Email { get; init; }
    [JsonPropertyName("courseId")] public required string CourseId { get; init; }
    [JsonPropertyName("launches")] public required IReadOnlyList<LaunchV1> Launches { get; init; }
    [JsonPropertyName("completions")] public required IReadOnlyList<CompletionV1> Completions { get; init; }

    /// <summary>
    /// Written into every V1 row (a computed property of the domain record that was serialized
    /// with it), so it is written still to keep the bytes; never read.
    /// </summary>
    [JsonPropertyName("isEmpty")] public bool IsEmpty { get; init; }

    internal sealed class LaunchV1
    {
        [JsonPropertyName("attemptId")] public required string AttemptId { get; init; }
        [JsonPropertyName("platform")] public required Platform Platform { get; init; }
        [JsonPropertyName("launchedAt")] public required DateTimeOffset LaunchedAt { get; init; }
    }

    internal sealed class CompletionV1
    {
        [JsonPropertyName("enrolmentId")] public required string EnrolmentId { get; init; }
        [JsonPropertyName("completedAt")] public required DateTimeOffset CompletedAt { get; init; }
        [JsonPropertyName("passed")] public required bool Passed { get; init; }
        [JsonPropertyName("score")] public int? Score { get; init; }
        [JsonPropertyName("startedAt")] public DateTimeOffset? StartedAt { get; init; }
        [JsonPropertyName("durationMinutes")] public int? DurationMinutes { get; init; }

        /// <summary>Like <see cref="IsEmpty"/>: <see cref="CompletionRecord.Identity"/> was serialized with the record, so V1 rows hold it; never read (the domain computes it).</summary>
        [JsonPropertyName("identity")] public string? Identity { get; init; }
    }

    public static byte[] Serialize(LearnerCourseHistory history) => JsonSerializer.SerializeToUtf8Bytes(From(history), Json);

    /// <summary>The history in <paramref name="json"/>, or null when the document is JSON null.</summary>
    public static LearnerCourseHistory? Read(Stream json) => JsonSerializer.Deserialize<HistoryDocumentV1>(json, Json)?.ToHistory();

    public static HistoryDocumentV1 From(LearnerCourseHistory history) => new()
    {
        Email = history.Email,
        CourseId = history.CourseId,
        Launches = [.. history.Launches.Select(l => new LaunchV1 { AttemptId = l.AttemptId, Platform = l.Platform, LaunchedAt = l.LaunchedAt })],
        Completions =
        [
            .. history.Completions.Select(c => new CompletionV1
            {
                EnrolmentId = c.EnrolmentId,
                CompletedAt = c.CompletedAt,
                Passed = c.Passed,
                Score = c.Score,
                StartedAt = c.StartedAt,
                DurationMinutes = c.DurationMinutes,
                Identity = c.Identity,
            }),
        ],
        IsEmpty = history.IsEmpty,
    };

    public LearnerCourseHistory ToHistory() => new(
        Email,
        CourseId,
        [.. Launches.Select(l => new LaunchRecord(l.AttemptId, l.Platform, l.LaunchedAt))],
        [.. Completions.Select(c => new CompletionRecord(c.EnrolmentId, c.CompletedAt, c.Passed, c.Score, c.StartedAt, c.DurationMinutes))]);
}
