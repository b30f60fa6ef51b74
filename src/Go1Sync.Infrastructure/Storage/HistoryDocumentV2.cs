using System.Text.Json;
using System.Text.Json.Serialization;

namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// The stored form of a history in rows of format <see cref="Format"/>: the events, as in
/// <see cref="HistoryDocumentV1"/>, and beside them the fold those events give (<c>fold</c>: the
/// attempts, the cutovers they were folded with and the numbers of events folded), so that the
/// next event in time order is applied to the stored attempts in O(log attempts)
/// (<see cref="AttemptRules.Apply(FoldState?, Acceptance)"/>) instead of folding every event again.
/// The events stay the truth: a fold that does not match them (other cutovers, other counts, or
/// none, as in a V1 row) is recomputed from them (<see cref="AttemptRules.StateOf"/>). Every name
/// is explicit and none may change; a new shape is a new document with its reader beside this one.
/// </summary>
internal sealed class HistoryDocumentV2
{
    public const string Format = "gzip-json-v2";

    /// <summary>This document's serializer options, used for nothing else: nulls left out, enums as their <see cref="WireNames"/>.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters =
        {
            new WireNameJsonConverter<Platform>(),
            new WireNameJsonConverter<AttemptOrigin>(),
            new WireNameJsonConverter<AttemptStatus>(),
            new WireNameJsonConverter<AttemptResult>(),
        },
    };

    [JsonPropertyName("email")] public required string Email { get; init; }
    [JsonPropertyName("courseId")] public required string CourseId { get; init; }
    [JsonPropertyName("launches")] public required IReadOnlyList<LaunchV2> Launches { get; init; }
    [JsonPropertyName("completions")] public required IReadOnlyList<CompletionV2> Completions { get; init; }
    /// <summary>The fold of the events above, or null (then it is folded from them when read).</summary>
    [JsonPropertyName("fold")] public FoldV2? Fold { get; init; }

    internal sealed class LaunchV2
    {
        [JsonPropertyName("attemptId")] public required string AttemptId { get; init; }
        [JsonPropertyName("platform")] public required Platform Platform { get; init; }
        [JsonPropertyName("launchedAt")] public required DateTimeOffset LaunchedAt { get; init; }
    }

    internal sealed class CompletionV2
    {
        [JsonPropertyName("enrolmentId")] public required string EnrolmentId { get; init; }
        [JsonPropertyName("completedAt")] public required DateTimeOffset CompletedAt { get; init; }
        [JsonPropertyName("passed")] public required bool Passed { get; init; }
        [JsonPropertyName("score")] public int? Score { get; init; }
        [JsonPropertyName("startedAt")] public DateTimeOffset? StartedAt { get; init; }
        [JsonPropertyName("durationMinutes")] public int? DurationMinutes { get; init; }
    }

    internal sealed class FoldV2
    {
        [JsonPropertyName("connectorCutover")] public required DateTimeOffset ConnectorCutover { get; init; }
        [JsonPropertyName("webLaunchCutover")] public required DateTimeOffset WebLaunchCutover { get; init; }
        [JsonPropertyName("mobileLaunchCutover")] public required DateTimeOffset MobileLaunchCutover { get; init; }
        [JsonPropertyName("launchCount")] public required int LaunchCount { get; init; }
        [JsonPropertyName("completionCount")] public required int CompletionCount { get; init; }
        [JsonPropertyName("attempts")] public required IReadOnlyList<AttemptV2> Attempts { get; init; }
    }

    /// <summary>An attempt of the fold; email and course are the document's.</summary>
    internal sealed class AttemptV2
    {
        [JsonPropertyName("attemptId")] public required string AttemptId { get; init; }
        [JsonPropertyName("origin")] public required AttemptOrigin Origin { get; init; }
        [JsonPropertyName("platform")] public required Platform Platform { get; init; }
        [JsonPropertyName("status")] public required AttemptStatus Status { get; init; }
        [JsonPropertyName("progress")] public required int Progress { get; init; }
        [JsonPropertyName("result")] public AttemptResult? Result { get; init; }
        [JsonPropertyName("score")] public int? Score { get; init; }
        [JsonPropertyName("firstActivityAt")] public required DateTimeOffset FirstActivityAt { get; init; }
        [JsonPropertyName("lastActivityAt")] public required DateTimeOffset LastActivityAt { get; init; }
        [JsonPropertyName("completedAt")] public DateTimeOffset? CompletedAt { get; init; }
        [JsonPropertyName("timeSpentMs")] public required long TimeSpentMs { get; init; }
        [JsonPropertyName("go1EnrolmentId")] public string? Go1EnrolmentId { get; init; }
        [JsonPropertyName("durationUnknown")] public bool? DurationUnknown { get; init; }
    }

    public static byte[] Serialize(LearnerCourseHistory history, FoldState? fold) => JsonSerializer.SerializeToUtf8Bytes(From(history, fold), Json);

    /// <summary>The document in <paramref name="json"/>, or null when it is JSON null.</summary>
    public static StoredDocument? Read(Stream json) => JsonSerializer.Deserialize<HistoryDocumentV2>(json, Json)?.ToStored();

    public static HistoryDocumentV2 From(LearnerCourseHistory history, FoldState? fold) => new()
    {
        Email = history.Email,
        CourseId = history.CourseId,
        Launches = [.. history.Launches.Select(l => new LaunchV2 { AttemptId = l.AttemptId, Platform = l.Platform, LaunchedAt = l.LaunchedAt })],
        Completions =
        [
            .. history.Completions.Select(c => new CompletionV2
            {
                EnrolmentId = c.EnrolmentId,
                CompletedAt = c.CompletedAt,
                Passed = c.Passed,
                Score = c.Score,
                StartedAt = c.StartedAt,
                DurationMinutes = c.DurationMinutes,
            }),
        ],
        Fold = fold is null ? null : new FoldV2
        {
            ConnectorCutover = fold.Cutovers.Connector,
            WebLaunchCutover = fold.Cutovers.WebLaunch,
            MobileLaunchCutover = fold.Cutovers.MobileLaunch,
            LaunchCount = fold.LaunchCount,
            CompletionCount = fold.CompletionCount,
            Attempts = [.. fold.Attempts.Select(a => new AttemptV2
            {
                AttemptId = a.AttemptId,
                Origin = a.Origin,
                Platform = a.Platform,
                Status = a.Status,
                Progress = a.Progress,
                Result = a.Result == AttemptResult.None ? null : a.Result,
                Score = a.Score,
                FirstActivityAt = a.FirstActivityAt,
                LastActivityAt = a.LastActivityAt,
                CompletedAt = a.CompletedAt,
                TimeSpentMs = a.TimeSpentMs,
                Go1EnrolmentId = a.Go1EnrolmentId,
                DurationUnknown = a.DurationUnknown ? true : null,
            })],
        },
    };

    public StoredDocument ToStored()
    {
        var history = new LearnerCourseHistory(
            Email,
            CourseId,
            [.. Launches.Select(l => new LaunchRecord(l.AttemptId, l.Platform, l.LaunchedAt))],
            [.. Completions.Select(c => new CompletionRecord(c.EnrolmentId, c.CompletedAt, c.Passed, c.Score, c.StartedAt, c.DurationMinutes))]);
        var fold = Fold is null ? null : RestoreFold(history);
        return new StoredDocument(history, fold);
    }

    private FoldState RestoreFold(LearnerCourseHistory history)
    {
        try
        {
            return FoldState.Restore(
            Fold!.Attempts.Select(a => new Attempt
            {
                AttemptId = a.AttemptId,
                Email = Email,
                CourseId = CourseId,
                Origin = a.Origin,
                Platform = a.Platform,
                Status = a.Status,
                Progress = a.Progress,
                Result = a.Result ?? AttemptResult.None,
                Score = a.Score,
                FirstActivityAt = a.FirstActivityAt,
                LastActivityAt = a.LastActivityAt,
                CompletedAt = a.CompletedAt,
                TimeSpentMs = a.TimeSpentMs,
                Go1EnrolmentId = a.Go1EnrolmentId,
                DurationUnknown = a.DurationUnknown ?? false,
            }),
            new Cutovers(Fold.ConnectorCutover, Fold.WebLaunchCutover, Fold.MobileLaunchCutover),
            Fold.LaunchCount,
            Fold.CompletionCount);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"The stored fold of a history on course {Core.Security.LogValue.Of(history.CourseId)} cannot be restored: {ex.Message}", ex);
        }
    }
}

/// <summary>A stored history and the fold stored beside it (null: none, or a format without one).</summary>
internal sealed record StoredDocument(LearnerCourseHistory History, FoldState? Fold);
