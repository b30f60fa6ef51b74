using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Azure.Data.Tables;

namespace Go1Sync.Reliability.Tests;

/// <summary>
/// One event as a sender (the LMS or Go1) sends it. The reliability tests send these through the
/// HTTP functions, any number of times and in any order, and compare what storage ends with to
/// what the pure engine computes from the deduplicated set.
/// </summary>
public abstract record SentEvent(string Email, string CourseId)
{
    /// <summary>The event's instant, for ordering the expected history (launches first at the same instant).</summary>
    public abstract DateTimeOffset At { get; }
    public abstract int KindOrder { get; }
    /// <summary>Identity of the event (what a resend repeats): equal ids are the same event.</summary>
    public abstract string Id { get; }
    public LearnerCourse Aggregate => new(LearnerEmail.Normalize(Email), CourseId);
    public abstract Task<HttpAnswer> PostAsync(Go1SyncTestHost host);

    /// <summary>Sends the event over HTTP and lets the queue function apply everything queued.</summary>
    public async Task DeliverAsync(Go1SyncTestHost host)
    {
        await PostAsync(host);
        await host.DrainAsync();
    }
}

public sealed record LaunchSent(string AttemptId, string Email, string CourseId, Platform Platform, DateTimeOffset LaunchedAt) : SentEvent(Email, CourseId)
{
    public override DateTimeOffset At => LaunchedAt;
    public override int KindOrder => 0;
    public override string Id => $"launch|{LearnerEmail.Normalize(Email)}|{CourseId}|{AttemptId}|{Instants.Format(LaunchedAt)}";

    public override Task<HttpAnswer> PostAsync(Go1SyncTestHost host) =>
        host.PostLaunchAsync(AttemptId, Email, CourseId, Platform == Platform.Mobile ? "mobile" : "web", Instants.Format(LaunchedAt));

    public Launch ToLaunch() => new(AttemptId, Email, CourseId, Platform, LaunchedAt);

    /// <summary>The queue envelope the launch function would write.</summary>
    public EventEnvelope Envelope(DateTimeOffset receivedAt) => EventEnvelope.ForLaunch(
        new LaunchMessage(AttemptId, Email, CourseId, Platform, LaunchedAt),
        $"launch:{AttemptId}:{Instants.Format(LaunchedAt)}", receivedAt);
}

public sealed record CompletionSent(
    string EnrolmentId, string Email, string CourseId, DateTimeOffset CompletedAt, bool Passed, int? Score = null, DateTimeOffset? StartedAt = null)
    : SentEvent(Email, CourseId)
{
    public override DateTimeOffset At => CompletedAt;
    public override int KindOrder => 1;
    public override string Id => $"completion|{EnrolmentId}|{Instants.Format(CompletedAt)}";

    public override Task<HttpAnswer> PostAsync(Go1SyncTestHost host) =>
        host.PostCompletionAsync(EnrolmentId, Email, CourseId, Instants.Format(CompletedAt), Passed, Score,
            StartedAt is { } s ? Instants.Format(s) : null);

    public Completion ToCompletion() => new(EnrolmentId, Email, CourseId, CompletedAt, Passed, Score, StartedAt);
}

/// <summary>A (learner, course) aggregate: normalised email and course id.</summary>
public readonly record struct LearnerCourse(string Email, string CourseId)
{
    /// <summary>Under the test host's ids: no Learners:IdKey, so the development key.</summary>
    public LearnerCourseKey Key => LearnerCourseKey.For(LearnerIds.Development, Email, CourseId);
    public override string ToString() => $"{LearnerEmail.Mask(Email)} on {CourseId}";
}

/// <summary>What the pure engine says storage must hold, from the deduplicated events.</summary>
public static class Expected
{
    /// <summary>
    /// Every aggregate's history: the distinct events of the aggregate, sorted by time (launches
    /// before completions at the same instant, then by id), accepted one by one with
    /// <see cref="AttemptRules.Accept(LearnerCourseHistory, Launch)"/>.
    /// </summary>
    public static Dictionary<LearnerCourse, LearnerCourseHistory> Histories(
        AttemptRules rules, IEnumerable<SentEvent> events, Func<string, int?> durationMinutes)
    {
        var result = new Dictionary<LearnerCourse, LearnerCourseHistory>();
        foreach (var group in events.DistinctBy(e => e.Id).GroupBy(e => e.Aggregate))
        {
            var history = LearnerCourseHistory.Empty(group.Key.Email, group.Key.CourseId);
            foreach (var e in group.OrderBy(e => e.At).ThenBy(e => e.KindOrder).ThenBy(e => e.Id, StringComparer.Ordinal))
            {
                history = e switch
                {
                    LaunchSent l => rules.Accept(history, l.ToLaunch()).History,
                    CompletionSent c => rules.Accept(history, c.ToCompletion(), durationMinutes(c.CourseId)).History,
                    _ => throw new InvalidOperationException(e.GetType().Name),
                };
            }
            result.Add(group.Key, history);
        }
        return result;
    }
}

