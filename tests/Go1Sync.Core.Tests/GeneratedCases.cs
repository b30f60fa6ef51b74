using System.Globalization;
using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Tests;

/// <summary>
/// How big a generated case is: at most so many attempt ids, enrolment ids and events, how often an
/// event sits exactly on an anchor instant (a cutover, or one of a few days), and how long before
/// its completion a completion's Go1 start may be (a negative value: a start after the completion).
/// </summary>
/// <param name="Cases">How many cases a property is checked on, from consecutive seeds starting at <paramref name="BaseSeed"/>.</param>
internal sealed record CaseShape(int MaxAttempts, int MaxEnrolments, int MaxEvents, int AtAnchorPercent, int EarliestStartMinutes, int Cases, int BaseSeed)
{
    /// <summary>The rules' property tests: small cases, checked against a reference model.</summary>
    public static CaseShape Rules { get; } = new(4, 3, 14, 50, 0, Cases: 500, BaseSeed: 20_241_219);
    /// <summary>The incremental fold's property tests: longer sequences, with starts a little after their completions too.</summary>
    public static CaseShape Incremental { get; } = new(10, 6, 40, 45, -5, Cases: 400, BaseSeed: 14_000_000);
}

/// <summary>A generated event: a launch or a completion (with the duration known when it was accepted).</summary>
internal sealed record GenEvent(Launch? Launch, Completion? Completion, int? DurationMinutes)
{
    public DateTimeOffset Time => Launch?.LaunchedAt ?? Completion!.CompletedAt;

    /// <summary>Events one per line, for a failure message.</summary>
    public static string Describe(IEnumerable<GenEvent> events) => string.Join("\n", events.Select(e => "  " + e));
    public string Key => Launch is not null ? Launch.AttemptId : Completion!.EnrolmentId;

    public override string ToString() => Launch is { } l
        ? $"launch {l.AttemptId} {l.Platform} {Instants.Format(l.LaunchedAt)}"
        : $"completion {Completion!.EnrolmentId} {Instants.Format(Completion.CompletedAt)} passed={Completion.Passed} score={Completion.Score?.ToString(CultureInfo.InvariantCulture) ?? "-"} started={(Completion.StartedAt is { } s ? Instants.Format(s) : "-")} duration={DurationMinutes?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}";
}

internal sealed class GeneratedCase
{
    public const string Email = "prop@example.com";
    public const string CourseId = "lo-prop";

    
    private GeneratedCase(AttemptRules rules, List<GenEvent> events, List<DateTimeOffset> instants, Random random)
    {
        Rules = rules;
        Events = events;
        Instants = instants;
        Random = random;
    }

    public AttemptRules Rules { get; }
    public List<GenEvent> Events { get; }
    public List<DateTimeOffset> Instants { get; }
    public Random Random { get; }

