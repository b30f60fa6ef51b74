using System.Globalization;
using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Tests;

/// <summary>
/// Property-style tests: a seeded generator makes many random event sequences over a few
/// attempts, enrolments and instants spanning the cutovers, and the invariants of the rules are
/// checked on each. A failure names the case's seed and its events, so it can be replayed.
/// </summary>
public sealed class AttemptRulesPropertyTests
{
    private const int Sequences = 500;
    private const int BaseSeed = 20_241_219;

    [Fact]
    public void Property_ApplyingAnyEventTwice_EqualsApplyingItOnce()
    {
        ForAll(c =>
        {
            var history = c.Empty();
            foreach (var e in c.Events)
            {
                var once = c.Apply(history, e);
                var twice = c.Accept(once.History, e);
                Assert.False(twice.IsNew, $"second application of {e} reported new");
                Assert.True(twice.History.SameEventsAs(once.History), $"second application of {e} changed the history");
                Assert.Equal(c.Rules.Fold(once.History), c.Rules.Fold(twice.History));
                history = once.History;
            }
        });
    }

    [Fact]
    public void Property_AnyPermutationOfTheSameEvents_GivesTheSameFold()
    {
        ForAll(c =>
        {
            var expectedHistory = c.ApplyAll(c.Events);
            var expected = c.Rules.Fold(expectedHistory);
            var orders = new List<IReadOnlyList<GenEvent>> { c.TimeOrdered(), c.Events.AsEnumerable().Reverse().ToList() };
            for (var i = 0; i < 4; i++) orders.Add(c.Shuffled());

            foreach (var order in orders)
            {
                var history = c.ApplyAll(order);
                Assert.True(history.SameEventsAs(expectedHistory), "the stored events depend on the delivery order: " + Describe(order));
                Assert.Equal(expected, c.Rules.Fold(history));
            }
        });
    }

    [Fact]
    public void Property_AnyDeliveryOrder_FoldMatchesAStraightforwardModelOfTheRules()
    {
        ForAll(c => Assert.Equal(ReferenceModel.Fold(c), c.Rules.Fold(c.ApplyAll(c.Shuffled()))));
    }

    [Fact]
    public void Property_InTimeOrder_EachEventChangesAtMostOneAttemptAndNoneDisappears()
    {
        ForAll(c =>
        {
            var history = c.Empty();
            var before = c.Rules.Fold(history);
            foreach (var e in c.TimeOrdered())
            {
                history = c.Apply(history, e).History;
                var after = c.Rules.Fold(history);
                var byId = after.ToDictionary(a => a.AttemptId, StringComparer.Ordinal);

                foreach (var old in before) Assert.True(byId.ContainsKey(old.AttemptId), $"{old.AttemptId} disappeared after {e}");
                var changed = after.Where(a => !before.Contains(a)).ToList();
                Assert.True(changed.Count <= 1, $"{e} changed {string.Join(", ", changed.Select(a => a.AttemptId))}");

                if (e.Completion is { } completion && changed.Count == 1 && completion.CompletedAt < c.Rules.Cutovers.Connector)
                    Assert.Equal(0, changed[0].TimeSpentMs);
                before = after;
            }
        });
    }

    [Fact]
    public void Property_Progress_IsAlways0Or50Or100InReportsAnd50Or100InStoredAttempts()
    {
        ForAll(c =>
        {
            var attempts = c.Rules.Fold(c.ApplyAll(c.Events));
            foreach (var a in attempts)
            {
                Assert.Equal(a.Status == AttemptStatus.Open ? 50 : 100, a.Progress);
                Assert.Equal(a.Status == AttemptStatus.Completed, a.CompletedAt is not null);
                Assert.Equal(a.Status == AttemptStatus.Completed, a.Result != AttemptResult.None);
                foreach (var asOf in c.Instants)
                {
                    var report = c.Rules.Report(a, asOf);
                    Assert.Contains(report.Attempt.Progress, new[] { 0, 50, 100 });
                    if (report.LegacyClosed)
                    {
                        Assert.Equal((AttemptStatus.Completed, 0, AttemptResult.None, 0L), (report.Attempt.Status, report.Attempt.Progress, report.Attempt.Result, report.Attempt.TimeSpentMs));
                        Assert.Equal(AttemptStatus.Open, a.Status);
                    }
                    else
                    {
                        Assert.Equal(a, report.Attempt);
                    }
                }
            }
        });
    }

