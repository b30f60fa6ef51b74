using System.Collections.Concurrent;

namespace Go1Sync.Infrastructure.Go1;

/// <summary>
/// Keeps Go1 user emails and course durations in memory (bounded, expiring), with one request in
/// flight per user or course: the queue trigger processes a batch concurrently, and N completions
/// of one learner or course arriving together must cost one Go1 call, not N. Enrolments are never
/// cached (their status is the news); durations are also kept in the course catalogue table by the
/// enricher, this only spares the concurrent misses.
/// </summary>
public sealed class CachedGo1Directory(Go1ApiClient inner, TimeProvider time) : IGo1Directory
{
    public const int MaxEntries = 10_000;
    public static readonly TimeSpan Expiry = TimeSpan.FromHours(1);

    // A user without an email is asked again next time: the portal admin may be fixing it for a parked replay.
    private readonly SingleFlightCache<string?> _emails = new(time, keepNull: false);
    private readonly SingleFlightCache<int?> _durations = new(time, keepNull: true);

    public Task<Go1Enrolment?> GetEnrolmentAsync(string enrolmentId, CancellationToken cancellationToken) =>
        inner.GetEnrolmentAsync(enrolmentId, cancellationToken);

    public Task<int?> GetCourseDurationMinutesAsync(string learningObjectId, CancellationToken cancellationToken) =>
        _durations.GetAsync(learningObjectId, () => inner.GetCourseDurationMinutesAsync(learningObjectId, CancellationToken.None), cancellationToken);

    public Task<string?> GetUserEmailAsync(string userAccountId, CancellationToken cancellationToken) =>
        _emails.GetAsync(userAccountId, () => inner.GetUserEmailAsync(userAccountId, CancellationToken.None), cancellationToken);

    /// <summary>
    /// One shared task per key while it runs; its answer kept for <see cref="Expiry"/>. A failure is
    /// not kept (the next caller asks again), and a caller's cancellation does not cancel the request
    /// others wait on.
    /// </summary>
    private sealed class SingleFlightCache<T>(TimeProvider time, bool keepNull)
    {
        private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

        private sealed record Entry(Lazy<Task<T>> Value, DateTimeOffset At);

        public async Task<T> GetAsync(string key, Func<Task<T>> fetch, CancellationToken cancellationToken)
        {
            var now = time.GetUtcNow();
            if (_entries.TryGetValue(key, out var hit) && (now - hit.At >= Expiry || hit.Value.Value.IsFaulted || hit.Value.Value.IsCanceled))
                _entries.TryRemove(KeyValuePair.Create(key, hit));
            if (_entries.Count >= MaxEntries) Trim(now);
            var entry = _entries.GetOrAdd(key, _ => new Entry(new Lazy<Task<T>>(fetch), now));
            try
            {
                var value = await entry.Value.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (value is null && !keepNull) _entries.TryRemove(KeyValuePair.Create(key, entry));
                return value;
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                _entries.TryRemove(KeyValuePair.Create(key, entry));
                throw;
            }
        }

        /// <summary>Bounded: drop the expired first, and if that is not enough, start over.</summary>
        private void Trim(DateTimeOffset now)
        {
            foreach (var (id, entry) in _entries)
                if (now - entry.At >= Expiry) _entries.TryRemove(KeyValuePair.Create(id, entry));
            if (_entries.Count >= MaxEntries) _entries.Clear();
        }
    }
}
