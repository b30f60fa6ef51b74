namespace Go1Sync.Functions.Functions;

/// <summary>
/// A timer function that runs one job once per schedule: warns when the host ran it late (a
/// scheduled run was missed, e.g. while the app was stopped), then runs it. A missed or failed
/// run needs nothing more: the next run picks up the same work.
/// </summary>
public abstract class ScheduledFunction(ILogger logger, string job)
{
    protected async Task RunScheduledAsync(TimerInfo timer, CancellationToken cancellationToken)
    {
        if (timer.IsPastDue)
            logger.LogWarning("The {Job} is running late: a scheduled run was missed", job);
        await RunOnceAsync(cancellationToken);
    }

    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);
}
