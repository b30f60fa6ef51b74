using Go1Sync.Infrastructure.Reconciliation;

namespace Go1Sync.Functions.Functions;

/// <summary>
/// The reconciliation with Go1's list of completed enrolments on its schedule (ReconcileSchedule,
/// every 15 minutes by default, never on start-up). A run the host missed or that failed is simply
/// followed by the next one, which reads from the same watermark.
/// </summary>
public sealed class ReconcileFunction(Go1Reconciliation reconciliation, ILogger<ReconcileFunction> logger) : ScheduledFunction(logger, "reconciliation")
{
    [Function("Reconcile")]
    public Task Run([TimerTrigger("%ReconcileSchedule%", RunOnStartup = false)] TimerInfo timer, CancellationToken cancellationToken) =>
        RunScheduledAsync(timer, cancellationToken);

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        if (!reconciliation.IsConfigured)
        {
            logger.LogWarning("Reconciliation skipped: no Go1 API is configured (Go1__ClientId, Go1__ClientSecret), so completions depend on webhooks alone");
            return;
        }
        await reconciliation.RunOnceAsync(cancellationToken);
    }
}
