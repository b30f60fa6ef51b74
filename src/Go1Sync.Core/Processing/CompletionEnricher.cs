using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Processing;

/// <summary>An enrolment as Go1's API returns it (GET /enrollments/{id}, or a hit of GET /enrollments).</summary>
public sealed record Go1Enrolment(
    string Id,
    string? UserAccountId,
    string? LoId,
    string Status,
    bool? Pass,
    int? Result,
    DateTimeOffset? StartDate,
    DateTimeOffset? EndDate,
    DateTimeOffset? UpdatedTime = null);

/// <summary>What the processor may ask Go1 when a webhook payload is thin.</summary>
public interface IGo1Directory
{
    Task<Go1Enrolment?> GetEnrolmentAsync(string enrolmentId, CancellationToken cancellationToken);
    Task<string?> GetUserEmailAsync(string userAccountId, CancellationToken cancellationToken);
    Task<int?> GetCourseDurationMinutesAsync(string learningObjectId, CancellationToken cancellationToken);
}

public abstract record Enrichment
{
    private Enrichment() { }

    public sealed record Ready(Completion Completion, int? DurationMinutes) : Enrichment;
    /// <summary>Go1 says the enrolment is not completed: nothing to apply.</summary>
    public sealed record NoEffect(string Reason) : Enrichment;
    /// <summary>Cannot be applied as it is; keep it for an operator.</summary>
    public sealed record Unmatched(string Reason) : Enrichment;
}

public interface ICompletionEnricher
{
    Task<Enrichment> EnrichAsync(CompletionMessage message, CancellationToken cancellationToken);
}

/// <summary>
/// Uses what the message carries and fetches only what is missing: the enrolment (status,
/// pass, score, dates) and the user's email from Go1. The duration always comes from the
/// catalogue (then Go1), never from the message.
/// </summary>
public sealed class CompletionEnricher(ICourseCatalogue catalogue, TimeProvider time, IGo1Directory? go1 = null) : ICompletionEnricher
{
    public const string CompletedStatus = "completed";

    public async Task<Enrichment> EnrichAsync(CompletionMessage message, CancellationToken cancellationToken)
    {
        if (message.Status is { } declared && !string.Equals(declared, CompletedStatus, StringComparison.OrdinalIgnoreCase))
            return new Enrichment.NoEffect($"enrolment status is '{declared}'");

        var courseId = message.CourseId;
        var userId = message.Go1UserId;
        var passed = message.Passed;
        var score = message.Score;
        var startedAt = message.StartedAt;
        var completedAt = message.CompletedAt;

        // Fields the sender got wrong were left out at intake and must come from Go1, even when
        // nothing else is missing: applying without them would be final, since a later delivery
        // of the same completion is a duplicate and could never bring them.
        var refetch = message.Refetch is { Count: > 0 };
        if (refetch || courseId is null || passed is null || completedAt is null || (message.Email is null && userId is null))
        {
            if (go1 is null)
                return new Enrichment.Unmatched($"the payload lacks {Missing(message)} and no Go1 API is configured to fetch it");

            var enrolment = await go1.GetEnrolmentAsync(message.EnrolmentId, cancellationToken).ConfigureAwait(false);
            if (enrolment is null)
                return new Enrichment.Unmatched($"Go1 has no enrolment {message.EnrolmentId}");
            if (!string.Equals(enrolment.Status, CompletedStatus, StringComparison.OrdinalIgnoreCase))
                return new Enrichment.NoEffect($"enrolment status is '{enrolment.Status}'");

            courseId ??= enrolment.LoId;
            userId ??= enrolment.UserAccountId;
            passed ??= enrolment.Pass;
            score ??= enrolment.Result;
            startedAt ??= enrolment.StartDate;
            completedAt ??= enrolment.EndDate;
        }

        if (courseId is null) return new Enrichment.Unmatched("the enrolment has no learning object");
        if (completedAt is null) return new Enrichment.Unmatched("the enrolment has no completion date");

        var email = message.Email;
        if (email is null && userId is not null && go1 is not null)
            email = await go1.GetUserEmailAsync(userId, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(email))
            return new Enrichment.Unmatched($"no email could be found for Go1 user {userId ?? "(none)"}");
        // Go1's answer is held to the rule intake applies to an email.
        if (!Learners.LearnerEmail.IsValid(email.Trim()))
            return new Enrichment.Unmatched($"Go1 user {userId ?? "(none)"} has no valid email address");

        // A duration that is not a positive number of minutes is unknown, never an error: the
        // completion still applies, with the elapsed time and the durationUnknown flag.
        var duration = await DurationAsync(courseId, cancellationToken).ConfigureAwait(false);
        var completion = new Completion(message.EnrolmentId, email, courseId, completedAt.Value, passed ?? false, score, startedAt);
        return new Enrichment.Ready(completion, duration);
    }

    /// <summary>Go1 is where a course's theoretical duration lives; a catalogue entry older than this is refreshed from it.</summary>
    public static readonly TimeSpan DurationRefreshAge = TimeSpan.FromDays(7);

    private async Task<int?> DurationAsync(string courseId, CancellationToken cancellationToken)
    {
        var course = await catalogue.GetAsync(courseId, cancellationToken).ConfigureAwait(false);
        var known = course is { DurationMinutes: > 0 } ? course.DurationMinutes : (int?)null;
        // A recent entry answers, even one that says Go1 gives no duration (0): otherwise every completion
        // of such a course would ask Go1 again.
        if (go1 is null || (course is not null && time.GetUtcNow() - course.UpdatedAt < DurationRefreshAge)) return known;

        var minutes = await go1.GetCourseDurationMinutesAsync(courseId, cancellationToken).ConfigureAwait(false);
        // Go1 no longer giving a duration keeps the one we had; either way the answer is kept for DurationRefreshAge.
        var kept = minutes is > 0 ? minutes.Value : known ?? UnknownDuration;
        await catalogue.UpsertAsync(new Course(courseId, kept, course?.Title, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        return kept > 0 ? kept : null;
    }

    /// <summary>What the catalogue keeps for a course Go1 gives no duration for, so Go1 is asked again only after <see cref="DurationRefreshAge"/>.</summary>
    public const int UnknownDuration = 0;

    private static string Missing(CompletionMessage m)
    {
        var missing = new List<string>();
        var malformed = (m.Refetch ?? []).ToHashSet(StringComparer.Ordinal);
        void Add(bool absent, string field, string what)
        {
            if (malformed.Remove(field)) missing.Add($"{what} (sent malformed, left out)");
            else if (absent) missing.Add(what);
        }
        Add(m.CourseId is null, CompletionFields.CourseId, "the learning object");
        Add(m.Email is null, CompletionFields.Email, "the learner's email");
        Add(false, CompletionFields.Go1UserId, "the Go1 user");
        Add(m.CompletedAt is null, CompletionFields.CompletedAt, "the completion date");
        Add(false, CompletionFields.StartedAt, "the start date");
        Add(m.Passed is null, CompletionFields.Passed, "the pass flag");
        Add(false, CompletionFields.Score, "the score");
        Add(false, CompletionFields.Status, "the enrolment status");
        // Names a later release may add are still named.
        missing.AddRange(malformed.Order(StringComparer.Ordinal).Select(f => $"{f} (sent malformed, left out)"));
        return string.Join(", ", missing);
    }
}
