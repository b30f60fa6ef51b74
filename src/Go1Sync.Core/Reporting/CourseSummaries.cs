using System.Collections.Concurrent;

namespace Go1Sync.Core.Reporting;

/// <summary>
/// Course summaries for the read API. Computing one reads every attempt of the course
/// (O(attempts): 102 requests and about 20 s on Azurite under load at 100,000 attempts, see README
/// "Performance"), so each instance
/// keeps the last one per course for <c>maxAge</c> and computes a course at
/// most once at a time: a dashboard polling a large course, or many of them at once, costs one
/// read of the course per <c>maxAge</c> instead of one per request. A
/// summary that cannot be maintained with the writes: its median needs every time spent, and
/// legacy-closed is derived as of the instant of reading.
/// </summary>
/// <param name="maxAge">The oldest summary served (setting <c>Summary__MaxAge</c>); zero computes one on every call.</param>
public sealed class CourseSummaries(CourseStatistics statistics, TimeSpan maxAge, TimeProvider time)
{
    /// <summary>Beyond this many cached courses, expired entries are dropped when a new one is added.</summary>
    internal const int TrimAbove = 1_024;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>How many courses have a summary kept (or being computed).</summary>
    internal int CachedCourses => _entries.Count;

    public Task<CourseSummary> GetAsync(string courseId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (maxAge <= TimeSpan.Zero)
            return statistics.SummaryAsync(courseId, now, cancellationToken);

        while (true)
        {
            if (_entries.TryGetValue(courseId, out var cached) && Usable(cached, now))
                return cached.Summary.WaitAsync(cancellationToken);

            // The computation is shared by every caller waiting for it, so no one caller's
            // cancellation may stop it; each caller stops waiting on its own token.
            var fresh = new Entry(now, new Lazy<Task<CourseSummary>>(() => statistics.SummaryAsync(courseId, now, CancellationToken.None)));
            var won = cached is null ? _entries.TryAdd(courseId, fresh) : _entries.TryUpdate(courseId, fresh, cached);
            if (!won) continue;
            if (_entries.Count > TrimAbove) Trim(now);
            return fresh.Summary.WaitAsync(cancellationToken);
        }
    }

    /// <summary>How much longer <paramref name="summary"/> may be served (zero when caching is off), for the answer's Cache-Control.</summary>
    public TimeSpan FreshFor(CourseSummary summary, DateTimeOffset now) =>
        Attempts.Instants.TryParseIso8601(summary.ComputedAt, out var computedAt) && maxAge - (now - computedAt) is { Ticks: > 0 } left
            ? left
            : TimeSpan.Zero;

    /// <summary>A summary still being computed is shared whatever its age; a failed one is never served.</summary>
    private bool Usable(Entry entry, DateTimeOffset now)
    {
        var summary = entry.Summary;
        return !summary.IsCompleted || (summary.IsCompletedSuccessfully && now - entry.Started < maxAge);
    }

    private void Trim(DateTimeOffset now)
    {
        foreach (var (course, entry) in _entries)
            if (entry.Lazy.IsValueCreated && entry.Summary.IsCompleted && now - entry.Started >= maxAge)
                _entries.TryRemove(new KeyValuePair<string, Entry>(course, entry));
    }

    private sealed record Entry(DateTimeOffset Started, Lazy<Task<CourseSummary>> Lazy)
    {
        public Task<CourseSummary> Summary => Lazy.Value;
    }
}
