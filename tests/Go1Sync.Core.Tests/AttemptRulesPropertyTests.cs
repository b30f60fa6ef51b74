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
                Assert.True(history.SameEventsAs(expectedHistory), "the stored events depend on the delivery order: " + GenEvent.Describe(order));
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

    private static void ForAll(Action<GeneratedCase> property) => GeneratedCase.ForAll(CaseShape.Rules, property);

    /// <summary>
    /// The rules exactly as the product states them, without compaction or any cleverness: every
    /// distinct event, in time order (launches first at the same instant), applied to a list.
    /// </summary>
    private static class ReferenceModel
    {
        public static IReadOnlyList<Attempt> Fold(GeneratedCase c)
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
                            AttemptId = launch.AttemptId, Email = GeneratedCase.Email, CourseId = GeneratedCase.CourseId,
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
                        AttemptId = id, Email = GeneratedCase.Email, CourseId = GeneratedCase.CourseId,
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
