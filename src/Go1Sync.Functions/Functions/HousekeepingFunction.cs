using Go1Sync.Infrastructure.Storage;

namespace Go1Sync.Functions.Functions;

/// <summary>Daily: enforces the retention of personal data (DeliveryLog__, Parked__, Poison__, Feed__RetentionDays).</summary>
public sealed class HousekeepingFunction(Retention retention, ILogger<HousekeepingFunction> logger)
{
    [Function("Housekeeping")]
    public async Task Run([TimerTrigger("0 15 3 * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var report = await retention.RunAsync(cancellationToken);
        logger.LogInformation("Retention: deleted {Deliveries} delivery records, {Parked} parked and {Poison} poison messages, {Changes} change-feed rows (past due: {PastDue})",
            report.Deliveries, report.Parked, report.Poison, report.Changes, timer.IsPastDue);
    }
}
