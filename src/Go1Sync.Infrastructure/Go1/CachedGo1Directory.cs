using System.Collections.Concurrent;
using Go1Sync.Core.Processing;

namespace Go1Sync.Infrastructure.Go1;

/// <summary>
/// Keeps Go1 user emails in memory (bounded, expiring), so N completions of one learner cost one
/// user call. Enrolments are never cached (their status is the news); durations are kept in the
/// course catalogue table by the enricher.
/// </summary>
public sealed class CachedGo1Directory(Go1ApiClient inner, TimeProvider time) : IGo1Directory
{
    public const int MaxEntries = 10_000;
    public static readonly TimeSpan Expiry = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, (string? Email, DateTimeOffset At)> _emails = new(StringComparer.Ordinal);

    public Task<Go1Enrolment?> GetEnrolmentAsync(string enrolmentId, CancellationToken cancellationToken) =>
        inner.GetEnrolmentAsync(enrolmentId, cancellationToken);

    public Task<int?> GetCourseDurationMinutesAsync(string learningObjectId, CancellationToken cancellationToken) =>
        inner.GetCourseDurationMinutesAsync(learningObjectId, cancellationToken);

    public async Task<string?> GetUserEmailAsync(string userAccountId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_emails.TryGetValue(userAccountId, out var hit) && now - hit.At < Expiry && hit.Email is not null)
            return hit.Email;

        var email = await inner.GetUserEmailAsync(userAccountId, cancellationToken).ConfigureAwait(false);
        if (_emails.Count >= MaxEntries)
        {
            // Bounded: drop the expired first, and if that is not enough, start over.
            foreach (var (id, entry) in _emails)
                if (now - entry.At >= Expiry) _emails.TryRemove(id, out _);
            if (_emails.Count >= MaxEntries) _emails.Clear();
        }
        if (email is not null) _emails[userAccountId] = (email, now);
        return email;
    }
}