    [Fact]
    public void Property_TimeSpentIsNeverNegative_NeverAboveAKnownDurationAndZeroForLegacyCompletions()
    {
        ForAll(c =>
        {
            foreach (var a in c.Rules.Fold(c.ApplyAll(c.Events)))
            {
                Assert.True(a.TimeSpentMs >= 0, $"{a.AttemptId} has a negative time spent");
                if (a.Status == AttemptStatus.Open)
                {
                    Assert.Equal(0, a.TimeSpentMs);
                    continue;
                }

                var completion = c.CompletionOf(a);
                if (completion.DurationMinutes is { } minutes)
                {
                    Assert.True(a.TimeSpentMs <= minutes * 60_000L, $"{a.AttemptId}: {a.TimeSpentMs} ms over {minutes} min");
                    Assert.False(a.DurationUnknown);
                }
                if (a.CompletedAt < c.Rules.Cutovers.Connector || a.FirstActivityAt < c.Rules.Cutovers.TimeSpent)
                    Assert.Equal(0, a.TimeSpentMs);
                Assert.True(a.TimeSpentMs <= (long)(a.CompletedAt!.Value - a.FirstActivityAt).TotalMilliseconds || a.TimeSpentMs == 0);
            }
        });
    }

    [Fact]
    public void Property_LaunchCompaction_KeepsAtMostFourLaunchesPerAttempt()
    {
        ForAll(c =>
        {
            var history = c.ApplyAll(c.Events);
            foreach (var group in history.Launches.GroupBy(l => l.AttemptId, StringComparer.Ordinal))
                Assert.True(group.Count() <= 4, $"{group.Key} keeps {group.Count()} launches");
        });
    }

