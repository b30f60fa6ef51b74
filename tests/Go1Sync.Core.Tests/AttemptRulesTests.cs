using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Tests;

/// <summary>The attempt rules, one behaviour per test.</summary>
public sealed class AttemptRulesTests
{
    private const int FiveHours = 300;

    [Fact]
    public void SeveralOpenAttempts_CurrentCompletion_ChangesOnlyTheOldest()
    {
        var learner = new Learner();
        learner.Launch("d", At.Cet(12, 22, 12));
        learner.Launch("b", At.Cet(12, 22, 10));
        learner.Launch("a", At.Cet(12, 22, 9));
        learner.Launch("c", At.Cet(12, 22, 11), Platform.Mobile);
        var before = learner.Attempts.ToDictionary(a => a.AttemptId);

        learner.Complete("enr-1", At.Cet(12, 22, 13), FiveHours);

        var after = learner.Attempts.ToDictionary(a => a.AttemptId);
        Assert.Equal(AttemptStatus.Completed, after["a"].Status);
        Assert.Equal(At.Hours(4), after["a"].TimeSpentMs);
        foreach (var id in new[] { "b", "c", "d" }) Assert.Equal(before[id], after[id]);
    }

    [Fact]
    public void OldestTie_SameFirstActivity_GoesToTheOrdinallySmallestAttemptId()
    {
        var learner = new Learner();
        learner.Launch("b", At.Cet(12, 22, 9));
        learner.Launch("B", At.Cet(12, 22, 9)); // 'B' < 'b' ordinally
        learner.Complete("enr-1", At.Cet(12, 22, 10), FiveHours);

        Assert.Equal(AttemptStatus.Completed, learner.Attempt("B").Status);
        Assert.Equal(AttemptStatus.Open, learner.Attempt("b").Status);
    }

    [Fact]
    public void ReEnrolmentCompletions_Two_GoToTheTwoOldestOpenAttempts()
    {
        var learner = new Learner();
        learner.Launch("a", At.Cet(12, 22, 9));
        learner.Launch("b", At.Cet(12, 22, 10));
        learner.Launch("c", At.Cet(12, 22, 11));
        var cBefore = learner.Attempt("c");

        Assert.True(learner.Complete("enr-1", At.Cet(12, 22, 12), FiveHours, passed: true, score: 80));
        Assert.True(learner.Complete("enr-2", At.Cet(12, 22, 14), FiveHours, passed: false, score: 30));

        var a = learner.Attempt("a");
        var b = learner.Attempt("b");
        Assert.Equal("enr-1", a.Go1EnrolmentId);
        Assert.Equal(At.Hours(3), a.TimeSpentMs);
        Assert.Equal(AttemptResult.Success, a.Result);
        Assert.Equal("enr-2", b.Go1EnrolmentId);
        Assert.Equal(At.Hours(4), b.TimeSpentMs);
        Assert.Equal(AttemptResult.Failed, b.Result);
        Assert.Equal(30, b.Score);
        Assert.Equal(cBefore, learner.Attempt("c"));
    }

    [Fact]
    public void TwoReEnrolmentCompletions_DeliveredNewestFirst_StillGoToTheTwoOldestInTimeOrder()
    {
        var inOrder = new Learner();
        var reversed = new Learner();
        foreach (var l in new[] { inOrder, reversed })
        {
            l.Launch("a", At.Cet(12, 22, 9));
            l.Launch("b", At.Cet(12, 22, 10));
        }
        inOrder.Complete("enr-1", At.Cet(12, 22, 12), FiveHours);
        inOrder.Complete("enr-2", At.Cet(12, 22, 14), FiveHours);
        reversed.Complete("enr-2", At.Cet(12, 22, 14), FiveHours);
        reversed.Complete("enr-1", At.Cet(12, 22, 12), FiveHours);

        Assert.Equal(inOrder.Attempts, reversed.Attempts);
        Assert.Equal("enr-1", reversed.Attempt("a").Go1EnrolmentId);
    }

