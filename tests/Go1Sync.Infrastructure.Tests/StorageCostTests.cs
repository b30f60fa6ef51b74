namespace Go1Sync.Infrastructure.Tests;

/// <summary>Counted costs (exact request counts, not timings): what one event costs in storage transactions.</summary>
public sealed class StorageCostTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task NewLaunch_CostsThreePointReadsOneInsertTwoProjectionBatchesAndTheDeliveryOutcome_AndNoQuery()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        await host.PostLaunchAsync("cost-a", "cost@example.com", "cost-course-1", "web", "2025-06-01T08:00:00Z");
        var t = await CostOfTheNextMessageAsync(host);

        // Reads: the learner's tombstone (erased?), the aggregate, and its version again after the
        // projection (see ConvergeAsync). Writes: the aggregate insert and the delivery-log outcome.
        // Batches: stats row, index row.
        Assert.Equal((3L, 2L, 2L, 0L), (t.TableReads, t.TableWrites, t.TableBatches, t.TableQueries));
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
        Assert.Equal((3L, 2L, 2L, 1L), (t.TableReads, t.TableWrites, t.TableBatches, t.TableQueries));
    }

    [Fact]
    public async Task CompletionOfAnOpenAttempt_CostsThreePointReadsOneConditionalUpdateOneIndexDeleteTheDeliveryOutcomeAndOneBatch_AndNoQueryNorQueueMessage()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        await QueueCompletionOfAnOpenAttemptAsync(host, "cost-course-2", "cost-b", "cost-enr");
        var t = await CostOfTheNextMessageAsync(host);

        // Reads: the tombstone, the aggregate, and its version after the projection (the course
        // duration comes from the catalogue's memory: the course was written through this instance,
        // see CachedCourseCatalogue). Writes: the aggregate (If-Match), the index delete and the
        // delivery-log outcome. One batch: the stats rows of the course partition.
        Assert.Equal((3L, 3L, 1L, 0L), (t.TableReads, t.TableWrites, t.TableBatches, t.TableQueries));
        Assert.Equal(0, t.QueueWrites);
    }

    [Fact]
    public async Task DuplicateCompletion_CostsTheReadsAndARepairOfTheProjection_NoAggregateWrite()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        await QueueCompletionOfAnOpenAttemptAsync(host, "cost-course-3", "cost-c", "cost-enr3");
        var message = (await host.Queue.ReceiveMessageAsync()).Value;
        var function = host.Function<Functions.Functions.AttemptEventsFunction>();
        await function.Run(message, CancellationToken.None);
        host.Transactions.Reset();

        await function.Run(message, CancellationToken.None);

        var t = host.Transactions;
        // Reads (the duration from memory): the tombstone, the aggregate, one range query over this learner's rows in the
        // course partition (to remove rows the fold no longer has; never a scan), and the
        // aggregate's version after the repair. Writes: the delivery-log mark and the index delete
        // of the completed attempt; one repair batch.
        Assert.Equal((4L, 2L, 1L, 1L), (t.TableReads, t.TableWrites, t.TableBatches, t.TableQueries));
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
        // Processing as CompletionOfAnOpenAttempt: 3 point reads, 3 writes, 1 batch; queue: receive and delete.
        Assert.Equal((3L, 3L, 1L), (t.TableReads, t.TableWrites, t.TableBatches));
        Assert.Equal((1L, 2L), (t.QueueWrites, t.QueueOther));
        // Counted here: 1 (intake) + 7 (processing) + 1 (receive) + 1 (delete) = 10 transactions.
        // Per completion, the receive amortised over a batch of 16: 1 + 7 + 1 + 1/16 = 9.0625 transactions.
        Assert.Equal(10L, t.Total);
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