/// <summary>Reads storage back and lists every difference from the expected state, so one failure shows them all.</summary>
public static class StateCheck
{
    public static string Describe(Attempt a) => string.Create(CultureInfo.InvariantCulture,
        $"{a.AttemptId} [{a.Origin}/{a.Platform}] {a.Status} {a.Progress}% result={a.Result} score={a.Score?.ToString(CultureInfo.InvariantCulture) ?? "-"} " +
        $"first={Instants.Format(a.FirstActivityAt)} last={Instants.Format(a.LastActivityAt)} completed={(a.CompletedAt is { } c ? Instants.Format(c) : "-")} " +
        $"timeSpentMs={a.TimeSpentMs} enrolment={a.Go1EnrolmentId ?? "-"} durationUnknown={a.DurationUnknown} email={a.Email} course={a.CourseId}");

    /// <summary>Field-by-field comparison of two attempt lists (by attempt id).</summary>
    public static IEnumerable<string> Compare(string what, IReadOnlyList<Attempt> expected, IReadOnlyList<Attempt> actual)
    {
        var actualById = actual.GroupBy(a => a.AttemptId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var e in expected)
        {
            if (!actualById.TryGetValue(e.AttemptId, out var found))
                yield return $"{what}: missing {Describe(e)}";
            else if (found.Count > 1)
                yield return $"{what}: {found.Count} copies of {e.AttemptId}";
            else if (found[0] != e)
                yield return $"{what}: attempt {e.AttemptId}\n    expected {Describe(e)}\n    actual   {Describe(found[0])}";
        }
        foreach (var a in actual.Where(a => expected.All(e => e.AttemptId != a.AttemptId)))
            yield return $"{what}: unexpected {Describe(a)}";
    }

    /// <summary>The aggregates in storage against the expected histories: same event set, same fold.</summary>
    public static async Task<List<string>> AggregateDifferencesAsync(Go1SyncTestHost host, IReadOnlyDictionary<LearnerCourse, LearnerCourseHistory> expected)
    {
        var differences = new List<string>();
        var store = host.Get<IAttemptStore>();
        foreach (var (aggregate, history) in expected)
        {
            var stored = await store.GetAsync(aggregate.Key, CancellationToken.None);
            if (stored is null)
            {
                differences.Add($"aggregate {aggregate}: no row");
                continue;
            }
            if (!stored.History.SameEventsAs(history))
                differences.Add($"aggregate {aggregate}: history holds {stored.History.Launches.Length} launches/{stored.History.Completions.Length} completions, " +
                    $"expected {history.Launches.Length}/{history.Completions.Length} (or different records)");
            differences.AddRange(Compare($"aggregate {aggregate}", host.Rules.Fold(history), await host.AttemptsAsync(aggregate.Email, aggregate.CourseId)));
        }
        return differences;
    }

    /// <summary>The read side (AttemptStats and OpenAttempts) against the folds of the given aggregates.</summary>
    public static async Task<List<string>> ProjectionDifferencesAsync(Go1SyncTestHost host, IReadOnlyDictionary<LearnerCourse, IReadOnlyList<Attempt>> folds) =>
        [.. await StatsDifferencesAsync(host, folds), .. await OpenIndexDifferencesAsync(host, folds)];

    /// <summary>Every AttemptStats row of the aggregates' courses against the folds: nothing missing, nothing extra, every field equal.</summary>
    public static async Task<List<string>> StatsDifferencesAsync(Go1SyncTestHost host, IReadOnlyDictionary<LearnerCourse, IReadOnlyList<Attempt>> folds)
    {
        var differences = new List<string>();
        var byHash = folds.ToDictionary(kv => (kv.Key.Key.LearnerHash, kv.Key.CourseId), kv => kv);
        foreach (var course in folds.Keys.Select(k => k.CourseId).Distinct())
        {
            var rows = await host.StatsRowsAsync(course);
            var rowsByLearner = rows.GroupBy(r => r.GetString("LearnerHash")).ToDictionary(g => g.Key, g => g.Select(StatsRows.ReadStats).ToList());
            foreach (var (aggregate, attempts) in folds.Where(kv => kv.Key.CourseId == course))
                differences.AddRange(Compare($"stats row {aggregate}", attempts, rowsByLearner.GetValueOrDefault(aggregate.Key.LearnerHash) ?? []));
            foreach (var stray in rowsByLearner.Keys.Where(h => !byHash.ContainsKey((h, course))))
                differences.Add($"stats rows of course {course}: {rowsByLearner[stray].Count} rows for a learner with no aggregate ({stray})");
        }
        return differences;
    }

