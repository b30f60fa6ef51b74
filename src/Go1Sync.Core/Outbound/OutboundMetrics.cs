using System.Diagnostics.Metrics;
using Go1Sync.Core.Processing;
using Go1Sync.Core.Reporting;

namespace Go1Sync.Core.Outbound;

/// <summary>
/// The outbound webhooks' instruments, on the app's meter (<see cref="ProcessingMetrics.MeterName"/>):
/// counters of changes delivered, failed attempts and parked changes, and gauges of the failures in a
/// row and how far behind now the cursor is (the backlog's age), as of the last state this instance saw.
/// </summary>
public sealed class OutboundMetrics
{
    private readonly TimeProvider _time;
    private volatile OutboundState? _last;

    public OutboundMetrics(ProcessingMetrics metrics, TimeProvider time)
    {
        _time = time;
        var meter = metrics.Meter;
        Delivered = meter.CreateCounter<long>("go1sync.outbound.delivered", unit: "{change}", description: "Changes POSTed to the outbound endpoint and answered 2xx.");
        Failed = meter.CreateCounter<long>("go1sync.outbound.failed", unit: "{attempt}", description: "Outbound POSTs that failed (non-2xx, timeout, no connection), by status.");
        Parked = meter.CreateCounter<long>("go1sync.outbound.parked", unit: "{change}", description: "Changes parked after their retry schedule was exhausted.");
        meter.CreateObservableGauge("go1sync.outbound.consecutive_failures", () => _last?.ConsecutiveFailures ?? 0, unit: "{attempt}", description: "Failed attempts in a row at the first change not delivered.");
        meter.CreateObservableGauge("go1sync.outbound.stopped", () => _last is { } s && (s.Status == OutboundStatus.Disabled || s.NeedsResync) ? 1 : 0, description: "1 while the outbound endpoint is disabled (410) or needs a resynchronisation: nothing is sent until an operator acts.");
        meter.CreateObservableGauge("go1sync.outbound.lag", () => LagSeconds(), unit: "s", description: "How far behind now the outbound cursor is: the age of the oldest change not yet delivered (at most).");
    }

    public Counter<long> Delivered { get; }
    public Counter<long> Failed { get; }
    public Counter<long> Parked { get; }

    /// <summary>The state the gauges report.</summary>
    public void Observe(OutboundState state) => _last = state;

    private double LagSeconds() =>
        _last?.Cursor is { } cursor && ChangeCursor.TryDecode(cursor) is { } position
            ? Math.Max(0, (_time.GetUtcNow() - new DateTimeOffset(position.Ticks, TimeSpan.Zero)).TotalSeconds)
            : 0;
}
