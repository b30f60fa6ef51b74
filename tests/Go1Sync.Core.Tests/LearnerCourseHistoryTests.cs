using System.Collections.Immutable;
using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Tests;

/// <summary>
/// The history as a persistent structure: the rules add an event to it in O(log events) on trees
/// shared with the history before (LearnerCourseHistory's remarks), so a history the rules made and
/// the same history read back from its arrays (as the row format's reader makes it) must accept the
/// next event alike, and every earlier history must stay as it was. (Two ImmutableArrays are
/// compared as sequences: xUnit would compare their references.)
/// </summary>
public sealed class LearnerCourseHistoryTests
{
    private const string Email = "history@example.com";
    private const string Course = "lo-history";
    private readonly AttemptRules _rules = new(Cutovers.Default);

    [Fact]
    public void Accept_OnTheHistoryReadBackFromItsArrays_GivesTheSameEventsAsOnTheHistoryTheRulesMade()
    {
        GeneratedCase.ForAll(CaseShape.Incremental, c =>
        {
            foreach (var order in new[] { c.TimeOrdered(), c.TimeOrdered().Reverse().ToList(), c.ShuffledWithDuplicates() })
            {
                var history = c.Empty();
                foreach (var e in order)
                {
                    var readBack = new LearnerCourseHistory(history.Email, history.CourseId, [.. history.Launches], [.. history.Completions]);
                    var made = c.Accept(history, e);
                    var fromRead = c.Accept(readBack, e);

                    Assert.Equal(made.IsNew, fromRead.IsNew);
                    Assert.Equal(fromRead.History.Launches.AsEnumerable(), made.History.Launches);
                    Assert.Equal(fromRead.History.Completions.AsEnumerable(), made.History.Completions);
                    Assert.Equal(made.History.Launches.Length, made.History.LaunchCount);
                    Assert.Equal(made.History.Completions.Length, made.History.CompletionCount);
                    history = made.History;
                }
            }
        });
    }

    [Fact]
    public void Accept_ManyEventsInTurn_LeavesEveryEarlierHistoryAsItWas()
    {
        GeneratedCase.ForAll(CaseShape.Incremental, c =>
        {
            var order = c.ShuffledWithDuplicates();
            // None of these histories has its arrays read until every event was accepted: each is
            // read from its own trees, which the later events must not have changed.
            var histories = new List<LearnerCourseHistory> { c.Empty() };
            foreach (var e in order) histories.Add(c.Accept(histories[^1], e).History);

            for (var i = 0; i < histories.Count; i++)
            {
                var replayed = order.Take(i).Aggregate(c.Empty(), (h, e) => c.Accept(h, e).History);
                Assert.Equal(replayed.Launches.AsEnumerable(), histories[i].Launches);
                Assert.Equal(replayed.Completions.AsEnumerable(), histories[i].Completions);
            }
        });
    }

    [Fact]
    public void Accept_ACompletionBetweenOthers_InsertsItInTimeOrderOnce()
    {
        var history = LearnerCourseHistory.Empty(Email, Course);
        foreach (var (id, day) in new[] { ("e-3", 23), ("e-1", 21), ("e-2", 22), ("e-1", 21) })
            history = _rules.Accept(history, new Completion(id, Email, Course, At.Cet(12, day, 10), true), 60).History;

        Assert.Equal(["e-1", "e-2", "e-3"], history.Completions.Select(x => x.EnrolmentId));
        Assert.Equal(3, history.CompletionCount);
    }

    [Fact]
    public void Accept_ALaunchOnAnUncompactedHistory_CompactsAllOfIt()
    {
        // Five launches of one attempt, as no rules of today write them: the next launch compacts
        // the attempt to its first, last and first at or after each cutover.
        var launches = Enumerable.Range(0, 5).Select(i => new LaunchRecord("a", Platform.Web, At.Cet(12, 20 + i, 9).ToUniversalTime())).ToImmutableArray();
        var history = LearnerCourseHistory.Empty(Email, Course) with { Launches = launches };

        var acceptance = _rules.Accept(history, new Launch("a", Email, Course, Platform.Web, At.Cet(12, 27, 9)));

        Assert.True(acceptance.IsNew);
        Assert.Equal([At.Cet(12, 20, 9), At.Cet(12, 27, 9)], acceptance.History.Launches.Select(l => l.LaunchedAt));
    }

    [Fact]
    public void Equals_TheSameEventsInOtherArrays_IsEqualAndOtherEventsAreNot()
    {
        var history = LearnerCourseHistory.Empty(Email, Course);
        history = _rules.Accept(history, new Launch("a", Email, Course, Platform.Web, At.Cet(12, 22, 9))).History;
        history = _rules.Accept(history, new Completion("e-1", Email, Course, At.Cet(12, 22, 10), true), 60).History;

        var copy = new LearnerCourseHistory(history.Email, history.CourseId, [.. history.Launches], [.. history.Completions]);
        var other = _rules.Accept(history, new Launch("b", Email, Course, Platform.Web, At.Cet(12, 23, 9))).History;

        Assert.Equal(history, copy);
        Assert.Equal(history.GetHashCode(), copy.GetHashCode());
        Assert.NotEqual(history, other);
        Assert.NotEqual(history, copy with { CourseId = "lo-other" });
    }
}
