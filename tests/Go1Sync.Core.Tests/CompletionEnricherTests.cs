using System.Text.Json;
using Go1Sync.Core.Processing;
using Microsoft.Extensions.Time.Testing;

namespace Go1Sync.Core.Tests;

public sealed class CompletionEnricherTests
{
    private static readonly DateTimeOffset Now = At.Cet(12, 22, 15);
    private readonly FakeCatalogue _catalogue = new();
    private readonly FakeGo1Directory _go1 = new();
    private readonly FakeTimeProvider _time = new(Now);

    private CompletionEnricher Enricher(bool withGo1 = true) => new(_catalogue, _time, withGo1 ? _go1 : null);

    private static CompletionMessage FullPayload() => new()
    {
        EnrolmentId = "enr-1",
        Source = "webhook",
        CourseId = "lo-1",
        Go1UserId = "user-1",
        Email = "Learner@Example.com",
        Status = "completed",
        Passed = true,
        Score = 88,
        StartedAt = At.Cet(12, 22, 9),
        CompletedAt = At.Cet(12, 22, 13, 30),
    };

    /// <summary>The full payload enriched: ready, with a duration of <paramref name="minutes"/>.</summary>
    private async Task<Enrichment.Ready> ReadyWithDurationAsync(int minutes)
    {
        var ready = Assert.IsType<Enrichment.Ready>(await Enricher().EnrichAsync(FullPayload(), CancellationToken.None));
        Assert.Equal(minutes, ready.DurationMinutes);
        return ready;
    }

    [Fact]
    public async Task CompletePayload_IsUsedAsIs_WithoutAnyGo1CallAndTheDurationComesFromTheCatalogue()
    {
        _catalogue.Courses["lo-1"] = new Course("lo-1", 300, "Course", Now);

        var ready = await ReadyWithDurationAsync(300);
        var c = ready.Completion;
        Assert.Equal("enr-1", c.EnrolmentId);
        Assert.Equal("Learner@Example.com", c.Email);
        Assert.Equal("lo-1", c.CourseId);
        Assert.Equal(At.Cet(12, 22, 13, 30), c.CompletedAt);
        Assert.Equal(At.Cet(12, 22, 9), c.StartedAt);
        Assert.True(c.Passed);
        Assert.Equal(88, c.Score);
        Assert.Equal(0, _go1.Calls);
        Assert.Equal(1, _catalogue.Gets);
        Assert.Empty(_catalogue.Upserts);
    }

    [Fact]
    public async Task CompletePayloadWithoutStatus_IsTreatedAsCompleted_WithoutAnyGo1Call()
    {
        _catalogue.Courses["lo-1"] = new Course("lo-1", 300, "Course", Now);

        var result = await Enricher().EnrichAsync(FullPayload() with { Status = null }, CancellationToken.None);

        Assert.IsType<Enrichment.Ready>(result);
        Assert.Equal(0, _go1.Calls);
    }

    [Theory]
    [InlineData("in-progress")]
    [InlineData("not-started")]
    [InlineData("assigned")]
    public async Task Payload_NonCompletedStatus_IsNoEffect(string status)
    {
        var result = await Enricher().EnrichAsync(FullPayload() with { Status = status }, CancellationToken.None);

        var noEffect = Assert.IsType<Enrichment.NoEffect>(result);
        Assert.Contains(status, noEffect.Reason, StringComparison.Ordinal);
        Assert.Equal(0, _go1.Calls);
    }

    [Fact]
    public async Task CompletedStatus_AnyCase_IsMatched()
    {
        var result = await Enricher().EnrichAsync(FullPayload() with { Status = "COMPLETED" }, CancellationToken.None);
        Assert.IsType<Enrichment.Ready>(result);
    }

    [Fact]
    public async Task ThinPayload_WhoseGo1EnrolmentIsNotCompleted_IsNoEffect()
    {
        _go1.Enrolments["enr-1"] = new Go1Enrolment("enr-1", "user-1", "lo-1", "in-progress", null, null, At.Cet(12, 22, 9), null);

        var result = await Enricher().EnrichAsync(ThinPayload(), CancellationToken.None);

        Assert.IsType<Enrichment.NoEffect>(result);
        Assert.Equal(1, _go1.EnrolmentCalls);
    }

