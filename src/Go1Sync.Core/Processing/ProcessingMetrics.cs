using System.Diagnostics.Metrics;

namespace Go1Sync.Core.Processing;

/// <summary>
/// The processor's counters (meter <c>Go1Sync</c>). Built from <see cref="IMeterFactory"/> so
/// each host, and each test, has its own instruments.
/// </summary>
public sealed class ProcessingMetrics
{
    public const string MeterName = "Go1Sync";

    public ProcessingMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        Received = meter.CreateCounter<long>("go1sync.events.received", description: "HTTP requests by kind and answered status.");
        SweepRecoveries = meter.CreateCounter<long>("go1sync.sweep.recoveries", description: "Completions the sweep found at Go1 and queued.");
        ReconcileListed = meter.CreateCounter<long>("go1sync.reconcile.listed", unit: "{enrolment}", description: "Completed enrolments the reconciliation read from Go1's list.");
        ReconcileQueued = meter.CreateCounter<long>("go1sync.reconcile.queued", unit: "{enrolment}", description: "Completions the reconciliation found missing and queued.");
        Meter = meter;
        Processed = meter.CreateCounter<long>("go1sync.events.processed", description: "Queued events processed, by kind and outcome.");
        Conflicts = meter.CreateCounter<long>("go1sync.concurrency.conflicts", description: "Aggregate writes that lost an ETag race and were re-applied.");
        Duration = meter.CreateHistogram<double>("go1sync.events.processing_time", unit: "ms", description: "Time to apply one event.");
        Erased = meter.CreateCounter<long>("go1sync.events.erased", unit: "{event}", description: "Events dropped because their learner was erased.");
        Lag = meter.CreateHistogram<double>("go1sync.events.lag", unit: "ms", description: "From the HTTP receipt to the event being applied.");
    }

    /// <summary>For adapters that add instruments of their own (e.g. storage backlog gauges).</summary>
    public Meter Meter { get; }
    public Counter<long> Received { get; }
    public Counter<long> SweepRecoveries { get; }
    public Counter<long> ReconcileListed { get; }
    public Counter<long> ReconcileQueued { get; }
    public Counter<long> Processed { get; }
    public Counter<long> Conflicts { get; }
    public Histogram<double> Duration { get; }
    public Histogram<double> Lag { get; }
    public Counter<long> Erased { get; }
}