    [Fact]
    public void CompletionOlderThanEveryOpenAttempt_CreatesAGo1DirectAttempt_AndLeavesOpenAttemptsUnchanged()
    {
        var learner = new Learner();
        learner.Launch("a", At.Cet(12, 22, 10));
        learner.Launch("b", At.Cet(12, 22, 11));
        var before = learner.Attempts.ToDictionary(a => a.AttemptId);

        learner.Complete("enr-7", At.Cet(12, 22, 9, 30), FiveHours, passed: true, score: 75, startedAt: At.Cet(12, 22, 8));

        var direct = learner.Attempt("go1-enr-7");
        Assert.Equal(AttemptOrigin.Go1Direct, direct.Origin);
        Assert.Equal(Platform.Unknown, direct.Platform);
        Assert.Equal(AttemptStatus.Completed, direct.Status);
        Assert.Equal(100, direct.Progress);
        Assert.Equal(At.Cet(12, 22, 8), direct.FirstActivityAt);
        Assert.Equal(At.Cet(12, 22, 9, 30), direct.LastActivityAt);
        Assert.Equal(At.Cet(12, 22, 9, 30), direct.CompletedAt);
        Assert.Equal(At.Hours(1.5), direct.TimeSpentMs);
        Assert.Equal(AttemptResult.Success, direct.Result);
        Assert.Equal(75, direct.Score);
        Assert.Equal("enr-7", direct.Go1EnrolmentId);
        Assert.Equal(before["a"], learner.Attempt("a"));
        Assert.Equal(before["b"], learner.Attempt("b"));
    }

    [Fact]
    public void Completion_AtTheSameInstantAsALaunch_GoesToThatLaunch()
    {
        var learner = new Learner();
        learner.Complete("enr-1", At.Cet(12, 22, 9), FiveHours);
        learner.Launch("a", At.Cet(12, 22, 9));

        var a = learner.Attempt("a");
        Assert.Equal(AttemptStatus.Completed, a.Status);
        Assert.Equal(0, a.TimeSpentMs);
        Assert.Single(learner.Attempts);
    }

    [Fact]
    public void Completion_Duplicate_HasNoSecondEffect()
    {
        var learner = new Learner();
        learner.Launch("a", At.Cet(12, 22, 9));
        learner.Launch("b", At.Cet(12, 22, 10));
        Assert.True(learner.Complete("enr-1", At.Cet(12, 22, 12), FiveHours, passed: true, score: 90));
        var history = learner.History;
        var attempts = learner.Attempts;

        Assert.False(learner.Complete("enr-1", At.Cet(12, 22, 12), FiveHours, passed: true, score: 90));
        // Same identity (enrolment id, completed at) with a different payload or sub-millisecond noise: still the same completion.
        Assert.False(learner.Complete("enr-1", At.Cet(12, 22, 12).AddTicks(9_999), 60, passed: false, score: 10));

        Assert.Same(history, learner.History);
        Assert.Equal(attempts, learner.Attempts);
        Assert.Equal(AttemptStatus.Open, learner.Attempt("b").Status);
    }

    [Fact]
    public void Launch_Duplicate_HasNoSecondEffect()
    {
        var learner = new Learner();
        Assert.True(learner.Launch("a", At.Cet(12, 22, 9)));
        var history = learner.History;

        Assert.False(learner.Launch("a", At.Cet(12, 22, 9)));
        Assert.False(learner.Launch("a", At.Cet(12, 22, 9).AddTicks(5_000)));

        Assert.Same(history, learner.History);
        Assert.Single(learner.Attempts);
    }

    [Fact]
    public void Continue_MovesOnlyTheLastActivity_AndAnEarlierContinueChangesNothing()
    {
        var learner = new Learner();
        learner.Launch("a", At.Cet(12, 22, 9));
        var first = learner.Attempt("a");

        learner.Launch("a", At.Cet(12, 23, 9));
        Assert.Equal(first with { LastActivityAt = At.Cet(12, 23, 9) }, learner.Attempt("a"));

        // A continue delivered late, but earlier than the last activity: the last activity does not go back.
        learner.Launch("a", At.Cet(12, 22, 18));
        Assert.Equal(first with { LastActivityAt = At.Cet(12, 23, 9) }, learner.Attempt("a"));
    }

