using System.ComponentModel.DataAnnotations;

namespace Go1Sync.Infrastructure.Reconciliation;

/// <summary>
/// Settings section <c>Reconcile</c> (the schedule itself is the root setting <c>ReconcileSchedule</c>):
/// how the reconciliation reads Go1's list of completed enrolments.
/// </summary>
public sealed class ReconcileOptions
{
    public const string Section = "Reconcile";

    /// <summary>
    /// Each run starts this far before the watermark: Go1's list is served from a reporting index
    /// that can show an enrolment after later ones, and re-reading costs list pages, not effects.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "The setting Reconcile__Overlap must be between 00:00:00 and 1.00:00:00.")]
    public TimeSpan Overlap { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Go1 publishes no rate limit: every Go1 request of a reconciliation (list pages, user look-ups) is paced to this.</summary>
    [Range(0.1, 100.0, ErrorMessage = "The setting Reconcile__RequestsPerSecond must be between 0.1 and 100.")]
    public double RequestsPerSecond { get; set; } = 5;

    /// <summary>The first run, with no watermark yet, reads this far back; older history is what <c>go1sync backfill</c> is for.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00", ErrorMessage = "The setting Reconcile__InitialLookback must be between 00:01:00 and 365.00:00:00.")]
    public TimeSpan InitialLookback { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// A run reads at most this many list pages (50 enrolments each), then saves the watermark at what
    /// it read and leaves the rest to the next run, so one run stays within the host's time limit.
    /// </summary>
    [Range(1, 100_000, ErrorMessage = "The setting Reconcile__MaxPagesPerRun must be between 1 and 100000.")]
    public int MaxPagesPerRun { get; set; } = 2_000;
}
