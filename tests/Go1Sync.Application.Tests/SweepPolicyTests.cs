using Go1Sync.Core.Attempts;
using Go1Sync.Core.Sweep;

namespace Go1Sync.Application.Tests;

public sealed class SweepPolicyTests
{
    private static readonly DateTimeOffset Now = Harness.At("2025-03-10T12:00:00Z");
    private static readonly SweepSettings Settings = new(TimeSpan.FromMinutes(30), TimeSpan.FromDays(1), TimeSpan.FromDays(90));
    private static readonly SweepPolicy Policy = new(Settings, new AttemptRules(Cutovers.Default));

    private static Attempt Open(DateTimeOffset lastActivity, AttemptStatus status = AttemptStatus.Open) => new()
    {
        AttemptId = "a-1",
        Email = Harness.Email,
        CourseId = Harness.Course,
        Origin = AttemptOrigin.LmsLaunch,
        Platform = Platform.Web,
        Status = status,
        Progress = 50,
        FirstActivityAt = lastActivity.AddHours(-1),
        LastActivityAt = lastActivity,
    };

    [Fact]
    public void Review_OpenAttemptQuietForLongerThanStaleAfter_AsksGo1()
    {
        Assert.Equal(SweepDecision.AskGo1, Policy.Review(Open(Now.AddHours(-1)), rowNamesAttemptAsIndexed: true, Now));
    }

    [Fact]
    public void Review_ActivityTheRowMissed_DefersToTheFreshDueTimeWithNoChecks()
    {
        var attempt = Open(Now.AddMinutes(-10));

        Assert.Equal(SweepDecision.DeferUntil(Now.AddMinutes(20), checks: 0), Policy.Review(attempt, rowNamesAttemptAsIndexed: true, Now));
    }

    [Fact]
    public void Review_AttemptUntouchedLongerThanGiveUpAfter_GivesUp()
    {
        var later = Now.AddDays(91);

        Assert.Equal(SweepDecision.GiveUp, Policy.Review(Open(Now), rowNamesAttemptAsIndexed: true, later));
    }

    [Fact]
    public void Review_AttemptGone_Removes()
    {
        Assert.Equal(SweepDecision.Remove, Policy.Review(null, rowNamesAttemptAsIndexed: false, Now));
    }

    [Fact]
    public void Review_AttemptCompleted_Removes()
    {
        Assert.Equal(SweepDecision.Remove, Policy.Review(Open(Now.AddHours(-1), AttemptStatus.Completed), rowNamesAttemptAsIndexed: true, Now));
    }

    [Fact]
    public void Review_RowOfAnEarlierFirstActivity_Removes()
    {
        Assert.Equal(SweepDecision.Remove, Policy.Review(Open(Now.AddHours(-1)), rowNamesAttemptAsIndexed: false, Now));
    }

    [Fact]
    public void Review_AttemptStartedBeforeTheLaunchCutoverWithNoLaterActivity_RemovesAsLegacyClosed()
    {
        var legacy = Open(Harness.At("2024-12-10T10:00:00Z"));

        Assert.Equal(SweepDecision.Remove, Policy.Review(legacy, rowNamesAttemptAsIndexed: true, Harness.At("2024-12-20T10:00:00Z")));
    }

    [Fact]
    public void AfterAsking_FirstQuestion_BacksOffByStaleAfterAndCountsOneCheck()
    {
        Assert.Equal(SweepDecision.DeferUntil(Now.AddMinutes(30), checks: 1), Policy.AfterAsking(checks: 0, Now));
    }

    [Fact]
    public void AfterAsking_LaterQuestions_DoubleTheBackOffUpToMaxBackoff()
    {
        Assert.Equal(SweepDecision.DeferUntil(Now.AddHours(1), checks: 2), Policy.AfterAsking(checks: 1, Now));
        Assert.Equal(SweepDecision.DeferUntil(Now.AddHours(2), checks: 3), Policy.AfterAsking(checks: 2, Now));
        Assert.Equal(SweepDecision.DeferUntil(Now.AddDays(1), checks: 20), Policy.AfterAsking(checks: 19, Now));
        Assert.Equal(SweepDecision.DeferUntil(Now.AddDays(1), checks: 1000), Policy.AfterAsking(checks: 999, Now));
    }
}