    /// <summary>Every OpenAttempts row of the aggregates' courses: exactly one per open attempt, at the key derived from the attempt, none for other attempts.</summary>
    public static async Task<List<string>> OpenIndexDifferencesAsync(Go1SyncTestHost host, IReadOnlyDictionary<LearnerCourse, IReadOnlyList<Attempt>> folds)
    {
        var differences = new List<string>();
        var byHash = folds.ToDictionary(kv => (kv.Key.Key.LearnerHash, kv.Key.CourseId), kv => kv);

        var courses = folds.Keys.Select(k => k.CourseId).ToHashSet(StringComparer.Ordinal);
        var index = (await host.OpenIndexRowsAsync()).Where(r => courses.Contains(r.GetString("CourseId"))).ToList();
        var expectedRows = folds
            .SelectMany(kv => kv.Value.Where(a => a.Status == AttemptStatus.Open).Select(a => (Row: OpenAttemptIndex.RowKey(kv.Key.Key, a), Aggregate: kv.Key, Attempt: a)))
            .ToDictionary(x => x.Row, StringComparer.Ordinal);
        var actualRows = index.ToDictionary(r => r.RowKey, StringComparer.Ordinal);
        foreach (var (row, e) in expectedRows)
        {
            if (!actualRows.TryGetValue(row, out var actual))
                differences.Add($"open index {e.Aggregate}: no row for open attempt {e.Attempt.AttemptId} (first activity {Instants.Format(e.Attempt.FirstActivityAt)})");
            else if (actual.GetDateTimeOffset("LastActivityAt") != e.Attempt.LastActivityAt)
                differences.Add($"open index {e.Aggregate}: row of {e.Attempt.AttemptId} has LastActivityAt {actual.GetDateTimeOffset("LastActivityAt")}, expected {Instants.Format(e.Attempt.LastActivityAt)}");
        }
        foreach (var stray in index.Where(r => !expectedRows.ContainsKey(r.RowKey)))
        {
            var owner = byHash.TryGetValue((stray.GetString("LearnerHash"), stray.GetString("CourseId")), out var kv)
                ? kv.Value.FirstOrDefault(a => a.AttemptId == stray.GetString("AttemptId")) : null;
            differences.Add($"open index: stray row {stray.RowKey} for attempt {stray.GetString("AttemptId")} on {stray.GetString("CourseId")}; " +
                (owner is null ? "no such attempt in the aggregate" : $"the aggregate has it as {Describe(owner)}"));
        }
        return differences;
    }

    public static string Report(IReadOnlyCollection<string> differences, int max = 40)
    {
        var sb = new StringBuilder();
        sb.Append(differences.Count.ToString(CultureInfo.InvariantCulture)).AppendLine(" difference(s):");
        foreach (var d in differences.Take(max)) sb.Append("  ").AppendLine(d);
        if (differences.Count > max) sb.Append("  ... and ").Append((differences.Count - max).ToString(CultureInfo.InvariantCulture)).AppendLine(" more");
        return sb.ToString();
    }
}

/// <summary>Counts go1sync.concurrency.conflicts of one host (its own meter factory), as PipelineTests does.</summary>
public sealed class ConflictCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _value;

    public ConflictCounter(Go1SyncTestHost host)
    {
        var meterFactory = host.Get<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "go1sync.concurrency.conflicts" && instrument.Meter.Scope == meterFactory)
                l.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _value, value));
        _listener.Start();
    }

    public long Value => Interlocked.Read(ref _value);

    public void Dispose() => _listener.Dispose();
}

public static class Names
{
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>The same address as senders might spell it: case and surrounding spaces vary, the learner does not.</summary>
    public static string Spelling(string email, Random random) => random.Next(4) switch
    {
        0 => email,
        1 => email.ToUpperInvariant(),
        2 => " " + char.ToUpperInvariant(email[0]) + email[1..],
        _ => email + " ",
    };
}
