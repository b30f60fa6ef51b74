namespace Go1Sync.Core.Outbound;

/// <summary>
/// When to try a change again after a failed POST: Standard Webhooks' suggested schedule, one delay
/// per failure in a row (the 1st failure waits 5 s, the 2nd 5 min, … the 9th 24 h), each with
/// ±<see cref="Jitter"/> of random jitter so many endpoints retried together spread out. A failure
/// after the 9th retry (the 10th attempt) exhausts it: the change is parked. An answer's
/// <c>Retry-After</c> replaces that failure's delay (no jitter), capped at <see cref="MaxRetryAfter"/>.
/// </summary>
public sealed class RetrySchedule(Random? random = null, IReadOnlyList<TimeSpan>? delays = null)
{
    public static readonly IReadOnlyList<TimeSpan> Delays =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(14), TimeSpan.FromHours(20), TimeSpan.FromHours(24),
    ];

    /// <summary>The delay is multiplied by a uniform factor in [1 - Jitter, 1 + Jitter].</summary>
    public const double Jitter = 0.1;

    /// <summary>A receiver's Retry-After is honoured up to the schedule's longest delay.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(24);

    /// <summary>The standard schedule's attempts for a change before it is parked: the first and one per delay.</summary>
    public static int StandardMaxAttempts => Delays.Count + 1;

    private readonly Random _random = random ?? Random.Shared;

    /// <summary>This schedule's delays (<see cref="Delays"/> unless another was given, e.g. a test's shorter one).</summary>
    public IReadOnlyList<TimeSpan> Steps { get; } = delays ?? Delays;

    public int MaxAttempts => Steps.Count + 1;

    /// <summary>The next attempt after the <paramref name="failures"/>-th failure in a row at <paramref name="failedAt"/>; null: exhausted, park the change.</summary>
    public DateTimeOffset? Next(int failures, DateTimeOffset failedAt, TimeSpan? retryAfter)
    {
        if (failures < 1) throw new ArgumentOutOfRangeException(nameof(failures), failures, "The schedule starts at the first failure.");
        if (failures > Steps.Count) return null;
        if (retryAfter is { } asked)
            return failedAt + (asked < TimeSpan.Zero ? TimeSpan.Zero : asked > MaxRetryAfter ? MaxRetryAfter : asked);
        var factor = 1 - Jitter + (2 * Jitter * _random.NextDouble());
        return failedAt + TimeSpan.FromTicks((long)(Steps[failures - 1].Ticks * factor));
    }
}
