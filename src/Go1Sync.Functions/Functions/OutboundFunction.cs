using Go1Sync.Core.Outbound;

namespace Go1Sync.Functions.Functions;

/// <summary>
/// The outbound webhooks on their schedule (OutboundSchedule, every minute by default, never on
/// start-up): one run of <see cref="OutboundDispatcher"/>. Off (no storage read) while Outbound__Url is empty.
/// </summary>
public sealed class OutboundFunction(OutboundDispatcher dispatcher, ILogger<OutboundFunction> logger) : ScheduledFunction(logger, "outbound webhooks")
{
    [Function("Outbound")]
    public Task Run([TimerTrigger("%OutboundSchedule%", RunOnStartup = false)] TimerInfo timer, CancellationToken cancellationToken) =>
        RunScheduledAsync(timer, cancellationToken);

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var result = await dispatcher.RunOnceAsync(cancellationToken);
        if (result.Outcome != OutboundRunOutcome.Off)
            logger.LogInformation("Outbound webhooks run: {Outcome}, {Delivered} delivered, {Parked} parked, {Failed} failed", result.Outcome, result.Delivered, result.Parked, result.Failed);
    }
}
