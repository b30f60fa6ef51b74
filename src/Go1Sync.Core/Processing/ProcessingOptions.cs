using System.ComponentModel.DataAnnotations;

namespace Go1Sync.Core.Processing;

/// <summary>Settings section <c>Processing</c>.</summary>
public sealed class ProcessingOptions
{
    public const string Section = "Processing";

    /// <summary>How often one event re-reads and re-applies after an ETag conflict before the queue retries it.</summary>
    [Range(1, 100, ErrorMessage = "The setting Processing__MaxConflictRetries must be between 1 and 100.")]
    public int MaxConflictRetries { get; set; } = 10;

    /// <summary>When true, a completion for a learner with no LMS launch on the course is parked as unmatched instead of creating a go1-direct attempt.</summary>
    public bool OnlyKnownLearners { get; set; }

    /// <summary>
    /// The most attempts (and completions) one learner may have on one course. An event that would
    /// go beyond it is parked as invalid with the reason, instead of growing the history until its
    /// row overflows and every later event of that learner and course fails. The row holds about
    /// 10,000 attempts, hence the upper bound.
    /// </summary>
    [Range(1, 5_000, ErrorMessage = "The setting Processing__MaxAttemptsPerLearnerCourse must be between 1 and 5000.")]
    public int MaxAttemptsPerLearnerCourse { get; set; } = 1_000;
}

/// <summary>Settings section <c>Cutovers</c>: the December 2024 connector update instants.</summary>
public sealed class CutoverOptions
{
    public const string Section = "Cutovers";

    [Required(ErrorMessage = "The setting Cutovers__Connector is required (an ISO-8601 instant).")] public DateTimeOffset? Connector { get; set; } = Attempts.Cutovers.DefaultConnector;
    [Required(ErrorMessage = "The setting Cutovers__WebLaunch is required (an ISO-8601 instant).")] public DateTimeOffset? WebLaunch { get; set; } = Attempts.Cutovers.DefaultWebLaunch;
    [Required(ErrorMessage = "The setting Cutovers__MobileLaunch is required (an ISO-8601 instant).")] public DateTimeOffset? MobileLaunch { get; set; } = Attempts.Cutovers.DefaultMobileLaunch;

    public Attempts.Cutovers ToCutovers() => new(Connector!.Value, WebLaunch!.Value, MobileLaunch!.Value);
}
