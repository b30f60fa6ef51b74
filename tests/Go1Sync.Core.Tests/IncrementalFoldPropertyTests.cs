using System.Globalization;
using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Tests;

/// <summary>
/// The incremental fold (<see cref="AttemptRules.Apply(FoldState?, Acceptance)"/>) against the full
/// fold, which stays the reference: seeded random event sequences (many events on the same
/// instants and around the cutovers, redeliveries), delivered in time order, reversed, shuffled
/// and with duplicates, each step compared with <see cref="AttemptRules.Fold"/> of the history
/// after it. A failure names the seed and the events in their delivery order.
/// </summary>
public sealed class IncrementalFoldPropertyTests
{
    /// <param name="restoreEvery">0: the state is kept in memory; 1: it goes through a restore (as from a stored row) before every event.</param>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Apply_EventsInTimeOrderWithOrWithoutRestores_EqualsFullFoldWithoutRefolding(int restoreEvery)
    {
        ForAll(c =>
        {
            var steps = Run(c, c.TimeOrdered(), restoreEvery);
            Assert.All(steps, s => Assert.False(s.Update.Refolded, $"{s.Event} refolded although it came in time order (restore every {restoreEvery})"));
        });
    }

    [Fact]
    public void Apply_EventsReversed_EqualsFullFold()
    {
        ForAll(c => Run(c, c.TimeOrdered().Reverse().ToList(), restoreEvery: 0));
    }

    [Fact]
    public void Apply_EventsShuffledWithRedeliveries_EqualsFullFold()
    {
        ForAll(c =>
        {
            for (var i = 0; i < 2; i++) Run(c, c.ShuffledWithDuplicates(), restoreEvery: 0);
        });
    }

    [Fact]
    public void Apply_EventsAsGenerated_EqualsFullFold()
    {
        ForAll(c => Run(c, c.Events, restoreEvery: 0));
    }

    [Fact]
    public void Apply_AfterARestoreRoundTrip_EqualsFullFold()
    {
        ForAll(c =>
        {
            Run(c, c.TimeOrdered(), restoreEvery: 1);
            Run(c, c.ShuffledWithDuplicates(), restoreEvery: 2);
            Run(c, c.TimeOrdered().Reverse().ToList(), restoreEvery: 3);
        });
    }

    [Fact]
    public void Apply_WithTheExplicitRecordOverloads_EqualsFullFold()
    {
        ForAll(c =>
        {
            var history = c.Empty();
            FoldState? state = null;
            foreach (var e in c.ShuffledWithDuplicates())
            {
                var acceptance = c.Accept(history, e);
                if (!acceptance.IsNew) continue;
                var update = acceptance.AddedLaunch is { } launch
                    ? c.Rules.Apply(state, acceptance.History, launch)
                    : c.Rules.Apply(state, acceptance.History, acceptance.AddedCompletion!);
                Assert.Equal(c.Rules.Fold(acceptance.History), update.State.Attempts);
                (history, state) = (acceptance.History, update.State);
            }
        });
    }

    [Fact]
    public void Apply_StateFoldedWithOtherCutovers_RefoldsWithTheRulesCutovers()
    {
        var other = new AttemptRules(new Cutovers(At.Utc(12, 19, 11), At.Utc(12, 20, 8), At.Utc(12, 25, 23)));
        ForAll(c =>
        {
            var events = c.TimeOrdered();
            var before = events.Take(events.Count - 1).Aggregate(c.Empty(), (h, e) => c.Accept(h, e).History);
            var acceptance = c.Accept(before, events[^1]);
            var rules = c.Rules.Cutovers == other.Cutovers ? new AttemptRules(Cutovers.Default) : other;
            var update = rules.Apply(c.Rules.Refold(before), acceptance);

            Assert.Equal(rules.Fold(acceptance.History), update.State.Attempts);
            Assert.Equal(rules.Cutovers, update.State.Cutovers);
            if (acceptance.IsNew) Assert.True(update.Refolded);
        });
    }

    [Fact]
    public void Apply_MergeAcceptance_RefoldsAndReportsTheDiff()
    {
        ForAll(c =>
        {
            var half = c.Events.Count / 2;
            var into = c.Events.Take(half).Aggregate(c.Empty(), (h, e) => c.Accept(h, e).History);
            var other = c.Events.Skip(half).Aggregate(c.Empty(), (h, e) => c.Accept(h, e).History);
            var state = c.Rules.Refold(into);
            var merged = c.Rules.Merge(into, other);
            var update = c.Rules.Apply(state, merged);

            Assert.Equal(c.Rules.Fold(merged.History), update.State.Attempts);
            Assert.Equal(merged.IsNew, update.Refolded);
            AssertDiff(c.Rules.Fold(into), c.Rules.Fold(merged.History), update);
        });
    }