    [Fact]
    public async Task ThinPayload_WithAGo1Api_IsFilledFromGo1()
    {
        _go1.Enrolments["enr-1"] = new Go1Enrolment("enr-1", "user-1", "lo-1", "completed", false, 35, At.Cet(12, 22, 9), At.Cet(12, 22, 11));
        _go1.Emails["user-1"] = "learner@example.com";
        _catalogue.Courses["lo-1"] = new Course("lo-1", 120, "Course", Now);

        var result = await Enricher().EnrichAsync(ThinPayload(), CancellationToken.None);

        var ready = Assert.IsType<Enrichment.Ready>(result);
        Assert.Equal(new Go1Sync.Core.Attempts.Completion("enr-1", "learner@example.com", "lo-1", At.Cet(12, 22, 11), false, 35, At.Cet(12, 22, 9)), ready.Completion);
        Assert.Equal(120, ready.DurationMinutes);
        Assert.Equal(1, _go1.EnrolmentCalls);
        Assert.Equal(1, _go1.EmailCalls);
        Assert.Equal(0, _go1.DurationCalls);
    }

    [Fact]
    public async Task Email_CannotBeFound_IsUnmatched()
    {
        var message = FullPayload() with { Email = null, Go1UserId = "user-404" };

        var result = await Enricher().EnrichAsync(message, CancellationToken.None);

        var unmatched = Assert.IsType<Enrichment.Unmatched>(result);
        Assert.Contains("user-404", unmatched.Reason, StringComparison.Ordinal);
        Assert.Equal(1, _go1.EmailCalls);
    }

