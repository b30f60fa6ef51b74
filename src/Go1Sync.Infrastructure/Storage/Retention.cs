namespace Go1Sync.Infrastructure.Storage;

/// <summary>What one retention run deleted.</summary>
public sealed record RetentionReport(int Deliveries, int Parked, int Poison);

/// <summary>
/// Personal data is kept only as long as its purpose needs: delivery records (learner ids),
/// parked and poison messages (whose bodies hold learners' emails). Run daily by the Housekeeping
/// function; each store's retention is its own setting.
/// </summary>
public sealed class Retention(
    IDeliveryLog deliveries,
    IParkedStore parked,
    MessageOperations messages,
    IOptions<DeliveryLogOptions> deliveryLog,
    IOptions<ParkedOptions> parkedOptions,
    IOptions<PoisonOptions> poisonOptions,
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

        return new RetentionReport(deletedDeliveries, deletedParked.Count, deletedPoison);
    }
}