    private static void ForAll(Action<Case> property)
    {
        for (var i = 0; i < Sequences; i++)
        {
            var seed = BaseSeed + i;
            var c = Case.Generate(seed);
            try
            {
                property(c);
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"Case seed {seed} (cutovers {c.Rules.Cutovers}) failed:\n{Describe(c.Events)}\n{ex.Message}");
            }
        }
    }

    private static string Describe(IEnumerable<GenEvent> events) => string.Join("\n", events.Select(e => "  " + e));

    /// <summary>A generated event: a launch or a completion (with the duration known when it was accepted).</summary>
    internal sealed record GenEvent(Launch? Launch, Completion? Completion, int? DurationMinutes)
    {
        public DateTimeOffset Time => Launch?.LaunchedAt ?? Completion!.CompletedAt;
        public string Key => Launch is not null ? Launch.AttemptId : Completion!.EnrolmentId;

        public override string ToString() => Launch is { } l
            ? $"launch {l.AttemptId} {l.Platform} {Instants.Format(l.LaunchedAt)}"
            : $"completion {Completion!.EnrolmentId} {Instants.Format(Completion.CompletedAt)} passed={Completion.Passed} score={Completion.Score?.ToString(CultureInfo.InvariantCulture) ?? "-"} started={(Completion.StartedAt is { } s ? Instants.Format(s) : "-")} duration={DurationMinutes?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}";
    }

    internal sealed class Case
    {
        public const string Email = "prop@example.com";
        public const string CourseId = "lo-prop";

        private readonly Random _random;

        private Case(AttemptRules rules, List<GenEvent> events, List<DateTimeOffset> instants, Random random)
        {
            Rules = rules;
            Events = events;
            Instants = instants;
            _random = random;
        }

        public AttemptRules Rules { get; }
        public List<GenEvent> Events { get; }
        public List<DateTimeOffset> Instants { get; }

        public static Case Generate(int seed)
        {
            var random = new Random(seed);
            var cutovers = random.Next(10) < 7
                ? Cutovers.Default
                : new Cutovers(At.Utc(12, 19, 11), At.Utc(12, 20, 8), At.Utc(12, 25, 23)); // connector before the web launch tracking

            var anchors = new List<DateTimeOffset> { At.Utc(12, 1, 9), At.Utc(12, 10, 8), At.Utc(12, 22, 8), At.Utc(12, 27, 9) };
            foreach (var cut in new[] { cutovers.Connector, cutovers.WebLaunch, cutovers.MobileLaunch })
                anchors.AddRange([cut - At.OneMs, cut, cut + TimeSpan.FromHours(2)]);

            var platforms = new[] { Platform.Web, Platform.Web, Platform.Mobile, Platform.Mobile, Platform.Unknown };
            var attemptIds = Enumerable.Range(1, random.Next(1, 5)).Select(i => "a" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
            var platformOf = attemptIds.ToDictionary(id => id, _ => platforms[random.Next(platforms.Length)]);
            var enrolmentIds = Enumerable.Range(1, random.Next(1, 4)).Select(i => "e" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
            var durations = new int?[] { null, 30, 120, 300 };

            DateTimeOffset RandomInstant()
            {
                var anchor = anchors[random.Next(anchors.Count)];
                return random.Next(100) switch
                {
                    < 50 => anchor,
                    < 85 => anchor + TimeSpan.FromMinutes(random.Next(1, 400)),
                    _ => anchor + TimeSpan.FromMilliseconds(random.Next(-3, 4)),
                };
            }

            var completions = new Dictionary<(string, DateTimeOffset), GenEvent>();
            var events = new List<GenEvent>();
            var count = random.Next(1, 15);
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
                        DateTimeOffset? startedAt = random.Next(10) < 4 ? null : at - TimeSpan.FromMinutes(random.Next(0, 600));
                        int? score = random.Next(2) == 0 ? null : random.Next(0, 101);
                        var completion = new Completion(enrolment, Email, CourseId, at, random.Next(2) == 0, score, startedAt);
                        e = new GenEvent(null, completion, durations[random.Next(durations.Length)]);
                        completions[(enrolment, at)] = e;
                    }
                    events.Add(e);
                }
            }

            var instants = anchors.Concat(events.Select(e => e.Time)).Distinct().Order().ToList();
            return new Case(new AttemptRules(cutovers), events, instants, random);
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

        public IReadOnlyList<GenEvent> Shuffled()
        {
            var copy = Events.ToArray();
            _random.Shuffle(copy);
            return copy;
        }

        public GenEvent CompletionOf(Attempt attempt) => Assert.Single(
            Events.Distinct(),
            e => e.Completion is { } c && c.EnrolmentId == attempt.Go1EnrolmentId && c.CompletedAt == attempt.CompletedAt);
    }

    /// <summary>
    /// The rules exactly as the product states them, without compaction or any cleverness: every
    /// distinct event, in time order (launches first at the same instant), applied to a list.
    /// </summary>
    private static class ReferenceModel
    {
        public static IReadOnlyList<Attempt> Fold(Case c)
        {
            var cut = c.Rules.Cutovers;
            var events = c.Events.Distinct()
                .DistinctBy(e => e.Launch is { } l ? ("L", l.AttemptId, l.LaunchedAt) : ("C", e.Completion!.EnrolmentId, e.Completion.CompletedAt))
                .OrderBy(e => e.Time).ThenBy(e => e.Launch is null ? 1 : 0).ThenBy(e => e.Key, StringComparer.Ordinal);
            var attempts = new List<Attempt>();

            bool LegacyClosed(Attempt a, DateTimeOffset asOf)
            {
                var cutover = a.Platform == Platform.Mobile ? cut.MobileLaunch : cut.WebLaunch;
                return a.Status == AttemptStatus.Open && asOf >= cutover && a.FirstActivityAt < cutover && a.LastActivityAt < cutover;
            }

            Attempt? Oldest(IEnumerable<Attempt> candidates) => candidates
                .OrderBy(a => a.FirstActivityAt).ThenBy(a => a.AttemptId, StringComparer.Ordinal).FirstOrDefault();

            foreach (var e in events)
            {
                if (e.Launch is { } launch)
                {
                    var i = attempts.FindIndex(a => a.AttemptId == launch.AttemptId);
                    if (i < 0)
                    {
                        attempts.Add(new Attempt
                        {
                            AttemptId = launch.AttemptId, Email = Case.Email, CourseId = Case.CourseId,
                            Origin = AttemptOrigin.LmsLaunch, Platform = launch.Platform, Progress = 50,
                            FirstActivityAt = launch.LaunchedAt, LastActivityAt = launch.LaunchedAt,
                        });
                    }
                    else if (launch.LaunchedAt > attempts[i].LastActivityAt)
                    {
                        attempts[i] = attempts[i] with { LastActivityAt = launch.LaunchedAt };
                    }
                    continue;
                }

                var completion = e.Completion!;
                var t = completion.CompletedAt;
                var current = t >= cut.Connector;
                var target = current
                    ? Oldest(attempts.Where(a => a.Status == AttemptStatus.Open && !LegacyClosed(a, t) && a.FirstActivityAt <= t))
                    : Oldest(attempts);
                if (target is null)
                {
                    var id = "go1-" + completion.EnrolmentId;
                    for (var n = 2; attempts.Any(a => a.AttemptId == id); n++) id = $"go1-{completion.EnrolmentId}-{n}";
                    target = new Attempt
                    {
                        AttemptId = id, Email = Case.Email, CourseId = Case.CourseId,
                        Origin = AttemptOrigin.Go1Direct, Platform = Platform.Unknown,
                        FirstActivityAt = completion.StartedAt ?? t, LastActivityAt = completion.StartedAt ?? t,
                    };
                    attempts.Add(target);
                }

                long timeSpent = 0;
                var unknown = false;
                if (current && target.FirstActivityAt >= cut.TimeSpent)
                {
                    var elapsed = Math.Max(0L, (long)(t - target.FirstActivityAt).TotalMilliseconds);
                    timeSpent = e.DurationMinutes is { } minutes ? Math.Min(elapsed, minutes * 60_000L) : elapsed;
                    unknown = e.DurationMinutes is null;
                }

                attempts[attempts.IndexOf(target)] = target with
                {
                    Status = AttemptStatus.Completed, Progress = 100, CompletedAt = t, LastActivityAt = t,
                    Result = completion.Passed ? AttemptResult.Success : AttemptResult.Failed,
                    Score = completion.Score, Go1EnrolmentId = completion.EnrolmentId,
                    TimeSpentMs = timeSpent, DurationUnknown = unknown,
                };
            }

            return attempts.OrderBy(a => a.FirstActivityAt).ThenBy(a => a.AttemptId, StringComparer.Ordinal).ToList();
        }
    }
}
