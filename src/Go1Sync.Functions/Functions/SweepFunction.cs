using Go1Sync.Infrastructure.Sweep;

namespace Go1Sync.Functions.Functions;

/// <summary>
/// The reconciliation sweep on its schedule (SweepSchedule, every 5 minutes by default). One
/// instance runs at a time (the host's timer lock); a failed run is not retried, the next one
/// simply picks up the same due rows.
/// </summary>
public sealed class SweepFunction(ReconciliationSweep sweep, ILogger<SweepFunction> logger) : ScheduledFunction(logger, "sweep")
{
    [Function("Sweep")]
    public Task Run([TimerTrigger("%SweepSchedule%", RunOnStartup = false)] TimerInfo timer, CancellationToken cancellationToken) =>
        RunScheduledAsync(timer, cancellationToken);

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => sweep.RunOnceAsync(cancellationToken);
}
