using Go1Sync.Core.Attempts;
using Go1Sync.Core.Processing;

namespace Go1Sync.Application.Tests;

public sealed class ApplyLaunchTests
{
    [Fact]
    public async Task ApplyLaunch_NewAttempt_ListsThePairThenCommitsTheHistoryWithTheOpenAttempt()
    {
        using var app = new Harness();

        var outcome = await app.LaunchAsync(Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z")));

        Assert.Equal(OutcomeKind.Applied, outcome.Kind);
        Assert.Equal(["a-1"], outcome.ChangedAttemptIds);
        Assert.Equal(app.Key.LearnerHash, outcome.LearnerHash);
        Assert.Equal(1, app.Store.Saves);
        var attempt = Assert.Single(app.Attempts);
        Assert.Equal((AttemptStatus.Open, 50), (attempt.Status, attempt.Progress));
        Assert.Equal([app.Key], app.Store.Registered);
        var commit = Assert.Single(app.Store.Commits);
        Assert.Equal((null, 0), (commit.ETag, commit.Before!.Count));
        Assert.Equal("a-1", Assert.Single(commit.Fold!.Attempts).AttemptId);
    }

    [Fact]
    public async Task ApplyLaunch_SameLaunchAgain_ReadsOnceAndWritesNothing()
    {
        using var app = new Harness();
        var launch = Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z"));
        await app.LaunchAsync(launch);
        var reads = app.Store.Reads;

        Assert.Equal(OutcomeKind.Duplicate, (await app.LaunchAsync(launch)).Kind);

        Assert.Equal((1, 1, 1), (app.Store.Reads - reads, app.Store.Saves, app.Store.Registered.Count));
    }

    [Fact]
    public async Task ApplyLaunch_OneConflict_RereadsAndApplies()
    {
        using var app = new Harness();
        app.Store.ConflictsToInject = 1;

        var outcome = await app.LaunchAsync(Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z")));

        Assert.Equal((OutcomeKind.Applied, 1), (outcome.Kind, outcome.ConflictRetries));
        Assert.Equal(1, app.Store.Saves);
        Assert.Single(app.Attempts);
    }

    [Fact]
    public async Task ApplyLaunch_ConflictsBeyondTheRetries_ThrowsConcurrencyExhaustedAndWritesNothing()
    {
        using var app = new Harness(new ProcessingOptions { MaxConflictRetries = 2 });
        app.Store.ConflictsToInject = 3;

        await Assert.ThrowsAsync<ConcurrencyExhaustedException>(() => app.LaunchAsync(Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z"))));

        Assert.Equal(0, app.Store.Saves);
        Assert.Empty(app.Store.Commits);
    }

    [Fact]
    public async Task ApplyLaunch_ErasedLearnerOnANewCourse_IsDroppedAndItsPairErasedWithoutWritingTheHistory()
    {
        using var app = new Harness(erased: Harness.Email);

        var outcome = await app.LaunchAsync(Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z")));

        Assert.Equal(OutcomeKind.Erased, outcome.Kind);
        Assert.Null(outcome.LearnerHash);
        // The pair is listed before the tombstones are read (so an erasure running meanwhile finds
        // it), and once the tombstone is found erased as the erasure would (a concurrent first event
        // may have passed its check): tombstone aggregate, rows, listing.
        Assert.Equal((1, 0), (app.Store.Reads, app.Store.Saves));
        Assert.Equal([app.Key], app.Store.Registered);
        Assert.Equal([app.Key], app.Store.Forgotten);
        Assert.Empty(app.Parked.Messages);
    }

    [Fact]
    public async Task ApplyLaunch_PairWithALegacyAggregate_TheListingReturnsItAndTheLaunchJoinsItsAttemptsWithoutATombstoneCheck()
    {
        using var app = new Harness();
        var legacy = app.Rules.Accept(LearnerCourseHistory.Empty(Harness.Email, Harness.Course),
            new Launch("a-old", Harness.Email, Harness.Course, Platform.Mobile, Harness.At("2025-03-01T09:00:00Z"))).History;
        app.Store.PutLegacy(app.Key, legacy);

        var outcome = await app.LaunchAsync(Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z")));

        Assert.Equal((OutcomeKind.Applied, 1, 0), (outcome.Kind, app.Store.Saves, app.Tombstones.Checks));
        Assert.Equal(["a-old", "a-1"], app.Attempts.Select(a => a.AttemptId).ToList());
        var commit = Assert.Single(app.Store.Commits);
        Assert.True(commit.Read!.Legacy);
        Assert.Equal([app.Key], app.Store.Registered);
    }

    [Fact]
    public async Task ApplyLaunch_NewPair_ListsThePairThenChecksTheTombstonesOnce()
    {
        using var app = new Harness();
        app.Store.ConflictsToInject = 1;

        await app.LaunchAsync(Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z")));

        Assert.Equal((1, 1), (app.Store.Registered.Count, app.Tombstones.Checks));
    }

    [Fact]
    public async Task ApplyLaunch_ErasedAggregate_IsDroppedOnTheOneRead()
    {
        using var app = new Harness();
        app.Store.Erase(app.Key);

        var outcome = await app.LaunchAsync(Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z")));

        Assert.Equal(OutcomeKind.Erased, outcome.Kind);
        Assert.Equal((1, 0, 0), (app.Store.Reads, app.Store.Registered.Count, app.Store.Saves));
    }

    [Fact]
    public async Task ApplyLaunch_BeyondTheAttemptsCap_ParksAsInvalidWithoutWriting()
    {
        using var app = new Harness(new ProcessingOptions { MaxAttemptsPerLearnerCourse = 2 });
        await app.LaunchAsync(Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z")));
        await app.LaunchAsync(Harness.Launch("a-2", Harness.At("2025-03-10T10:00:00Z")));

        var outcome = await app.LaunchAsync(Harness.Launch("a-3", Harness.At("2025-03-10T11:00:00Z")));

        Assert.Equal(OutcomeKind.Parked, outcome.Kind);
        Assert.Equal(2, app.Store.Saves);
        var parked = Assert.Single(app.Parked.Messages);
        Assert.Equal(ParkCategories.Invalid, parked.Category);
        Assert.Contains("Processing__MaxAttemptsPerLearnerCourse (2)", parked.Reason, StringComparison.Ordinal);
        Assert.Equal(EventIds.Launch("a-3", Harness.At("2025-03-10T11:00:00Z")), parked.MessageId);
    }

    [Fact]
    public async Task ApplyLaunch_ContinueOfAnAttemptAtTheCap_StillApplies()
    {
        using var app = new Harness(new ProcessingOptions { MaxAttemptsPerLearnerCourse = 1 });
        await app.LaunchAsync(Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z")));

        var outcome = await app.LaunchAsync(Harness.Launch("a-1", Harness.At("2025-03-10T10:00:00Z")));

        Assert.Equal(OutcomeKind.Applied, outcome.Kind);
        Assert.Empty(app.Parked.Messages);
    }
}

public sealed class ApplyCompletionTests
{
    [Fact]
    public async Task ApplyCompletion_AfterALaunch_CompletesTheLaunchedAttempt()
    {
        using var app = new Harness();
        await app.LaunchAsync(Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z")));

        var outcome = await app.CompleteAsync(Harness.Completion("enr-1", Harness.At("2025-03-10T11:30:00Z")));

        Assert.Equal(OutcomeKind.Applied, outcome.Kind);
        Assert.Equal("enr-1", outcome.EnrolmentId);
        var attempt = Assert.Single(app.Attempts);
        Assert.Equal(("a-1", AttemptStatus.Completed, (long)TimeSpan.FromHours(2.5).TotalMilliseconds), (attempt.AttemptId, attempt.Status, attempt.TimeSpentMs));
    }

    [Fact]
    public async Task ApplyCompletion_SameCompletionAgain_WritesNothing()
    {
        using var app = new Harness();
        var completion = Harness.Completion("enr-1", Harness.At("2025-03-10T11:30:00Z"));

        await app.AssertAppliedOnceThenDuplicateAsync(() => app.CompleteAsync(completion));

        Assert.Single(app.Store.Commits);
    }

    [Fact]
    public async Task ApplyCompletion_SameCompletionOnAPendingAggregate_WritesItsReadSideInFull()
    {
        using var app = new Harness();
        var completion = Harness.Completion("enr-1", Harness.At("2025-03-10T11:30:00Z"));
        await app.CompleteAsync(completion);
        app.Store.MarkPending(app.Key);

        Assert.Equal(OutcomeKind.Duplicate, (await app.CompleteAsync(completion)).Kind);

        Assert.Equal(2, app.Store.Commits.Count);
        Assert.Null(app.Store.Commits[1].Before);
    }

    [Fact]
    public async Task ApplyCompletion_UnknownLearnerWhenOnlyKnownLearnersCount_ParksAsUnmatched()
    {
        using var app = new Harness(new ProcessingOptions { OnlyKnownLearners = true });

        var outcome = await app.CompleteAsync(Harness.Completion("enr-1", Harness.At("2025-03-10T11:30:00Z")));

        Assert.Equal(OutcomeKind.Parked, outcome.Kind);
        Assert.Equal((app.Key.LearnerHash, "enr-1"), (outcome.LearnerHash, outcome.EnrolmentId));
        Assert.Equal(0, app.Store.Saves);
        var parked = Assert.Single(app.Parked.Messages);
        Assert.Equal((ParkCategories.Unmatched, ApplyCompletion.UnknownLearnerReason), (parked.Category, parked.Reason));
    }

    [Fact]
    public async Task ApplyCompletion_KnownLearnerWhenOnlyKnownLearnersCount_Applies()
    {
        using var app = new Harness(new ProcessingOptions { OnlyKnownLearners = true });
        await app.LaunchAsync(Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z")));

        var outcome = await app.CompleteAsync(Harness.Completion("enr-1", Harness.At("2025-03-10T11:30:00Z")));

        Assert.Equal(OutcomeKind.Applied, outcome.Kind);
        Assert.Empty(app.Parked.Messages);
    }

    [Fact]
    public async Task ApplyCompletion_EnrichmentUnmatched_ParksWithoutReadingTheHistory()
    {
        using var app = new Harness(enrich: _ => new Enrichment.Unmatched("Go1 user 42 has no email"));

        var outcome = await app.CompleteAsync(Harness.Completion("enr-1", Harness.At("2025-03-10T11:30:00Z")));

        Assert.Equal(OutcomeKind.Parked, outcome.Kind);
        Assert.Equal(0, app.Store.Reads);
        Assert.Equal((ParkCategories.Unmatched, "Go1 user 42 has no email"), (Assert.Single(app.Parked.Messages).Category, app.Parked.Messages[0].Reason));
    }

    [Fact]
    public async Task ApplyCompletion_EnrolmentNotCompleted_HasNoEffect()
    {
        using var app = new Harness(enrich: _ => new Enrichment.NoEffect("enrolment status is 'in-progress'"));

        var outcome = await app.CompleteAsync(Harness.Completion("enr-1", Harness.At("2025-03-10T11:30:00Z")));

        Assert.Equal((OutcomeKind.NoEffect, "enrolment status is 'in-progress'"), (outcome.Kind, outcome.Reason));
        Assert.Equal((0, 0), (app.Store.Reads, app.Store.Saves));
        Assert.Empty(app.Parked.Messages);
    }

    [Fact]
    public async Task ApplyCompletion_ErasedLearner_IsDroppedWithItsEnrolment()
    {
        using var app = new Harness(erased: Harness.Email);

        var outcome = await app.CompleteAsync(Harness.Completion("enr-1", Harness.At("2025-03-10T11:30:00Z")));

        Assert.Equal((OutcomeKind.Erased, "enr-1"), (outcome.Kind, outcome.EnrolmentId));
        Assert.Equal((1, 0), (app.Store.Reads, app.Store.Saves));
    }
}

public sealed class AttemptEventProcessorTests
{
    [Fact]
    public async Task AttemptEventProcessor_QueuedLaunch_AppliesAndRecordsTheOutcome()
    {
        using var app = new Harness();
        var envelope = Harness.Envelope(Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z")));

        var outcome = await app.Processor.ProcessAsync("msg-1", envelope.ToJson(), CancellationToken.None);

        Assert.Equal(OutcomeKind.Applied, outcome.Kind);
        var recorded = Assert.Single(app.Deliveries.Outcomes);
        Assert.Equal((envelope.Id, DeliveryOutcomes.Applied, "attempts a-1", app.Key.LearnerHash), (recorded.Identity, recorded.Outcome, recorded.Detail, recorded.LearnerHash));
    }

    [Fact]
    public async Task AttemptEventProcessor_UnknownKind_ParksAsInvalidUnderTheEnvelopeId()
    {
        using var app = new Harness();
        var launch = Harness.Envelope(Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z")));
        var envelope = launch with { Kind = "refund" };

        var outcome = await app.Processor.ProcessAsync("msg-1", envelope.ToJson(), CancellationToken.None);

        Assert.Equal(OutcomeKind.Parked, outcome.Kind);
        var parked = Assert.Single(app.Parked.Messages);
        Assert.Equal((ParkCategories.Invalid, envelope.Id), (parked.Category, parked.MessageId));
        Assert.Equal(0, app.Store.Reads);
        Assert.Equal(DeliveryOutcomes.Parked, Assert.Single(app.Deliveries.Outcomes).Outcome);
    }

    [Fact]
    public async Task AttemptEventProcessor_LostWriteRace_RecordsTheFailureAndRethrows()
    {
        using var app = new Harness(new ProcessingOptions { MaxConflictRetries = 1 });
        app.Store.ConflictsToInject = 2;
        var envelope = Harness.Envelope(Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z")));

        await Assert.ThrowsAsync<ConcurrencyExhaustedException>(() => app.Processor.ProcessAsync("msg-1", envelope.ToJson(), CancellationToken.None, deliveryCount: 3));

        var recorded = Assert.Single(app.Deliveries.Outcomes);
        Assert.Equal(DeliveryOutcomes.Failed, recorded.Outcome);
        Assert.StartsWith("delivery 3: ConcurrencyExhaustedException", recorded.Detail, StringComparison.Ordinal);
    }
}