    [Fact]
    public void UnknownDuration_RecordsTheElapsedTime_AndFlagsTheAttempt()
    {
        var learner = new Learner();
        learner.Launch("a", At.Cet(12, 22, 9));

        learner.Complete("enr-1", At.Cet(12, 22, 16, 15), durationMinutes: null);

        var a = learner.Attempt("a");
        Assert.Equal(At.Hours(7.25), a.TimeSpentMs);
        Assert.True(a.DurationUnknown);
        Assert.Equal(AttemptStatus.Completed, a.Status);

        var report = learner.Report("a", At.Cet(12, 30, 9));
        Assert.True(report.Attempt.DurationUnknown);
        Assert.Equal(At.Hours(7.25), report.Attempt.TimeSpentMs);
    }

    [Fact]
    public void UnknownDuration_Go1Direct_RecordsTheElapsedTimeFromStartedAt()
    {
        var learner = new Learner();
        learner.Complete("enr-1", At.Cet(12, 22, 16), durationMinutes: null, startedAt: At.Cet(12, 22, 9));

        var direct = learner.Attempt("go1-enr-1");
        Assert.Equal(At.Hours(7), direct.TimeSpentMs);
        Assert.True(direct.DurationUnknown);
    }

    [Fact]
    public void Duration_NonPositive_IsRefused()
    {
        var learner = new Learner();
        Assert.Throws<ArgumentOutOfRangeException>(() => learner.Complete("enr-1", At.Cet(12, 22, 16), durationMinutes: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => learner.Complete("enr-1", At.Cet(12, 22, 16), durationMinutes: -5));
    }

    [Theory]
    [InlineData(true, 87, AttemptResult.Success)]
    [InlineData(false, 40, AttemptResult.Failed)]
    [InlineData(true, null, AttemptResult.Success)]
    [InlineData(false, null, AttemptResult.Failed)]
    [InlineData(true, 0, AttemptResult.Success)]
    [InlineData(false, 100, AttemptResult.Failed)]
    public void ScoreAndResult_FromPassedAndScore_AreMapped(bool passed, int? score, AttemptResult expected)
    {
        var current = new Learner();
        current.Launch("a", At.Cet(12, 22, 9));
        current.Complete("enr-1", At.Cet(12, 22, 10), FiveHours, passed, score);
        Assert.Equal(expected, current.Attempt("a").Result);
        Assert.Equal(score, current.Attempt("a").Score);

        var legacy = new Learner();
        legacy.Launch("a", At.Cet(12, 10, 9));
        legacy.Complete("enr-1", At.Cet(12, 10, 10), FiveHours, passed, score);
        Assert.Equal(expected, legacy.Attempt("a").Result);
        Assert.Equal(score, legacy.Attempt("a").Score);

        var direct = new Learner();
        direct.Complete("enr-1", At.Cet(12, 22, 10), FiveHours, passed, score);
        Assert.Equal(expected, direct.Attempt("go1-enr-1").Result);
        Assert.Equal(score, direct.Attempt("go1-enr-1").Score);
    }

    [Fact]
    public void Go1Direct_UsesStartedAtAsFirstActivity_ForTheTimeSpent()
    {
        var learner = new Learner();
        learner.Complete("enr-1", At.Cet(12, 22, 14), FiveHours, startedAt: At.Cet(12, 22, 12, 30));

        var direct = Assert.Single(learner.Attempts);
        Assert.Equal("go1-enr-1", direct.AttemptId);
        Assert.Equal(At.Cet(12, 22, 12, 30), direct.FirstActivityAt);
        Assert.Equal(At.Hours(1.5), direct.TimeSpentMs);
    }

    [Fact]
    public void Go1Direct_WithoutStartedAt_StartsAtTheCompletionWithZeroTimeSpent()
    {
        var learner = new Learner();
        learner.Complete("enr-1", At.Cet(12, 22, 14), FiveHours);

        var direct = Assert.Single(learner.Attempts);
        Assert.Equal(At.Cet(12, 22, 14), direct.FirstActivityAt);
        Assert.Equal(0, direct.TimeSpentMs);
        Assert.False(direct.DurationUnknown);
    }

    [Fact]
    public void Go1Direct_StartedBeforeTheTimeSpentCutover_RecordsZero()
    {
        var learner = new Learner();
        learner.Complete("enr-1", At.Cet(12, 19, 14), FiveHours, startedAt: At.Cet(12, 19, 11));

        var direct = Assert.Single(learner.Attempts);
        Assert.Equal(At.Cet(12, 19, 11), direct.FirstActivityAt);
        Assert.Equal(0, direct.TimeSpentMs);
    }

    [Fact]
    public void NegativeElapsed_StartedAtAfterCompletedAt_ClampsTimeSpentToZero()
    {
        var learner = new Learner();
        learner.Complete("enr-1", At.Cet(12, 22, 14), FiveHours, startedAt: At.Cet(12, 22, 16));
        learner.Complete("enr-2", At.Cet(12, 22, 14), durationMinutes: null, startedAt: At.Cet(12, 22, 16));

        foreach (var direct in learner.Attempts)
        {
            Assert.Equal(AttemptOrigin.Go1Direct, direct.Origin);
            Assert.Equal(0, direct.TimeSpentMs);
            Assert.True(direct.FirstActivityAt <= direct.CompletedAt);
        }
    }

    [Fact]
    public void DirectCompletion_TwiceAtDifferentInstants_GetsDistinctGo1DirectIds()
    {
        var learner = new Learner();
        learner.Complete("enr-1", At.Cet(12, 22, 14), FiveHours);
        learner.Complete("enr-1", At.Cet(12, 23, 14), FiveHours);

        Assert.Equal(["go1-enr-1", "go1-enr-1-2"], learner.Attempts.Select(a => a.AttemptId));
    }

    [Fact]
    public void Inputs_SubMillisecond_AreTruncatedToTheMillisecond()
    {
        var learner = new Learner();
        var launched = At.Cet(12, 22, 9).AddTicks(7_999);           // 0.7999 ms after 09:00 CET
        var completed = At.Cet(12, 22, 10).AddMilliseconds(1.5);    // 1.5 ms after 10:00 CET
        learner.Launch("a", launched);
        learner.Complete("enr-1", completed, FiveHours);

        var a = learner.Attempt("a");
        Assert.Equal(At.Utc(12, 22, 8), a.FirstActivityAt);
        Assert.Equal(TimeSpan.Zero, a.FirstActivityAt.Offset);
        Assert.Equal(At.Utc(12, 22, 9, 0, 0, 1), a.CompletedAt);
        Assert.Equal(TimeSpan.Zero, a.CompletedAt!.Value.Offset);
        Assert.Equal(At.Hours(1) + 1, a.TimeSpentMs);
        Assert.Equal(0, a.FirstActivityAt.UtcTicks % TimeSpan.TicksPerMillisecond);
    }

    [Fact]
    public void LegacyCompletion_WithNoAttempt_CreatesAGo1DirectAttemptWithZeroTimeSpent()
    {
        var learner = new Learner();
        learner.Complete("enr-1", At.Cet(12, 10, 12), FiveHours, startedAt: At.Cet(12, 10, 9));

        var direct = Assert.Single(learner.Attempts);
        Assert.Equal("go1-enr-1", direct.AttemptId);
        Assert.Equal(AttemptOrigin.Go1Direct, direct.Origin);
        Assert.Equal(Platform.Unknown, direct.Platform);
        Assert.Equal(AttemptStatus.Completed, direct.Status);
        Assert.Equal(0, direct.TimeSpentMs);
    }

    [Fact]
    public void LegacyCompletion_WhateverTheAttemptStatus_GoesToTheOldestAttempt()
    {
        var learner = new Learner();
        learner.Launch("a", At.Cet(12, 1, 9));
        learner.Launch("b", At.Cet(12, 2, 9));
        learner.Complete("enr-1", At.Cet(12, 3, 9), FiveHours, passed: false, score: 10);
        var bBefore = learner.Attempt("b");

        learner.Complete("enr-2", At.Cet(12, 4, 9), FiveHours, passed: true, score: 95);

        var a = learner.Attempt("a");
        Assert.Equal("enr-2", a.Go1EnrolmentId);
        Assert.Equal(AttemptResult.Success, a.Result);
        Assert.Equal(95, a.Score);
        Assert.Equal(At.Cet(12, 4, 9), a.CompletedAt);
        Assert.Equal(0, a.TimeSpentMs);
        Assert.Equal(bBefore, learner.Attempt("b"));
    }

    [Fact]
    public void LegacyCompletion_UnknownDuration_StillRecordsZero()
    {
        var learner = new Learner();
        learner.Launch("a", At.Cet(12, 10, 9));
        learner.Complete("enr-1", At.Cet(12, 10, 12), durationMinutes: null);

        Assert.Equal(0, learner.Attempt("a").TimeSpentMs);
    }

    /// <summary>
    /// A current completion skips a legacy-closed attempt and creates a Go1-direct one: a web attempt
    /// launched before the web cutover, and a mobile one launched between the cutovers and completed
    /// after the mobile cutover without a continue (December, CET).
    /// </summary>
    [Theory]
    [InlineData(Platform.Web, 10, 22, 10, 12)]
    [InlineData(Platform.Mobile, 22, 27, 10, 11)]
    public void CurrentCompletion_LegacyClosedAttemptOfEitherPlatform_IsSkippedForAGo1DirectOne(
        Platform platform, int launchDay, int completionDay, int startHour, int completionHour)
    {
        var learner = new Learner();
        learner.Launch("old", At.Cet(12, launchDay, 9), platform);
        learner.Complete("enr-1", At.Cet(12, completionDay, completionHour), FiveHours, startedAt: At.Cet(12, completionDay, startHour));

        Assert.Equal(AttemptStatus.Open, learner.Attempt("old").Status);
        ArticleExampleTests.AssertLegacyClosed(learner.Report("old", At.Cet(12, completionDay, completionHour)));
        Assert.Equal(At.Hours(completionHour - startHour), learner.Attempt("go1-enr-1").TimeSpentMs);
    }

    [Fact]
    public void CurrentCompletion_GoesToAReopenedPreCutoverAttempt_WithZeroTimeSpent()
    {
        var learner = new Learner();
        learner.Launch("old-web", At.Cet(12, 10, 9), Platform.Web);
        learner.Launch("new-web", At.Cet(12, 21, 9), Platform.Web);
        learner.Launch("old-web", At.Cet(12, 22, 9), Platform.Web); // continue: re-opened
        learner.Complete("enr-1", At.Cet(12, 22, 12), FiveHours);

        var old = learner.Attempt("old-web");
        Assert.Equal(AttemptStatus.Completed, old.Status);
        Assert.Equal(100, old.Progress);
        Assert.Equal(0, old.TimeSpentMs);
        Assert.Equal(AttemptStatus.Open, learner.Attempt("new-web").Status);
    }

    [Fact]
    public void CompletedAttempt_Reported_IsNeverLegacyClosed()
    {
        var learner = new Learner();
        learner.Launch("a", At.Cet(12, 10, 9), Platform.Mobile);
        learner.Complete("enr-1", At.Cet(12, 10, 12), FiveHours);

        var report = learner.Report("a", At.Cet(12, 30, 9));
        Assert.False(report.LegacyClosed);
        Assert.Equal(100, report.Attempt.Progress);
        Assert.Equal(AttemptStatus.Completed, report.Attempt.Status);
    }

    [Fact]
    public void Events_OfAnotherLearnerOrCourse_AreRefused()
    {
        var rules = new AttemptRules(Cutovers.Default);
        var history = LearnerCourseHistory.Empty("learner@example.com", "lo-1");

        Assert.Throws<ArgumentException>(() => rules.Accept(history, new Launch("a", "other@example.com", "lo-1", Platform.Web, At.Cet(12, 22, 9))));
        Assert.Throws<ArgumentException>(() => rules.Accept(history, new Launch("a", "learner@example.com", "lo-2", Platform.Web, At.Cet(12, 22, 9))));
        Assert.Throws<ArgumentException>(() => rules.Accept(history, new Completion("e", "other@example.com", "lo-1", At.Cet(12, 22, 9), true), 60));
    }

    [Fact]
    public void ManyContinues_AreCompactedToAtMostFourLaunchesPerAttempt_WithoutChangingTheAttempt()
    {
        var learner = new Learner();
        var start = At.Cet(12, 1, 9);
        for (var day = 0; day < 40; day++) learner.Launch("a", start.AddDays(day), Platform.Mobile);

        Assert.True(learner.History.Launches.Length <= 4);
        var a = learner.Attempt("a");
        Assert.Equal(start, a.FirstActivityAt);
        Assert.Equal(start.AddDays(39), a.LastActivityAt);
        Assert.False(learner.Report("a", At.Cet(12, 27, 0)).LegacyClosed);
    }
}
