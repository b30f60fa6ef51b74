namespace Go1Sync.Infrastructure.Storage;

/// <summary>What one retention run deleted.</summary>
public sealed record RetentionReport(int Deliveries, int Parked, int Poison)
{
    /// <summary>Change rows of the change feed deleted (<c>Feed__RetentionDays</c>).</summary>
    public int Changes { get; init; }

    /// <summary>Parked outbound webhooks deleted (parked longer ago than <c>Feed__RetentionDays</c>).</summary>
    public int ParkedOutbound { get; init; }
}

/// <summary>
/// Personal data is kept only as long as its purpose needs: delivery records (learner ids),
/// parked and poison messages (whose bodies hold learners' emails), the change feed's rows and the parked outbound webhooks (emails too). Run daily by the Housekeeping
/// function; each store's retention is its own setting.
/// </summary>
public sealed class Retention(
    IDeliveryLog deliveries,
    IParkedStore parked,
    MessageOperations messages,
    IOptions<DeliveryLogOptions> deliveryLog,
    IOptions<ParkedOptions> parkedOptions,
    IOptions<PoisonOptions> poisonOptions,
    IOptions<FeedOptions> feedOptions,
    OpenAttemptIndex index,
    Core.Outbound.IOutboundStore outbound,
    TableServiceClient tables,
    TimeProvider time,
    ILogger<Retention> logger)
{
    /// <summary>Poison messages one run deletes at most; the next day's run takes the rest.</summary>
    public const int MaxPoisonPerRun = 5_000;

    public async Task<RetentionReport> RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();

        var deliveriesBefore = now.AddDays(-deliveryLog.Value.RetentionDays);
        var deletedDeliveries = await deliveries.PurgeAsync(deliveriesBefore, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Deleted {Deleted} delivery records received before {Before:O}", deletedDeliveries, deliveriesBefore);

        var parkedBefore = now.AddDays(-parkedOptions.Value.RetentionDays);
        var deletedParked = await parked.PurgeAsync(parkedBefore, cancellationToken).ConfigureAwait(false);
        foreach (var (category, messageId) in deletedParked)
            logger.LogInformation("Deleted parked message {MessageId} ({Category}): parked before {Before:O}", messageId, category, parkedBefore);
        logger.LogInformation("Deleted {Deleted} parked messages parked before {Before:O}", deletedParked.Count, parkedBefore);

        var poisonBefore = now.AddDays(-poisonOptions.Value.RetentionDays);
        var deletedPoison = await messages.PurgePoisonAsync(poisonBefore, MaxPoisonPerRun, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Deleted {Deleted} poison messages older than {Before:O}", deletedPoison, poisonBefore);

        // Change rows are keyed by their instant: per listed course, one range of keys before the cut.
        var changesBefore = now.AddDays(-feedOptions.Value.RetentionDays);
        var stats = tables.GetTableClient(TableNames.AttemptStats);
        var deletedChanges = 0;
        foreach (var course in await index.CoursesAsync(cancellationToken).ConfigureAwait(false))
            deletedChanges += await TableBatches.DeleteAsync(stats, TableClient.CreateQueryFilter(
                $"PartitionKey eq {course} and RowKey ge {CourseRows.ChangePrefix} and RowKey lt {CourseRows.ChangesFrom(changesBefore.UtcTicks)}"), cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Deleted {Deleted} change-feed rows changed before {Before:O}", deletedChanges, changesBefore);

        // A parked outbound webhook is a copy of a change row (email included): kept as long as the feed keeps changes, counted from when it was parked.
        var deletedOutbound = 0;
        foreach (var webhook in await outbound.ListParkedAsync(cancellationToken).ConfigureAwait(false))
        {
            if (webhook.ParkedAt >= changesBefore) continue;
            await outbound.RemoveParkedAsync(webhook.WebhookId, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Deleted parked outbound webhook {WebhookId}: parked before {Before:O}", webhook.WebhookId, changesBefore);
            deletedOutbound++;
        }

        return new RetentionReport(deletedDeliveries, deletedParked.Count, deletedPoison) { Changes = deletedChanges, ParkedOutbound = deletedOutbound };
    }
}