    [Theory]
    [InlineData("not-an-address")]
    [InlineData("learner@example.com\r\nX-Forged: 1")]
    [InlineData("Learner <learner@example.com>")]
    public async Task EmailFromGo1ThatIsNotAnAddress_IsUnmatched_NeverUsedAsTheLearner(string go1Email)
    {
        _go1.Emails["user-1"] = go1Email;

        var result = await Enricher().EnrichAsync(FullPayload() with { Email = null }, CancellationToken.None);

        var unmatched = Assert.IsType<Enrichment.Unmatched>(result);
        Assert.Contains("user-1", unmatched.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(go1Email, unmatched.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Go1Email_Blank_IsUnmatched()
    {
        _go1.Emails["user-1"] = "   ";
        var result = await Enricher().EnrichAsync(FullPayload() with { Email = null }, CancellationToken.None);
        Assert.IsType<Enrichment.Unmatched>(result);
    }

    [Fact]
    public async Task ThinPayload_WithoutAGo1Api_IsUnmatched()
    {
        var result = await Enricher(withGo1: false).EnrichAsync(ThinPayload(), CancellationToken.None);
        Assert.IsType<Enrichment.Unmatched>(result);
    }

    [Fact]
    public async Task Enrolment_UnknownToGo1_IsUnmatched()
    {
        var result = await Enricher().EnrichAsync(ThinPayload(), CancellationToken.None);
        Assert.IsType<Enrichment.Unmatched>(result);
        Assert.Equal(1, _go1.EnrolmentCalls);
    }

    [Fact]
    public async Task Duration_InTheCatalogue_IsTakenFromIt()
    {
        _catalogue.Courses["lo-1"] = new Course("lo-1", 45, "Course", Now);

        var ready = await ReadyWithDurationAsync(45);
        Assert.Equal(1, _catalogue.Gets);
        Assert.Equal(0, _go1.Calls);
        Assert.Empty(_catalogue.Upserts);
    }

    [Fact]
    public async Task Duration_MissingFromTheCatalogue_IsFetchedFromGo1AndStored()
    {
        _go1.Durations["lo-1"] = 90;

        var ready = await ReadyWithDurationAsync(90);
        Assert.Equal(1, _go1.DurationCalls);
        var stored = Assert.Single(_catalogue.Upserts);
        Assert.Equal("lo-1", stored.CourseId);
        Assert.Equal(90, stored.DurationMinutes);
        Assert.Equal(Now, stored.UpdatedAt);

        // The next completion of the course finds it in the catalogue.
        var again = await Enricher().EnrichAsync(FullPayload() with { EnrolmentId = "enr-2" }, CancellationToken.None);
        Assert.Equal(90, Assert.IsType<Enrichment.Ready>(again).DurationMinutes);
        Assert.Equal(1, _go1.DurationCalls);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    public async Task DurationUnknownEverywhere_IsReadyWithAnUnknownDuration_AndGo1IsAskedOncePerCourse(int? go1Minutes)
    {
        if (go1Minutes is { } m) _go1.Durations["lo-1"] = m;

        var result = await Enricher().EnrichAsync(FullPayload(), CancellationToken.None);
        var again = await Enricher().EnrichAsync(FullPayload(), CancellationToken.None);

        Assert.Null(Assert.IsType<Enrichment.Ready>(result).DurationMinutes);
        Assert.Null(Assert.IsType<Enrichment.Ready>(again).DurationMinutes);
        // Remembered as unknown, so the second completion of the course does not ask Go1 again.
        Assert.Equal(CompletionEnricher.UnknownDuration, Assert.Single(_catalogue.Upserts).DurationMinutes);
        Assert.Equal(1, _go1.DurationCalls);
    }

    [Fact]
    public async Task Duration_MissingWithoutAGo1Api_IsUnknown()
    {
        var result = await Enricher(withGo1: false).EnrichAsync(FullPayload(), CancellationToken.None);

        Assert.Null(Assert.IsType<Enrichment.Ready>(result).DurationMinutes);
        Assert.Equal(1, _catalogue.Gets);
    }

    /// <summary>
    /// A non-positive duration (the catalogue's "Go1 gives none", or none at all) is unknown, never
    /// passed on: AttemptRules.Accept would refuse it, and the processor would throw on every
    /// delivery of that message.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    public async Task Ready_AnyDuration_NeverCarriesOneTheRulesRefuse(int? catalogueMinutes)
    {
        if (catalogueMinutes is { } m) _catalogue.Courses["lo-1"] = new Course("lo-1", m, "Course", Now);

        var result = await Enricher().EnrichAsync(FullPayload(), CancellationToken.None);

        var ready = Assert.IsType<Enrichment.Ready>(result);
        Assert.True(ready.DurationMinutes is null or > 0, $"Ready carries a duration of {ready.DurationMinutes} minutes");
        var rules = new Go1Sync.Core.Attempts.AttemptRules(Go1Sync.Core.Attempts.Cutovers.Default);
        var history = Go1Sync.Core.Attempts.LearnerCourseHistory.Empty(ready.Completion.Email, ready.Completion.CourseId);
        Assert.True(rules.Accept(history, ready.Completion, ready.DurationMinutes).IsNew);
    }

    [Fact]
    public async Task FullPayloadWithADroppedScore_FetchesTheEnrolment_AndTakesOnlyTheDroppedFieldFromGo1()
    {
        _go1.Enrolments["enr-1"] = new Go1Enrolment("enr-1", "user-9", "lo-9", "completed", false, 35, At.Cet(12, 22, 8), At.Cet(12, 22, 12));

        var result = await Enricher().EnrichAsync(FullPayload() with { Score = null, Refetch = [CompletionFields.Score] }, CancellationToken.None);

        var ready = Assert.IsType<Enrichment.Ready>(result);
        // Go1's score fills the gap; what the payload carried well is kept.
        Assert.Equal(new Go1Sync.Core.Attempts.Completion("enr-1", "Learner@Example.com", "lo-1", At.Cet(12, 22, 13, 30), true, 35, At.Cet(12, 22, 9)), ready.Completion);
        Assert.Equal(1, _go1.EnrolmentCalls);
        Assert.Equal(0, _go1.EmailCalls);
    }

    [Fact]
    public async Task DroppedFieldThatGo1DoesNotHaveEither_IsLeftEmpty_AndTheCompletionApplies()
    {
        _go1.Enrolments["enr-1"] = new Go1Enrolment("enr-1", "user-1", "lo-1", "completed", true, null, null, At.Cet(12, 22, 13, 30));

        var result = await Enricher().EnrichAsync(FullPayload() with { Score = null, Refetch = [CompletionFields.Score] }, CancellationToken.None);

        Assert.Null(Assert.IsType<Enrichment.Ready>(result).Completion.Score);
    }

    [Fact]
    public async Task DroppedStatus_IsCheckedAgainstGo1_WhichSaysNotCompletedNoEffect()
    {
        _go1.Enrolments["enr-1"] = new Go1Enrolment("enr-1", "user-1", "lo-1", "in-progress", null, null, At.Cet(12, 22, 9), null);

        var result = await Enricher().EnrichAsync(FullPayload() with { Status = null, Refetch = [CompletionFields.Status] }, CancellationToken.None);

        Assert.Contains("in-progress", Assert.IsType<Enrichment.NoEffect>(result).Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CompletionFields.Score, "the score (sent malformed, left out)")]
    [InlineData(CompletionFields.StartedAt, "the start date (sent malformed, left out)")]
    [InlineData(CompletionFields.Passed, "the pass flag (sent malformed, left out)")]
    [InlineData("someFutureField", "someFutureField (sent malformed, left out)")]
    public async Task DroppedFieldWithoutAGo1Api_IsUnmatchedNamingIt_NeverAppliedWithoutIt(string field, string named)
    {
        var result = await Enricher(withGo1: false).EnrichAsync(FullPayload() with { Refetch = [field] }, CancellationToken.None);

        var unmatched = Assert.IsType<Enrichment.Unmatched>(result);
        Assert.Contains(named, unmatched.Reason, StringComparison.Ordinal);
        Assert.Contains("no Go1 API", unmatched.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void MessageOfAnEarlierRelease_WithoutRefetch_ReadsWithRefetchNull()
    {
        const string earlier = """{"enrolmentId":"enr-1","source":"webhook","courseId":"lo-1","email":"a@example.com","passed":true,"score":80,"completedAt":"2024-12-22T12:30:00+00:00"}""";

        var message = System.Text.Json.JsonSerializer.Deserialize<CompletionMessage>(earlier, QueueJson.Options)!;

        Assert.Null(message.Refetch);
        Assert.Equal(80, message.Score);
        Assert.DoesNotContain("refetch", System.Text.Json.JsonSerializer.Serialize(message, QueueJson.Options), StringComparison.Ordinal);
    }

    [Fact]
    public void MessageWithRefetch_ThroughTheQueueEnvelope_RoundTrips()
    {
        var envelope = EventEnvelope.ForCompletion(ThinPayload() with { Refetch = [CompletionFields.Score, CompletionFields.StartedAt] }, "go1:e1", Now);

        var read = EventEnvelope.FromJson(envelope.ToJson()).Payload.Deserialize<CompletionMessage>(QueueJson.Options)!;

        Assert.Equal([CompletionFields.Score, CompletionFields.StartedAt], read.Refetch);
    }

    private static CompletionMessage ThinPayload() => new() { EnrolmentId = "enr-1", Source = "webhook" };

    private sealed class FakeCatalogue : ICourseCatalogue
    {
        public Dictionary<string, Course> Courses { get; } = new(StringComparer.Ordinal);
        public List<Course> Upserts { get; } = [];
        public int Gets { get; private set; }

        public Task<Course?> GetAsync(string courseId, CancellationToken cancellationToken)
        {
            Gets++;
            return Task.FromResult(Courses.GetValueOrDefault(courseId));
        }

        public Task UpsertAsync(Course course, CancellationToken cancellationToken)
        {
            Upserts.Add(course);
            Courses[course.CourseId] = course;
            return Task.CompletedTask;
        }
    }

    private sealed class FakeGo1Directory : IGo1Directory
    {
        public Dictionary<string, Go1Enrolment> Enrolments { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> Emails { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, int> Durations { get; } = new(StringComparer.Ordinal);
        public int EnrolmentCalls { get; private set; }
        public int EmailCalls { get; private set; }
        public int DurationCalls { get; private set; }
        public int Calls => EnrolmentCalls + EmailCalls + DurationCalls;

        public Task<Go1Enrolment?> GetEnrolmentAsync(string enrolmentId, CancellationToken cancellationToken)
        {
            EnrolmentCalls++;
            return Task.FromResult(Enrolments.GetValueOrDefault(enrolmentId));
        }

        public Task<string?> GetUserEmailAsync(string userAccountId, CancellationToken cancellationToken)
        {
            EmailCalls++;
            return Task.FromResult(Emails.GetValueOrDefault(userAccountId));
        }

        public Task<int?> GetCourseDurationMinutesAsync(string learningObjectId, CancellationToken cancellationToken)
        {
            DurationCalls++;
            return Task.FromResult(Durations.TryGetValue(learningObjectId, out var m) ? m : (int?)null);
        }
    }
}
