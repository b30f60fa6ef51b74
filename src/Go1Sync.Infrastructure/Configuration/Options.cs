using System.ComponentModel.DataAnnotations;

namespace Go1Sync.Infrastructure.Configuration;

/// <summary>Root setting <c>AttemptEventsQueue</c>: the queue trigger reads the same setting (<c>%AttemptEventsQueue%</c>).</summary>
public sealed class QueueOptions
{
    [Required(ErrorMessage = "The setting AttemptEventsQueue is required.")]
    [RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,53}[a-z0-9]$",
        ErrorMessage = "The setting AttemptEventsQueue must be a valid queue name (3-55 lower-case letters, digits and single hyphens) so that '<name>-poison' is valid too.")]
    public string AttemptEventsQueue { get; set; } = "attempt-events";

    /// <summary>The Functions host moves a message here after maxDequeueCount failed attempts.</summary>
    public string PoisonQueue => AttemptEventsQueue + PoisonQueueSuffix;

    /// <summary>The Functions host's poison-queue suffix; infra/storage-names.json holds the same (a test keeps them equal).</summary>
    public const string PoisonQueueSuffix = "-poison";

    /// <summary>host.json's <c>extensions.queues.maxDequeueCount</c>, for consumers other than the host (go1sync drain); a test keeps the two equal.</summary>
    public const int MaxDequeueCount = 5;

    /// <summary>host.json's <c>extensions.queues.batchSize</c>, likewise.</summary>
    public const int BatchSize = 16;
}

/// <summary>Settings section <c>Sweep</c> (the schedule itself is the root setting <c>SweepSchedule</c>).</summary>
public sealed class SweepOptions
{
    public const string Section = "Sweep";

    /// <summary>An open attempt with no activity for this long is worth asking Go1 about.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00", ErrorMessage = "The setting Sweep__StaleAfter must be between 00:01:00 and 7.00:00:00.")]
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(30);

    [Range(1, 5_000, ErrorMessage = "The setting Sweep__MaxPerRun must be between 1 and 5000.")]
    public int MaxPerRun { get; set; } = 200;

    [Range(typeof(TimeSpan), "00:05:00", "30.00:00:00", ErrorMessage = "The setting Sweep__MaxBackoff must be between 00:05:00 and 30.00:00:00.")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromDays(1);

    /// <summary>An open attempt without activity for this long is abandoned: its index row goes (a continue brings it back).</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00", ErrorMessage = "The setting Sweep__GiveUpAfter must be between 1.00:00:00 and 3650.00:00:00.")]
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromDays(90);
}

/// <summary>
/// How long one place that holds personal data keeps it (settings <c>&lt;Section&gt;__RetentionDays</c>);
/// the daily Housekeeping function deletes what is older. Each place has its own section and default.
/// </summary>
public abstract class RetentionOptions(string section, int defaultDays) : IValidatableObject
{
    public const int MaxRetentionDays = 3650;

    public int RetentionDays { get; set; } = defaultDays;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RetentionDays is < 1 or > MaxRetentionDays)
            yield return new ValidationResult($"The setting {section}__RetentionDays must be between 1 and {MaxRetentionDays}.", [nameof(RetentionDays)]);
    }
}

/// <summary>Settings section <c>DeliveryLog</c>: days a delivery record is kept (default 30).</summary>
public sealed class DeliveryLogOptions() : RetentionOptions(Section, 30)
{
    public const string Section = "DeliveryLog";
}

/// <summary>
/// Settings section <c>Parked</c>: parked messages hold the learner's email in their body. Days a
/// parked message is kept after it was (last) parked (default 90).
/// </summary>
public sealed class ParkedOptions() : RetentionOptions(Section, 90)
{
    public const string Section = "Parked";
}

/// <summary>
/// Settings section <c>Poison</c>: messages in <c>&lt;AttemptEventsQueue&gt;-poison</c> hold the learner's
/// email too. Days a poison message is kept after it entered the poison queue (default 30).
/// </summary>
public sealed class PoisonOptions() : RetentionOptions(Section, 30)
{
    public const string Section = "Poison";
}

/// <summary>Settings section <c>Summary</c>: how stale a course summary served by the read API may be (<see cref="Core.Reporting.CourseSummaries"/>).</summary>
public sealed class SummaryOptions
{
    public const string Section = "Summary";

    /// <summary>The oldest summary the read API serves (default one minute; 00:00:00 computes it on every call). Its <c>computedAt</c> says the instant it describes.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "The setting Summary__MaxAge must be between 00:00:00 and 01:00:00.")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Settings section <c>Feed</c>: the change feed (<c>GET /api/attempts/changes</c>, <see cref="Core.Reporting.ChangeFeed"/>).
/// </summary>
public sealed class FeedOptions
{
    public const string Section = "Feed";

    /// <summary>Days a change row is kept (the daily housekeeping deletes older ones); a cursor older than this is refused with 410.</summary>
    [Range(1, 365, ErrorMessage = "The setting Feed__RetentionDays must be between 1 and 365.")]
    public int RetentionDays { get; set; } = 30;

    /// <summary>
    /// How far behind now a page reads: a change row is stamped before its batch commits, so this must
    /// exceed the longest write (and the writers' clock skew) for no row to land behind a cursor handed out.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "The setting Feed__SafeLag must be between 00:00:00 and 00:10:00.")]
    public TimeSpan SafeLag { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Settings section <c>Health</c>: when the health endpoint says unhealthy.</summary>
public sealed class HealthOptions
{
    public const string Section = "Health";

    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00", ErrorMessage = "The setting Health__MaxQueueAge must be between 00:01:00 and 1.00:00:00.")]
    public TimeSpan MaxQueueAge { get; set; } = TimeSpan.FromMinutes(10);

    [Range(typeof(TimeSpan), "00:05:00", "7.00:00:00", ErrorMessage = "The setting Health__MaxSweepAge must be between 00:05:00 and 7.00:00:00.")]
    public TimeSpan MaxSweepAge { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The reconciliation is degraded when Go1's list was last read completely longer ago than this.</summary>
    [Range(typeof(TimeSpan), "00:15:00", "7.00:00:00", ErrorMessage = "The setting Health__MaxReconcileAge must be between 00:15:00 and 7.00:00:00.")]
    public TimeSpan MaxReconcileAge { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Settings section <c>Courses</c>: how long an instance keeps a course's catalogue entry in memory
/// (<c>Courses__CacheSeconds</c>, default 300; 0 reads the table every time), so a completion does
/// not read the <c>Courses</c> table each time. A duration changed on another instance is seen here
/// at most that long after; the completion applied meanwhile keeps the duration it was applied
/// with (the history records it), so nothing already applied changes.
/// </summary>
public sealed class CourseCacheOptions
{
    public const string Section = "Courses";

    [Range(0, 3_600, ErrorMessage = "The setting Courses__CacheSeconds must be between 0 and 3600.")]
    public int CacheSeconds { get; set; } = 300;
}