    [Fact]
    public void Apply_StateThatIsNotTheFoldOfTheHistoryBefore_Refolds()
    {
        ForAll(c =>
        {
            var events = c.TimeOrdered();
            var history = events.Aggregate(c.Empty(), (h, e) => c.Accept(h, e).History);
            var later = new Completion("e-late", GeneratedCase.Email, GeneratedCase.CourseId, At.Utc(12, 31, 23), Passed: true);
            var acceptance = c.Rules.Accept(history, later, 60);

            // A state of no events (null), and a state one completion behind.
            foreach (var stale in new[] { null, c.Rules.Refold(history with { Completions = history.Completions.IsEmpty ? history.Completions : history.Completions.RemoveAt(0) }) })
            {
                if (stale is not null && stale.CompletionCount == history.Completions.Length) continue;
                var update = c.Rules.Apply(stale, acceptance);
                Assert.True(update.Refolded);
                Assert.Equal(c.Rules.Fold(acceptance.History), update.State.Attempts);
            }
        });
    }

    [Fact]
    public void Apply_DuplicateAcceptance_ReturnsTheSameStateAndNoChange()
    {
        ForAll(c =>
        {
            var state = FoldState.Empty(c.Rules.Cutovers);
            foreach (var (e, acceptance) in c.AcceptedInTimeOrder())
            {
                state = c.Rules.Apply(state, acceptance).State;

                var again = c.Accept(acceptance.History, e);
                Assert.False(again.IsNew);
                var update = c.Rules.Apply(state, again);
                Assert.Same(state, update.State);
                Assert.False(update.HasChanges);
            }
        });
    }

    [Fact]
    public void Restore_AttemptsInAnyOrder_GivesTheFoldOrderAndAppliesTheSame()
    {
        ForAll(c =>
        {
            var events = c.TimeOrdered();
            var history = events.Aggregate(c.Empty(), (h, e) => c.Accept(h, e).History);
            var state = c.Rules.Refold(history);
            var shuffled = state.Attempts.ToArray();
            c.Random.Shuffle(shuffled);
            var restored = FoldState.Restore(shuffled, state.Cutovers, state.LaunchCount, state.CompletionCount);

            Assert.Equal(state.Attempts, restored.Attempts);
            var next = new Completion("e-next", GeneratedCase.Email, GeneratedCase.CourseId, At.Utc(12, 31, 23), Passed: true, StartedAt: At.Utc(12, 31, 20));
            var acceptance = c.Rules.Accept(history, next, 120);
            var fromState = c.Rules.Apply(state, acceptance);
            var fromRestored = c.Rules.Apply(restored, acceptance);
            Assert.False(fromRestored.Refolded);
            Assert.Equal(fromState.State.Attempts, fromRestored.State.Attempts);
            Assert.Equal(fromState.ChangedAttemptIds, fromRestored.ChangedAttemptIds);
        });
    }

    [Fact]
    public void StateOf_StoredStateOfThatHistory_IsKeptAndOtherwiseRefolded()
    {
        ForAll(c =>
        {
            var history = c.Events.Aggregate(c.Empty(), (h, e) => c.Accept(h, e).History);
            var stored = c.Rules.Refold(history);
            Assert.Same(stored, c.Rules.StateOf(history, stored));
            Assert.Equal(c.Rules.Fold(history), c.Rules.StateOf(history, null).Attempts);

            var other = new AttemptRules(c.Rules.Cutovers with { MobileLaunch = c.Rules.Cutovers.MobileLaunch.AddDays(1) });
            var refolded = other.StateOf(history, stored);
            Assert.NotSame(stored, refolded);
            Assert.Equal(other.Fold(history), refolded.Attempts);
        });
    }

    [Fact]
    public void Restore_SameAttemptIdTwice_Throws()
    {
        var learner = new Learner();
        learner.Launch("a1", At.Utc(12, 22, 8));
        var attempt = learner.Attempt("a1");
        Assert.Throws<ArgumentException>(() => FoldState.Restore([attempt, attempt with { Progress = 100 }], Cutovers.Default, 1, 0));
    }

