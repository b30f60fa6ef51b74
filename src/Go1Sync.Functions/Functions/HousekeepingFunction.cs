using Go1Sync.Core.Processing;
using Go1Sync.Infrastructure.Configuration;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Go1Sync.Functions.Functions;

/// <summary>Daily: enforces the delivery log's retention (DeliveryLog__RetentionDays).</summary>
public sealed class HousekeepingFunction(IDeliveryLog deliveries, IOptions<DeliveryLogOptions> options, TimeProvider time, ILogger<HousekeepingFunction> logger)
{
    [Function("Housekeeping")]
    public async Task Run([TimerTrigger("0 15 3 * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var before = time.GetUtcNow().AddDays(-options.Value.RetentionDays);
        var deleted = await deliveries.PurgeAsync(before, cancellationToken);
        logger.LogInformation("Deleted {Deleted} delivery records received before {Before:O} (past due: {PastDue})", deleted, before, timer.IsPastDue);
    }
}