    /// <summary>Checks <paramref name="property"/> on the shape's cases; a failure names the seed and the events in their generated order.</summary>
    public static void ForAll(CaseShape shape, Action<GeneratedCase> property)
    {
        for (var i = 0; i < shape.Cases; i++)
        {
            var seed = shape.BaseSeed + i;
            var c = Generate(seed, shape);
            try
            {
                property(c);
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"Case seed {seed} (cutovers {c.Rules.Cutovers}) failed:\n{GenEvent.Describe(c.Events)}\n{ex.Message}");
            }
        }
    }

    public static GeneratedCase Generate(int seed, CaseShape shape)
    {
        var random = new Random(seed);
        var cutovers = random.Next(10) < 7
            ? Cutovers.Default
            : new Cutovers(At.Utc(12, 19, 11), At.Utc(12, 20, 8), At.Utc(12, 25, 23)); // connector before the web launch tracking

        var anchors = new List<DateTimeOffset> { At.Utc(12, 1, 9), At.Utc(12, 10, 8), At.Utc(12, 22, 8), At.Utc(12, 27, 9) };
        foreach (var cut in new[] { cutovers.Connector, cutovers.WebLaunch, cutovers.MobileLaunch })
            anchors.AddRange([cut - At.OneMs, cut, cut + TimeSpan.FromHours(2)]);

        var platforms = new[] { Platform.Web, Platform.Web, Platform.Mobile, Platform.Mobile, Platform.Unknown };
        var attemptIds = Enumerable.Range(1, random.Next(1, shape.MaxAttempts + 1)).Select(i => "a" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var platformOf = attemptIds.ToDictionary(id => id, _ => platforms[random.Next(platforms.Length)]);
        var enrolmentIds = Enumerable.Range(1, random.Next(1, shape.MaxEnrolments + 1)).Select(i => "e" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var durations = new int?[] { null, 30, 120, 300 };

        DateTimeOffset RandomInstant()
        {
            var anchor = anchors[random.Next(anchors.Count)];
            return random.Next(100) switch
            {
                var p when p < shape.AtAnchorPercent => anchor,
                < 85 => anchor + TimeSpan.FromMinutes(random.Next(1, 400)),
                _ => anchor + TimeSpan.FromMilliseconds(random.Next(-3, 4)),
            };
        }

        var completions = new Dictionary<(string, DateTimeOffset), GenEvent>();
        var events = new List<GenEvent>();
        var count = random.Next(1, shape.MaxEvents + 1);
        for (var i = 0; i < count; i++)
        {
            if (events.Count > 0 && random.Next(10) == 0)
            {
                events.Add(events[random.Next(events.Count)]); // a redelivery
                continue;
            }

            var at = RandomInstant();
            if (random.Next(100) < 60)
            {
                var id = attemptIds[random.Next(attemptIds.Length)];
                events.Add(new GenEvent(new Launch(id, Email, CourseId, platformOf[id], at), null, null));
            }
            else
            {
                var enrolment = enrolmentIds[random.Next(enrolmentIds.Length)];
                if (!completions.TryGetValue((enrolment, at), out var e))
                {
                    DateTimeOffset? startedAt = random.Next(10) < 4 ? null : at - TimeSpan.FromMinutes(random.Next(shape.EarliestStartMinutes, 600));
                    int? score = random.Next(2) == 0 ? null : random.Next(0, 101);
                    var completion = new Completion(enrolment, Email, CourseId, at, random.Next(2) == 0, score, startedAt);
                    e = new GenEvent(null, completion, durations[random.Next(durations.Length)]);
                    completions[(enrolment, at)] = e;
                }
                events.Add(e);
            }
        }

        var instants = anchors.Concat(events.Select(e => e.Time)).Distinct().Order().ToList();
        return new GeneratedCase(new AttemptRules(cutovers), events, instants, random);
    }

    public LearnerCourseHistory Empty() => LearnerCourseHistory.Empty(Email, CourseId);

    public Acceptance Accept(LearnerCourseHistory history, GenEvent e) =>
        e.Launch is { } launch ? Rules.Accept(history, launch) : Rules.Accept(history, e.Completion!, e.DurationMinutes);

    public Acceptance Apply(LearnerCourseHistory history, GenEvent e) => Accept(history, e);

    public LearnerCourseHistory ApplyAll(IEnumerable<GenEvent> events) =>
        events.Aggregate(Empty(), (h, e) => Accept(h, e).History);

    /// <summary>The fold's own order: by instant, launches before completions, then by id.</summary>
    public IReadOnlyList<GenEvent> TimeOrdered() => Events
        .OrderBy(e => e.Time)
        .ThenBy(e => e.Launch is null ? 1 : 0)
        .ThenBy(e => e.Key, StringComparer.Ordinal)
        .ToList();

    /// <summary>The events shuffled, with some of them delivered again at random places.</summary>
    public IReadOnlyList<GenEvent> ShuffledWithDuplicates()
    {
        var copy = Events.ToList();
        var extra = Random.Next(0, 1 + Events.Count / 3);
        for (var i = 0; i < extra; i++) copy.Add(Events[Random.Next(Events.Count)]);
        var array = copy.ToArray();
        Random.Shuffle(array);
        return array;
    }

    /// <summary>Each event in time order with its acceptance on the history of the events before it.</summary>
    public IEnumerable<(GenEvent Event, Acceptance Acceptance)> AcceptedInTimeOrder()
    {
        var history = Empty();
        foreach (var e in TimeOrdered())
        {
            var acceptance = Accept(history, e);
            yield return (e, acceptance);
            history = acceptance.History;
        }
    }

    public IReadOnlyList<GenEvent> Shuffled()
    {
        var copy = Events.ToArray();
        Random.Shuffle(copy);
        return copy;
    }

    public GenEvent CompletionOf(Attempt attempt) => Assert.Single(
        Events.Distinct(),
        e => e.Completion is { } c && c.EnrolmentId == attempt.Go1EnrolmentId && c.CompletedAt == attempt.CompletedAt);
}
