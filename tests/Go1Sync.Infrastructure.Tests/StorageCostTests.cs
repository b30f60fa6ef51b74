using Azure.Data.Tables;

namespace Go1Sync.Infrastructure.Tests;

/// <summary>Counted costs (exact request counts, not timings): what one event costs in storage transactions.</summary>
public sealed class StorageCostTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task NewLaunch_CostsTwoPointReadsTheCourseListingsAndOneBatchHoldingTheDeliveryOutcome_AndNoQuery()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        await host.PostLaunchAsync("cost-a", "cost@example.com", "cost-course-1", "web", "2025-06-01T08:00:00Z");
        var t = await CostOfTheNextMessageAsync(host);

        // Reads: the aggregate (none yet), the learner's tombstone (erased?). Writes: the learner's
        // course-list row (its insert also tells that no aggregate of the layout before v3 is there)
        // and the sweep's course list (both before the tombstone read, see HistoryWriter). One batch:
        // the aggregate insert with its stats row, open-index row, change row and the delivery outcome.
        Assert.Equal((2L, 2L, 1L, 0L), (t.TableReads, t.TableWrites, t.TableBatches, t.TableQueries));
    }

    [Fact]
    public async Task NewLaunch_OnACourseThisInstanceListedAlready_SkipsTheSweepListWrite()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        await host.PostLaunchAsync("cost-l1", "cost-listed-1@example.com", "cost-course-listed", "web", "2025-06-01T08:00:00Z");
        await CostOfTheNextMessageAsync(host);
        await host.PostLaunchAsync("cost-l2", "cost-listed-2@example.com", "cost-course-listed", "web", "2025-06-01T08:00:00Z");
        var t = await CostOfTheNextMessageAsync(host);

        // As a new launch, without the upsert of the sweep's course list: the course is on it.
        Assert.Equal((2L, 1L, 1L, 0L), (t.TableReads, t.TableWrites, t.TableBatches, t.TableQueries));
        Assert.Contains(KeyEncoding.Escape("cost-course-listed"), await host.Get<OpenAttemptIndex>().CoursesAsync(CancellationToken.None));
    }

    [Fact]
    public async Task NewLaunch_WithAPreviousLearnerIdKey_TheTombstoneCheckIsStillOneRequestAQueryOfCurrentAndPreviousIdsInsteadOfThePointRead()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite, s =>
        {
            s["Learners:IdKey"] = LearnerIdKeySettingsTests.NewKey();
            s["Learners:PreviousIdKey"] = LearnerIdKeySettingsTests.NewKey();
        });
        await host.PostLaunchAsync("cost-p", "cost-previous@example.com", "cost-course-p", "web", "2025-06-01T08:00:00Z");
        var t = await CostOfTheNextMessageAsync(host);

        // As a new launch without a previous key, but the tombstone read is one query on the tombstone partition.
        Assert.Equal((2L, 2L, 1L, 1L), (t.TableReads, t.TableWrites, t.TableBatches, t.TableQueries));
    }

    [Fact]
    public async Task CompletionOfAnOpenAttempt_CostsOnePointReadAndOneGuardedBatchHoldingTheDeliveryOutcome_AndNoWriteQueryNorQueueMessage()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        await QueueCompletionOfAnOpenAttemptAsync(host, "cost-course-2", "cost-b", "cost-enr");
        var t = await CostOfTheNextMessageAsync(host);

        // One read: the aggregate (an erased learner's would be a tombstone; the course duration comes
        // from the catalogue's memory: the course was written through this instance, see
        // CachedCourseCatalogue). One batch: the aggregate (If-Match), its stats row, the index
        // delete, its change row and the delivery outcome, together. Nothing else.
        Assert.Equal((1L, 0L, 1L, 0L), (t.TableReads, t.TableWrites, t.TableBatches, t.TableQueries));
        Assert.Equal(0, t.QueueWrites);
        // The outcome is the batch's row in the course partition, with the receipt the message carried.
        var row = Assert.Single(await CourseDeliveryRowsAsync(host, "cost-course-2"), r => r.GetString("EnrolmentId") == "cost-enr");
        Assert.Equal((DeliveryOutcomes.Applied, 202, "http"), (row.GetString("Outcome"), row.GetInt32("HttpStatus"), row.GetString("Source")));
    }

    [Fact]
    public async Task DuplicateCompletion_CostsOneReadAndOneWriteOfItsInstantBesideTheOutcome_NoBatch()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        await QueueCompletionOfAnOpenAttemptAsync(host, "cost-course-3", "cost-c", "cost-enr3");
        var message = (await host.Queue.ReceiveMessageAsync()).Value;
        var function = host.Function<Functions.Functions.AttemptEventsFunction>();
        await function.Run(message, CancellationToken.None);
        host.Transactions.Reset();

        await function.Run(message, CancellationToken.None);

        var t = host.Transactions;
        // The aggregate read shows the event in; its read side committed with it, so nothing is
        // rewritten. The one write is the duplicate's instant, merged into the outcome row the first
        // delivery's batch wrote in the course partition (one record, "applied" kept).
        Assert.Equal((1L, 1L, 0L, 0L), (t.TableReads, t.TableWrites, t.TableBatches, t.TableQueries));
        var row = Assert.Single(await CourseDeliveryRowsAsync(host, "cost-course-3"), r => r.GetString("EnrolmentId") == "cost-enr3");
        Assert.Equal(DeliveryOutcomes.Applied, row.GetString("Outcome"));
        Assert.NotNull(row.GetDateTimeOffset("DuplicateAt"));
    }

    [Fact]
    public async Task CompletionEndToEnd_IntakeProcessingAndTheTriggersQueueRequests_CountedExactly()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        await host.PostCourseAsync($$"""{"courseId":"cost-course-e2e","durationMinutes":60}""");
        await host.PostLaunchAsync("cost-e2e", "cost@example.com", "cost-course-e2e", "web", "2025-06-01T08:00:00Z");
        await host.DrainAsync();
        host.Transactions.Reset();

        // Intake: the queue write alone; the delivery receipt travels in the message.
        await host.PostCompletionAsync("cost-enr-e2e", "cost@example.com", "cost-course-e2e", "2025-06-01T08:45:00Z", passed: true);
        Assert.Equal((1L, 0L, 0L), (host.Transactions.QueueWrites, host.Transactions.QueueOther, host.Transactions.TableReads + host.Transactions.TableWrites + host.Transactions.TableBatches));

        // The trigger: one receive (a batch of up to 16 messages), the processing, the delete.
        var message = Assert.Single((await host.Queue.ReceiveMessagesAsync(16)).Value);
        await host.Function<AttemptEventsFunction>().Run(message, CancellationToken.None);
        await host.Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);

        var t = host.Transactions;
        // Processing as CompletionOfAnOpenAttempt: 1 point read, 1 batch (the outcome inside); queue: receive and delete.
        Assert.Equal((1L, 0L, 1L), (t.TableReads, t.TableWrites, t.TableBatches));
        Assert.Equal((1L, 2L), (t.QueueWrites, t.QueueOther));
        // Counted here: 1 (intake) + 2 (processing) + 1 (receive) + 1 (delete) = 5 transactions.
        // Per completion, the receive amortised over a batch of 16: 1 + 2 + 1 + 1/16 = 4.0625 transactions.
        Assert.Equal(5L, t.Total);
    }

    [Fact]
    public async Task DeliveryLog_TwentyDayPartitionOutcomesRecordedAtOnce_AreAtMostThreeRequestsAndAllStored()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var log = host.Get<IDeliveryLog>();
        var receivedAt = DateTimeOffset.UtcNow;
        host.Transactions.Reset();

        // The first finds the log idle and starts a flush; those recorded while a write is in flight
        // wait for it and go together in the next transaction. How many the first flush takes is up to
        // the scheduler and the HTTP stack, so: at most three requests in all, never one each.
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            log.RecordOutcomeAsync(new DeliveryOutcome($"group-{i:00}", receivedAt, DeliveryOutcomes.NoEffect, "status 'assigned'"), CancellationToken.None)));

        Assert.InRange(host.Transactions.TableWrites + host.Transactions.TableBatches, 1L, 3L);
        var stored = await log.FindAsync(new DeliveryQuery(receivedAt.AddMinutes(-1)), CancellationToken.None);
        Assert.Equal(20, stored.Count(r => r.Identity.StartsWith("group-", StringComparison.Ordinal) && r.Outcome == DeliveryOutcomes.NoEffect));
    }

    /// <summary>The delivery rows of a course's partition (the outcomes its aggregates' batches committed).</summary>
    internal static async Task<IReadOnlyList<TableEntity>> CourseDeliveryRowsAsync(Go1SyncTestHost host, string courseId)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in host.Get<TableServiceClient>().GetTableClient(TableNames.AttemptStats).QueryAsync<TableEntity>(TableClient.CreateQueryFilter(
            $"PartitionKey eq {KeyEncoding.Escape(courseId)} and RowKey ge {CourseRows.DeliveryPrefix} and RowKey lt {CourseRows.DeliveryEnd}")))
            rows.Add(row);
        return rows;
    }

    /// <summary>A one-hour course, a launch applied, and its completion (45 minutes later) queued, not applied.</summary>
    private static async Task QueueCompletionOfAnOpenAttemptAsync(Go1SyncTestHost host, string course, string attemptId, string enrolmentId)
    {
        await host.PostCourseAsync($$"""{"courseId":"{{course}}","durationMinutes":60}""");
        await host.PostLaunchAsync(attemptId, "cost@example.com", course, "web", "2025-06-01T08:00:00Z");
        await host.DrainAsync();
        await host.PostCompletionAsync(enrolmentId, "cost@example.com", course, "2025-06-01T08:45:00Z", passed: true);
    }

    /// <summary>Applies the next queued message with the queue function; the storage requests of that alone.</summary>
    private static async Task<StorageTransactionCounter> CostOfTheNextMessageAsync(Go1SyncTestHost host)
    {
        var message = (await host.Queue.ReceiveMessageAsync()).Value;
        host.Transactions.Reset();
        await host.Function<AttemptEventsFunction>().Run(message, CancellationToken.None);
        return host.Transactions;
    }
}
