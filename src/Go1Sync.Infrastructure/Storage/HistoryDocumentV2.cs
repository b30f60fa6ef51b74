using System.Text.Json;
using System.Text.Json.Serialization;

namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// The stored form of a history in rows of format <see cref="Format"/>: the events, exactly as a
/// <see cref="HistoryDocumentV1"/> holds them (<c>events</c>), and beside them the fold those events
/// give (<c>fold</c>: the attempts, the cutovers they were folded with and the numbers of events
/// folded), so that the next event in time order is applied to the stored attempts in
/// O(log attempts) (<see cref="AttemptRules.Apply(FoldState?, Acceptance)"/>) instead of folding
/// every event again. The events stay the truth: a fold that does not match them (other cutovers,
/// other counts, or none, as in a V1 row) is recomputed from them (<see cref="AttemptRules.StateOf"/>).
/// Every name is explicit and none may change; a new shape is a new document with its reader
/// beside this one.
/// </summary>
internal sealed class HistoryDocumentV2
{
    /// <summary>The events, in V1's shape (V1 is frozen, so it cannot move under V2).</summary>
    [JsonPropertyName("events")] public required HistoryDocumentV1 Events { get; init; }
    /// <summary>The fold of the events, or null (then it is folded from them when read).</summary>
    [JsonPropertyName("fold")] public FoldV2? Fold { get; init; }

    internal sealed class FoldV2
    {
        /// <summary><see cref="AttemptRules.FoldVersion"/> when the fold was made; a fold of other rules is not read.</summary>
        [JsonPropertyName("rulesVersion")] public required int RulesVersion { get; init; }
        [JsonPropertyName("connectorCutover")] public required DateTimeOffset ConnectorCutover { get; init; }
        [JsonPropertyName("webLaunchCutover")] public required DateTimeOffset WebLaunchCutover { get; init; }
        [JsonPropertyName("mobileLaunchCutover")] public required DateTimeOffset MobileLaunchCutover { get; init; }
        [JsonPropertyName("launchCount")] public required int LaunchCount { get; init; }
        [JsonPropertyName("completionCount")] public required int CompletionCount { get; init; }
        [JsonPropertyName("attempts")] public required IReadOnlyList<AttemptV2> Attempts { get; init; }
    }

    /// <summary>An attempt of the fold; its email and course are the history's.</summary>
    internal sealed record AttemptV2(
        [property: JsonPropertyName("attemptId")] string AttemptId,
        [property: JsonPropertyName("origin")] AttemptOrigin Origin,
        [property: JsonPropertyName("platform")] Platform Platform,
        [property: JsonPropertyName("status")] AttemptStatus Status,
        [property: JsonPropertyName("progress")] int Progress,
        [property: JsonPropertyName("result")] AttemptResult? Result,
        [property: JsonPropertyName("score")] int? Score,
        [property: JsonPropertyName("firstActivityAt")] DateTimeOffset FirstActivityAt,
        [property: JsonPropertyName("lastActivityAt")] DateTimeOffset LastActivityAt,
        [property: JsonPropertyName("completedAt")] DateTimeOffset? CompletedAt,
        [property: JsonPropertyName("timeSpentMs")] long TimeSpentMs,
        [property: JsonPropertyName("go1EnrolmentId")] string? Go1EnrolmentId,
        [property: JsonPropertyName("durationUnknown")] bool? DurationUnknown)
    {
        public static AttemptV2 Of(Attempt a) => new(a.AttemptId, a.Origin, a.Platform, a.Status, a.Progress,
            a.Result == AttemptResult.None ? null : a.Result, a.Score, a.FirstActivityAt, a.LastActivityAt, a.CompletedAt,
            a.TimeSpentMs, a.Go1EnrolmentId, a.DurationUnknown ? true : null);

        public Attempt ToAttempt(LearnerCourseHistory history) => new()
        {
            AttemptId = AttemptId, Email = history.Email, CourseId = history.CourseId, Origin = Origin, Platform = Platform,
            Status = Status, Progress = Progress, Result = Result ?? AttemptResult.None, Score = Score,
            FirstActivityAt = FirstActivityAt, LastActivityAt = LastActivityAt, CompletedAt = CompletedAt,
            TimeSpentMs = TimeSpentMs, Go1EnrolmentId = Go1EnrolmentId, DurationUnknown = DurationUnknown ?? false,
        };
    }

    public const string Format = "gzip-json-v2";

    /// <summary>This document's serializer options, used for nothing else: V1's (which the events keep), and the attempt enums as their <see cref="WireNames"/>.</summary>
    public static JsonSerializerOptions Json { get; } = new(HistoryDocumentV1.Json)
    {
        Converters =
        {
            new WireNameJsonConverter<AttemptOrigin>(),
            new WireNameJsonConverter<AttemptStatus>(),
            new WireNameJsonConverter<AttemptResult>(),
        },
    };

    public static byte[] Serialize(LearnerCourseHistory history, FoldState? fold) => JsonSerializer.SerializeToUtf8Bytes(From(history, fold), Json);

    /// <summary>The document in <paramref name="json"/>, or null when it is JSON null.</summary>
    public static StoredDocument? Read(Stream json) => JsonSerializer.Deserialize<HistoryDocumentV2>(json, Json)?.ToStored();

    public static HistoryDocumentV2 From(LearnerCourseHistory history, FoldState? fold) => new()
    {
        Events = HistoryDocumentV1.From(history),
        Fold = fold is null ? null : new FoldV2
        {
            RulesVersion = AttemptRules.FoldVersion,
            ConnectorCutover = fold.Cutovers.Connector,
            WebLaunchCutover = fold.Cutovers.WebLaunch,
            MobileLaunchCutover = fold.Cutovers.MobileLaunch,
            LaunchCount = fold.LaunchCount,
            CompletionCount = fold.CompletionCount,
            Attempts = [.. fold.Attempts.Select(AttemptV2.Of)],
        },
    };

    public StoredDocument ToStored()
    {
        var history = Events.ToHistory();
        // A fold made by other rules than these is left unread: the writer folds the events again.
        if (Fold is null || Fold.RulesVersion != AttemptRules.FoldVersion) return new StoredDocument(history, null);
        try
        {
            return new StoredDocument(history, FoldState.Restore(
                Fold.Attempts.Select(a => a.ToAttempt(history)),
                new Cutovers(Fold.ConnectorCutover, Fold.WebLaunchCutover, Fold.MobileLaunchCutover),
                Fold.LaunchCount,
                Fold.CompletionCount));
        }
        catch (ArgumentException ex)
        {
            // The events are the truth and the fold only a cache of them: a fold that cannot be
            // restored is reported (FoldProblem, logged by the store) and the events are folded again.
            return new StoredDocument(history, null) { FoldProblem = ex.Message };
        }
    }
}

/// <summary>A stored history and the fold stored beside it (null: none, or a format without one).</summary>
internal sealed record StoredDocument(LearnerCourseHistory History, FoldState? Fold)
{
    /// <summary>Why the stored fold could not be restored (it is then folded again from the events), or null.</summary>
    public string? FoldProblem { get; init; }
}
