using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;

namespace Go1Sync.Infrastructure.Health;

/// <summary>How much is waiting, and for how long, at one instant.</summary>
/// <param name="WatermarkAge">How long ago the reconciliation last read Go1's completions completely (null before its first run).</param>
public sealed record Backlog(int QueueDepth, int PoisonDepth, TimeSpan? OldestQueuedAge, int Parked, DateTimeOffset SampledAt, TimeSpan? WatermarkAge = null);

/// <summary>Reads the backlog from storage: queue and poison depths, the oldest queued message's age, parked messages.</summary>
public sealed class BacklogProbe(QueueServiceClient queues, IParkedStore parked, Reconciliation.ReconciliationStateStore reconciliation, IOptions<QueueOptions> options, TimeProvider time)
{
    private readonly QueueClient _queue = queues.GetQueueClient(options.Value.AttemptEventsQueue);
    private readonly QueueClient _poison = queues.GetQueueClient(options.Value.PoisonQueue);

    public async Task<Backlog> SampleAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var depth = (await _queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false)).Value.ApproximateMessagesCount;
        var poison = (await _poison.GetPropertiesAsync(cancellationToken).ConfigureAwait(false)).Value.ApproximateMessagesCount;
        var oldest = depth == 0 ? null : (await _queue.PeekMessageAsync(cancellationToken).ConfigureAwait(false)).Value?.InsertedOn;
        var parkedCount = await parked.CountAsync(cancellationToken).ConfigureAwait(false);
        var readUpTo = (await reconciliation.ReadAsync(cancellationToken).ConfigureAwait(false))?.ReadUpTo;
        return new Backlog(depth, poison, oldest is { } o ? now - o : null, parkedCount, now, readUpTo is { } r ? now - r : null);
    }
}

/// <summary>
/// Samples the backlog every minute and publishes it as gauges (go1sync.queue.depth,
/// go1sync.poison.depth, go1sync.queue.oldest_age, go1sync.parked.count, go1sync.reconcile.watermark_age) for the alerts.
/// </summary>
public sealed class BacklogMonitor : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private readonly BacklogProbe _probe;
    private readonly TimeProvider _time;
    private readonly ILogger<BacklogMonitor> _logger;
    private Backlog? _latest;

    public BacklogMonitor(BacklogProbe probe, ProcessingMetrics metrics, TimeProvider time, ILogger<BacklogMonitor> logger)
    {
        _probe = probe;
        _time = time;
        _logger = logger;
        metrics.Meter.CreateObservableGauge("go1sync.queue.depth", () => Measure(b => b.QueueDepth), unit: "{message}");
        metrics.Meter.CreateObservableGauge("go1sync.poison.depth", () => Measure(b => b.PoisonDepth), unit: "{message}");
        metrics.Meter.CreateObservableGauge("go1sync.parked.count", () => Measure(b => b.Parked), unit: "{message}");
        metrics.Meter.CreateObservableGauge("go1sync.queue.oldest_age", () => Measure(b => b.OldestQueuedAge?.TotalSeconds ?? 0), unit: "s");
        metrics.Meter.CreateObservableGauge<double>("go1sync.reconcile.watermark_age", () => Latest?.WatermarkAge is { } age ? [new Measurement<double>(age.TotalSeconds)] : [],
            unit: "s", description: "How long ago the reconciliation last read Go1's completed enrolments completely.");
    }

    public Backlog? Latest => Volatile.Read(ref _latest);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        do
        {
            try
            {
                Volatile.Write(ref _latest, await _probe.SampleAsync(stoppingToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A failed sample leaves the gauges silent (which the alerts notice); the health endpoint reports the cause.
                _logger.LogWarning(ex, "Could not sample the queue backlog");
                Volatile.Write(ref _latest, null);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private IEnumerable<Measurement<double>> Measure(Func<Backlog, double> value) =>
        Latest is { } latest ? [new(value(latest))] : [];
}
