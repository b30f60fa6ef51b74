using OpenTelemetry.Metrics;

namespace Go1Sync.Infrastructure.Configuration;

/// <summary>What the product contributes to OpenTelemetry metrics, whatever the exporter.</summary>
public static class Go1SyncTelemetry
{
    public static MeterProviderBuilder AddGo1SyncMetrics(this MeterProviderBuilder metrics) =>
        metrics
            .AddMeter(ProcessingMetrics.MeterName)
            // Latencies from milliseconds to minutes: the default buckets stop at 10 s.
            .AddView("go1sync.events.lag", new ExplicitBucketHistogramConfiguration
            {
                Boundaries = [50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000],
            });
}
