using System.Collections.Concurrent;
using Go1Sync.Infrastructure.Configuration;

namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// The course catalogue with each course found kept in memory for <c>Courses__CacheSeconds</c> (on
/// the <see cref="TimeProvider"/>'s clock): the durations change rarely and every completion needs
/// one. A missing course is not kept: an operator may add it on another instance at any moment, and
/// a kept "missing" would send completions to Go1 (whose answer replaces the operator's row) or
/// apply them without a duration. A write through this instance replaces its entry at once; another
/// instance's write is seen when the entry expires. A read that started before a write never
/// replaces what the write kept. Bounded: past <see cref="MaxEntries"/> the
/// expired entries go, and if that is not enough, all of them.
/// </summary>
public sealed class CachedCourseCatalogue(TableCourseCatalogue inner, IOptions<CourseCacheOptions> options, TimeProvider time) : ICourseCatalogue
{
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, (Course Course, DateTimeOffset At)> _entries = new(StringComparer.Ordinal);
    private TimeSpan Lifetime => TimeSpan.FromSeconds(options.Value.CacheSeconds);

    public async Task<Course?> GetAsync(string courseId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_entries.TryGetValue(courseId, out var hit) && now - hit.At < Lifetime) return hit.Course;
        var course = await inner.GetAsync(courseId, cancellationToken).ConfigureAwait(false);
        if (course is not null) Keep(courseId, course, now);
        return course;
    }

    public async Task UpsertAsync(Course course, CancellationToken cancellationToken)
    {
        await inner.UpsertAsync(course, cancellationToken).ConfigureAwait(false);
        Keep(course.CourseId, course, time.GetUtcNow());
    }

    /// <param name="now">When the value was read (or written): an entry kept since then is newer and stays.</param>
    private void Keep(string courseId, Course course, DateTimeOffset now)
    {
        if (Lifetime <= TimeSpan.Zero) return;
        if (_entries.Count >= MaxEntries)
        {
            foreach (var (id, entry) in _entries)
                if (now - entry.At >= Lifetime) _entries.TryRemove(KeyValuePair.Create(id, entry));
            if (_entries.Count >= MaxEntries) _entries.Clear();
        }
        _entries.AddOrUpdate(courseId, (course, now), (_, kept) => kept.At > now ? kept : (course, now));
    }
}