    [Fact]
    public void Accept_LaunchesInAnyOrder_KeepFirstLastAndFirstAtOrAfterEachCutoverPerAttempt()
    {
        ForAll(c =>
        {
            var expected = ReferenceCompaction(c);
            foreach (var order in new[] { c.TimeOrdered(), c.TimeOrdered().Reverse().ToList(), c.ShuffledWithDuplicates(), c.Events })
            {
                var history = order.Aggregate(c.Empty(), (h, e) => c.Accept(h, e).History);
                Assert.Equal(expected, history.Launches);
                Assert.Equal(history.Completions.OrderBy(x => x.CompletedAt).ThenBy(x => x.EnrolmentId, StringComparer.Ordinal), history.Completions);
            }
        });
    }

    /// <summary>One step of a run: the event delivered and what applying it gave.</summary>
    private sealed record Step(GenEvent Event, FoldUpdate Update);

    /// <summary>
    /// Delivers the events one by one as the processor does (accept on the history, apply to the
    /// state of the history before) and checks each step against two full folds; every
    /// <paramref name="restoreEvery"/>-th step (0: never) the state goes through what a store keeps
    /// of it (attempts, cutovers, counts) and is restored before the next event.
    /// </summary>
    private static List<Step> Run(GeneratedCase c, IReadOnlyList<GenEvent> order, int restoreEvery)
    {
        var steps = new List<Step>();
        var history = c.Empty();
        FoldState? state = null;
        var before = c.Rules.Fold(history);
        for (var i = 0; i < order.Count; i++)
        {
            var e = order[i];
            var acceptance = c.Accept(history, e);
            var update = c.Rules.Apply(state, acceptance);
            var after = c.Rules.Fold(acceptance.History);
            try
            {
                Assert.Equal(after, update.State.Attempts);
                AssertDiff(before, after, update);
                Assert.Equal(acceptance.History.Launches.Length, update.State.LaunchCount);
                Assert.Equal(acceptance.History.Completions.Length, update.State.CompletionCount);
                Assert.Equal(c.Rules.Cutovers, update.State.Cutovers);
                foreach (var a in after) Assert.Equal(a, update.State.Find(a.AttemptId));
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"step {i} ({e}) of the order:\n{GenEvent.Describe(order)}\n{ex.Message}");
            }

            steps.Add(new Step(e, update));
            state = update.State;
            if (restoreEvery > 0 && (i + 1) % restoreEvery == 0)
            {
                var stored = state.Attempts.Reverse().ToList(); // any order: Restore sorts
                state = FoldState.Restore(stored, state.Cutovers, state.LaunchCount, state.CompletionCount);
            }
            history = acceptance.History;
            before = after;
        }
        return steps;
    }

    /// <summary>The changed ids are those of the attempts new or different in the second full fold; the removed ids those it lost.</summary>
    private static void AssertDiff(IReadOnlyList<Attempt> before, IReadOnlyList<Attempt> after, FoldUpdate update)
    {
        var unchanged = before.ToHashSet();
        Assert.Equal(after.Where(a => !unchanged.Contains(a)).Select(a => a.AttemptId), update.ChangedAttemptIds);
        var kept = after.Select(a => a.AttemptId).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(before.Where(a => !kept.Contains(a.AttemptId)).Select(a => a.AttemptId), update.RemovedAttemptIds);
    }

    /// <summary>Every distinct launch of the case, compacted as the README says: per attempt the first, the last and the earliest at or after each launch-tracking cutover.</summary>
    private static List<LaunchRecord> ReferenceCompaction(GeneratedCase c)
    {
        var cut = c.Rules.Cutovers;
        var all = c.Events.Where(e => e.Launch is not null)
            .Select(e => new LaunchRecord(e.Launch!.AttemptId, e.Launch.Platform, e.Launch.LaunchedAt))
            .DistinctBy(l => (l.AttemptId, l.LaunchedAt));
        var kept = new List<LaunchRecord>();
        foreach (var group in all.GroupBy(l => l.AttemptId, StringComparer.Ordinal))
        {
            var ordered = group.OrderBy(l => l.LaunchedAt).ToList();
            var keep = new List<LaunchRecord> { ordered[0], ordered[^1] };
            foreach (var cutover in new[] { cut.WebLaunch, cut.MobileLaunch })
                if (ordered.FirstOrDefault(l => l.LaunchedAt >= cutover) is { } firstAfter) keep.Add(firstAfter);
            kept.AddRange(keep.Distinct());
        }
        return kept.OrderBy(l => l.LaunchedAt).ThenBy(l => l.AttemptId, StringComparer.Ordinal).ToList();
    }

    private static void ForAll(Action<GeneratedCase> property) => GeneratedCase.ForAll(CaseShape.Incremental, property);

}
