using Go1Sync.Infrastructure.Erasure;
using Microsoft.Extensions.Time.Testing;

namespace Go1Sync.Infrastructure.Tests;

/// <summary>
/// The delivery outcome of an event that commits its aggregate is a row of that batch in the course
/// partition (<c>~d~{day}_{identity}</c>): the delivery log still lists it (by since, enrolment,
/// learner), still reads the day-partition records written before, reads one delivery kept in both
/// places as one record, and retention and erasure reach it.
/// </summary>
public sealed class CourseDeliveryRecordTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Listing_AnOutcomeCommittedInItsCoursePartition_IsFoundBySinceEnrolmentAndLearnerInTwoQueriesPlusOnePerCourse()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        await host.PostCourseAsync("""{"courseId":"cdr-course-1","durationMinutes":60}""");
        await host.PostLaunchAsync("cdr-a", "cdr@example.com", "cdr-course-1", "web", "2025-06-01T08:00:00Z");
        // Drained first: processed before its launch, the completion would apply to a go1-direct attempt
        // (taken over by the launch later), and its outcome would say so.
        await host.DrainAsync();
        await host.PostCompletionAsync("cdr-enr", "cdr@example.com", "cdr-course-1", "2025-06-01T08:45:00Z", passed: true);
        await host.DrainAsync();
        Assert.Equal(2, (await StorageCostTests.CourseDeliveryRowsAsync(host, "cdr-course-1")).Count);
        var courses = (await host.Get<OpenAttemptIndex>().CoursesAsync(CancellationToken.None)).Count;
        var log = host.Get<IDeliveryLog>();
        host.Transactions.Reset();

        var byEnrolment = Assert.Single(await log.FindAsync(new DeliveryQuery(since, EnrolmentId: "cdr-enr"), CancellationToken.None));

        // The day partitions since the day asked (one query), the course list (one), and one range per course.
        Assert.Equal(2L + courses, host.Transactions.TableQueries);
        Assert.Equal((DeliveryOutcomes.Applied, "attempts cdr-a", 202), (byEnrolment.Outcome, byEnrolment.OutcomeDetail, byEnrolment.HttpStatus));
        var byLearner = await log.FindAsync(new DeliveryQuery(since, LearnerHash: host.Ids.Id("cdr@example.com")), CancellationToken.None);
        Assert.Equal([EventKinds.Launch, EventKinds.Completion], byLearner.Select(r => r.Kind));
        Assert.Contains(await log.FindAsync(new DeliveryQuery(since), CancellationToken.None), r => r.AttemptId == "cdr-a" && r.Outcome == DeliveryOutcomes.Applied);
        // Not listed for a later day.
        Assert.DoesNotContain(await log.FindAsync(new DeliveryQuery(DateTimeOffset.UtcNow.AddDays(1)), CancellationToken.None), r => r.EnrolmentId == "cdr-enr");
        // Neither the read API nor the summary reads them: the course has one attempt.
        Assert.Single(await host.StatsRowsAsync("cdr-course-1"));
    }

    [Fact]
    public async Task Listing_MoreRefusalsInTheDayPartitionThanMax_StillListsTheEarlierAppliedDeliveryOfTheCoursePartition()
    {
        // Its own storage: the listing is cut at Max, so other tests' deliveries must not be in it.
        var own = new AzuriteFixture();
        await own.InitializeAsync();
        try
        {
            await using var host = await Go1SyncTestHost.StartAsync(own.Azurite);
            var since = DateTimeOffset.UtcNow.AddMinutes(-1);
            await host.PostLaunchAsync("cdr-max", "cdr-max@example.com", "cdr-course-max", "web", "2025-06-01T08:00:00Z");
            await host.DrainAsync();
            var log = host.Get<IDeliveryLog>();
            for (var i = 0; i < 3; i++)
                await log.RecordReceiptAsync(new DeliveryReceipt($"refused-{i}", EventKinds.Completion, null, DateTimeOffset.UtcNow.AddSeconds(10 + i), "invalid", 401), CancellationToken.None);

            var listed = await log.FindAsync(new DeliveryQuery(since, Max: 2), CancellationToken.None);

            Assert.Equal(2, listed.Count);
            Assert.Equal(("cdr-max", DeliveryOutcomes.Applied), (listed[0].AttemptId, listed[0].Outcome));
            Assert.Equal("refused-0", listed[1].Identity);
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    [Fact]
    public async Task Listing_ARecordInTheDayPartitionFromBeforeTheUpgrade_IsStillListedAndItsLaterDuplicateMergesIntoOneRecord()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var receivedAt = DateTimeOffset.UtcNow.AddMinutes(-5);
        const string identity = "go1:evt-cdr-old";
        await LegacyRows.WriteDeliveryAsync(host, identity, receivedAt, "cdr-old@example.com", enrolmentId: "cdr-old-enr");
        await host.Get<OpenAttemptIndex>().RegisterCourseAsync(KeyEncoding.Escape("cdr-course-old"), "cdr-course-old", CancellationToken.None);
        var log = host.Get<IDeliveryLog>();
        Assert.Equal(DeliveryOutcomes.Applied, Assert.Single(await log.FindAsync(new DeliveryQuery(receivedAt.AddMinutes(-1), "cdr-old-enr"), CancellationToken.None)).Outcome);

        // Its redelivery after the upgrade finds the event in the aggregate and writes its instant beside it.
        await log.RecordOutcomeAsync(new DeliveryOutcome(identity, receivedAt, DeliveryOutcomes.Duplicate, null, "cdr-old-enr", host.Ids.Id("cdr-old@example.com"),
            CourseKey: KeyEncoding.Escape("cdr-course-old")), CancellationToken.None);

        var record = Assert.Single(await log.FindAsync(new DeliveryQuery(receivedAt.AddMinutes(-1), "cdr-old-enr"), CancellationToken.None));
        Assert.Equal((DeliveryOutcomes.Applied, "valid", 202), (record.Outcome, record.Signature, record.HttpStatus));
        Assert.NotNull(record.DuplicateAt);
    }

    [Fact]
    public async Task Listing_AFailureRecordedInTheDayPartitionAfterABatchThatDidCommit_ReadsAsTheAppliedRecord()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var receivedAt = DateTimeOffset.UtcNow.AddMinutes(-5);
        const string identity = "go1:evt-cdr-timeout";
        await host.Get<OpenAttemptIndex>().RegisterCourseAsync(KeyEncoding.Escape("cdr-course-t"), "cdr-course-t", CancellationToken.None);
        var log = host.Get<IDeliveryLog>();
        // The batch committed (its outcome row is there) but its answer was lost: the processor recorded a failure.
        await log.RecordOutcomeAsync(new DeliveryOutcome(identity, receivedAt, DeliveryOutcomes.Applied, "attempts t1", "cdr-t-enr", host.Ids.Id("cdr-t@example.com"),
            CourseKey: KeyEncoding.Escape("cdr-course-t")), CancellationToken.None);
        await log.RecordOutcomeAsync(new DeliveryOutcome(identity, receivedAt, DeliveryOutcomes.Failed, "delivery 1: TimeoutException: lost"), CancellationToken.None);

        var records = await log.FindAsync(new DeliveryQuery(receivedAt.AddMinutes(-1)), CancellationToken.None);

        var record = Assert.Single(records, r => r.Identity == identity);
        Assert.Equal((DeliveryOutcomes.Applied, "attempts t1", "cdr-t-enr"), (record.Outcome, record.OutcomeDetail, record.EnrolmentId));
    }

    [Fact]
    public async Task Retention_CourseDeliveryRowsReceivedBeforeDeliveryLogRetentionDays_AreDeletedPerCourseAndCountedNewerStay()
    {
        await using var azurite = await Azurite.StartInMemoryAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await Go1SyncTestHost.StartAsync(azurite, s => s["DeliveryLog:RetentionDays"] = "30", services: s => s.AddSingleton<TimeProvider>(clock));
        await host.PostLaunchAsync("cdr-r-old", "cdr-r@example.com", "cdr-course-r", "web", "2025-06-01T08:00:00Z");
        await host.DrainAsync();
        clock.Advance(TimeSpan.FromDays(31));
        await host.PostLaunchAsync("cdr-r-new", "cdr-r@example.com", "cdr-course-r", "web", "2025-06-02T08:00:00Z");
        await host.DrainAsync();
        Assert.Equal(2, (await StorageCostTests.CourseDeliveryRowsAsync(host, "cdr-course-r")).Count);

        var report = await host.Get<Retention>().RunAsync(CancellationToken.None);

        Assert.Equal(1, report.Deliveries);
        Assert.Equal("cdr-r-new", Assert.Single(await StorageCostTests.CourseDeliveryRowsAsync(host, "cdr-course-r")).GetString("AttemptId"));
        // The aggregate and its read side are not the log's: they stay.
        Assert.Equal(2, (await host.StatsRowsAsync("cdr-course-r")).Count);
    }

    [Fact]
    public async Task Erasure_TheLearnersDeliveryRowsInTheirCoursePartitions_AreDeletedAndCountedANeighboursStay()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        await host.PostLaunchAsync("cdr-e-1", "cdr-erased@example.com", "cdr-course-e", "web", "2025-06-01T08:00:00Z");
        await host.PostLaunchAsync("cdr-e-2", "cdr-erased@example.com", "cdr-course-e", "web", "2025-06-01T09:00:00Z");
        await host.PostLaunchAsync("cdr-e-3", "cdr-kept@example.com", "cdr-course-e", "web", "2025-06-01T08:00:00Z");
        await host.DrainAsync();

        var report = await host.Get<LearnerErasure>().EraseAsync("cdr-erased@example.com", CancellationToken.None);

        Assert.Equal(2, report.Deliveries);
        Assert.Equal("cdr-e-3", Assert.Single(await StorageCostTests.CourseDeliveryRowsAsync(host, "cdr-course-e")).GetString("AttemptId"));
    }
}
