using Go1Sync.Core.Attempts;
using Go1Sync.Core.Learners;
using Go1Sync.Core.Processing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Go1Sync.Application.Tests;

/// <summary>The use cases and the dispatcher wired as the app wires them, over in-memory ports.</summary>
internal sealed class Harness : IDisposable
{
    public static readonly DateTimeOffset Now = DateTimeOffset.Parse("2025-03-10T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    public const string Email = "ada@example.com";
    public const string Course = "go1-course-5h";

    private readonly TestMeterFactory _meters = new();

    public Harness(ProcessingOptions? options = null, Func<CompletionMessage, Enrichment>? enrich = null, params string[] erased)
    {
        Options = options ?? new ProcessingOptions();
        Store = new InMemoryAttemptStore(Deliveries);
        Enricher = new FakeEnricher(enrich ?? (m => new Enrichment.Ready(
            new Completion(m.EnrolmentId, m.Email!, m.CourseId!, m.CompletedAt!.Value, m.Passed ?? false, m.Score, m.StartedAt), 300)));
        Metrics = new ProcessingMetrics(_meters);
        var parking = new Parking(Parked, Time, NullLogger<Parking>.Instance);
        Tombstones = new FakeTombstones(erased);
        Writer = new HistoryWriter(Store, Rules, Options, parking, Ids, Time, Metrics, NullLogger<HistoryWriter>.Instance, Tombstones);
        Launches = new ApplyLaunch(Writer, Rules);
        Completions = new ApplyCompletion(Enricher, Writer, Rules, Options, parking, NullLogger<ApplyCompletion>.Instance);
        Processor = new AttemptEventProcessor(Launches, Completions, parking, Deliveries, Metrics, Time, NullLogger<AttemptEventProcessor>.Instance);
    }

    /// <summary>The system clock: the writer's back-off between conflicts is a real (millisecond) delay.</summary>
    public TimeProvider Time { get; } = TimeProvider.System;
    public LearnerIds Ids { get; } = LearnerIds.Development;
    public AttemptRules Rules { get; } = new(Cutovers.Default);
    public ProcessingOptions Options { get; }
    public InMemoryAttemptStore Store { get; }
    public InMemoryParkedStore Parked { get; } = new();
    public FakeTombstones Tombstones { get; }
    public RecordingDeliveryLog Deliveries { get; } = new();
    public FakeEnricher Enricher { get; }
    public ProcessingMetrics Metrics { get; }
    public HistoryWriter Writer { get; }
    public ApplyLaunch Launches { get; }
    public ApplyCompletion Completions { get; }
    public AttemptEventProcessor Processor { get; }

    public LearnerCourseKey Key => LearnerCourseKey.For(Ids, Email, Course);

    public static LaunchMessage Launch(string attemptId, DateTimeOffset at, string email = Email) =>
        new(attemptId, email, Course, Platform.Web, at);

    public static CompletionMessage Completion(string enrolmentId, DateTimeOffset at, string email = Email) => new()
    {
        Source = "webhook",
        EnrolmentId = enrolmentId,
        CourseId = Course,
        Email = email,
        Status = "completed",
        Passed = true,
        Score = 80,
        CompletedAt = at,
    };

    public static EventEnvelope Envelope(LaunchMessage launch) => EventEnvelope.ForLaunch(launch, EventIds.Launch(launch.AttemptId, launch.LaunchedAt), Now);

    public static EventEnvelope Envelope(CompletionMessage completion) => EventEnvelope.ForCompletion(completion, EventIds.Webhook(null, completion.EnrolmentId), Now);

    /// <summary>The same event applied twice: the second time it is a duplicate, and only the first wrote.</summary>
    public async Task AssertAppliedOnceThenDuplicateAsync(Func<Task<ProcessingOutcome>> apply)
    {
        await apply();
        var outcome = await apply();
        Assert.Equal(OutcomeKind.Duplicate, outcome.Kind);
        Assert.Equal(1, Store.Saves);
    }

    public Task<ProcessingOutcome> LaunchAsync(LaunchMessage launch)
    {
        var envelope = Envelope(launch);
        return Launches.ExecuteAsync(envelope, envelope.ToJson(), launch, CancellationToken.None);
    }

    public Task<ProcessingOutcome> CompleteAsync(CompletionMessage completion)
    {
        var envelope = Envelope(completion);
        return Completions.ExecuteAsync(envelope, envelope.ToJson(), completion, CancellationToken.None);
    }

    public IReadOnlyList<Attempt> Attempts => Store[Key] is { } stored ? Rules.Fold(stored.History) : [];

    public static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose() => _meters.Dispose();
}
