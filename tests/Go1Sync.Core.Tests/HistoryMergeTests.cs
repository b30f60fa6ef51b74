using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Tests;

/// <summary>
/// <see cref="AttemptRules.Merge"/>, which the learner-id migration uses when events were applied
/// under the new id before the old row was moved: the union of two histories, each event once.
/// </summary>
public sealed class HistoryMergeTests
{
    private const string Email = "merge@example.com";
    private const string Course = "lo-merge";
    private readonly AttemptRules _rules = new(Cutovers.Default);

    private LearnerCourseHistory Apply(LearnerCourseHistory history, params object[] events)
    {
        foreach (var e in events)
            history = e switch
            {
                Launch l => _rules.Accept(history, l).History,
                Completion c => _rules.Accept(history, c, 300).History,
                _ => throw new ArgumentException(e.GetType().Name),
            };
        return history;
    }

    private static Launch L(string id, DateTimeOffset at) => new(id, Email, Course, Platform.Web, at);
    private static Completion C(string id, DateTimeOffset at) => new(id, Email, Course, at, true, 90);

    [Fact]
    public void Merge_TwoHistoriesSharingEvents_HoldsEachEventOnceAndFoldsAsEveryEventAppliedInOneHistory()
    {
        object[] old = [L("a", At.Cet(12, 22, 9)), C("enr-1", At.Cet(12, 22, 10)), L("b", At.Cet(12, 23, 9))];
        object[] recent = [L("b", At.Cet(12, 23, 9)), L("c", At.Cet(12, 24, 9)), C("enr-2", At.Cet(12, 24, 11))];
        var older = Apply(LearnerCourseHistory.Empty(Email, Course), old);
        var newer = Apply(LearnerCourseHistory.Empty(Email, Course), recent);

        var merged = _rules.Merge(newer, older);

        Assert.True(merged.IsNew);
        Assert.Equal(3, merged.History.Launches.Length);
        Assert.Equal(2, merged.History.Completions.Length);
        var all = Apply(LearnerCourseHistory.Empty(Email, Course), [.. old, .. recent]);
        Assert.Equal(_rules.Fold(all), _rules.Fold(merged.History));
        Assert.True(all.SameEventsAs(merged.History));
    }

    [Fact]
    public void Merge_EitherWay_GivesTheSameEvents()
    {
        var one = Apply(LearnerCourseHistory.Empty(Email, Course), L("a", At.Cet(12, 22, 9)), L("a", At.Cet(12, 22, 9, 30)), C("enr-1", At.Cet(12, 22, 10)));
        var two = Apply(LearnerCourseHistory.Empty(Email, Course), L("a", At.Cet(12, 22, 9, 45)), L("a", At.Cet(12, 22, 9, 50)), C("enr-2", At.Cet(12, 23, 10)));

        var ab = _rules.Merge(one, two).History;
        var ba = _rules.Merge(two, one).History;

        Assert.True(ab.SameEventsAs(ba));
        // Continues of one attempt are compacted as Accept compacts them: first and last only here.
        Assert.Equal([At.Cet(12, 22, 9), At.Cet(12, 22, 9, 50)], ab.Launches.Select(l => l.LaunchedAt));
    }

    [Fact]
    public void Merge_OfAHistoryItAlreadyHolds_IsNoChange()
    {
        var history = Apply(LearnerCourseHistory.Empty(Email, Course), L("a", At.Cet(12, 22, 9)), C("enr-1", At.Cet(12, 22, 10)));
        var part = Apply(LearnerCourseHistory.Empty(Email, Course), L("a", At.Cet(12, 22, 9)));

        Assert.False(_rules.Merge(history, history).IsNew);
        Assert.False(_rules.Merge(history, part).IsNew);
        Assert.Same(history, _rules.Merge(history, part).History);
    }

    [Fact]
    public void Merge_HistoriesOfAnotherLearnerOrCourse_IsRefused()
    {
        var mine = LearnerCourseHistory.Empty(Email, Course);
        Assert.Throws<ArgumentException>(() => _rules.Merge(mine, LearnerCourseHistory.Empty("other@example.com", Course)));
        Assert.Throws<ArgumentException>(() => _rules.Merge(mine, LearnerCourseHistory.Empty(Email, "lo-other")));
    }
}
