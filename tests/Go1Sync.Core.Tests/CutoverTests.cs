using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Tests;

/// <summary>Each cutover, exactly at it and one millisecond before.</summary>
public sealed class CutoverTests
{
    private const int FiveHours = 300;

    [Fact]
    public void Cutovers_Default_AreTheArticleDates()
    {
        Assert.Equal(At.Utc(12, 19, 11), Cutovers.Default.Connector);
        Assert.Equal(At.Utc(12, 19, 11), Cutovers.Default.TimeSpent);
        Assert.Equal(At.Utc(12, 19, 11), Cutovers.Default.WebLaunch);
        Assert.Equal(At.Utc(12, 25, 23), Cutovers.Default.MobileLaunch);
        Assert.Equal(At.Cet(12, 19, 12), Cutovers.Default.Connector);
        Assert.Equal(At.Cet(12, 26, 0), Cutovers.Default.MobileLaunch);
        Assert.Equal(Cutovers.Default.WebLaunch, Cutovers.Default.LaunchTrackingFor(Platform.Unknown));
    }

    /// <summary>The launch cutover of each platform, as the article dates it (an unknown platform follows the web).</summary>
    private static DateTimeOffset LaunchCutoverOf(Platform platform) => platform == Platform.Mobile ? At.MobileCutover : At.WebCutover;

    [Theory]
    [InlineData(Platform.Web)]
    [InlineData(Platform.Mobile)]
    public void Launch_ExactlyAtItsPlatformsCutover_IsNeverLegacyClosed(Platform platform)
    {
        var cutover = LaunchCutoverOf(platform);
        var learner = new Learner();
        learner.Launch("a", cutover, platform);

        Assert.False(learner.Report("a", cutover).LegacyClosed);
        Assert.False(learner.Report("a", At.Cet(12, 31, 9)).LegacyClosed);
    }

    [Theory]
    [InlineData(Platform.Web)]
    [InlineData(Platform.Mobile)]
    [InlineData(Platform.Unknown)]
    public void Launch_OneMsBeforeItsPlatformsCutover_IsLegacyClosedFromTheCutoverOn(Platform platform)
    {
        var cutover = LaunchCutoverOf(platform);
        var learner = new Learner();
        learner.Launch("a", cutover - At.OneMs, platform);

        Assert.False(learner.Report("a", cutover - At.OneMs).LegacyClosed);
        ArticleExampleTests.AssertLegacyClosed(learner.Report("a", cutover));
    }

    [Fact]
    public void WebContinueExactlyAtTheWebCutover_ReopensTheAttempt_OneMsBeforeDoesNot()
    {
        var reopened = new Learner();
        reopened.Launch("a", At.Cet(12, 10, 9), Platform.Web);
        reopened.Launch("a", At.WebCutover, Platform.Web);
        Assert.False(reopened.Report("a", At.Cet(12, 30, 9)).LegacyClosed);

        var stillClosed = new Learner();
        stillClosed.Launch("a", At.Cet(12, 10, 9), Platform.Web);
        stillClosed.Launch("a", At.WebCutover - At.OneMs, Platform.Web);
        Assert.True(stillClosed.Report("a", At.Cet(12, 30, 9)).LegacyClosed);
    }

    [Fact]
    public void MobileLaunchedOn22December_NotCompleted_IsLegacyClosedAsOf27DecemberAWebLaunchTheSameDayIsNot()
    {
        var learner = new Learner();
        learner.Launch("mobile", At.Cet(12, 22, 9), Platform.Mobile);
        learner.Launch("web", At.Cet(12, 22, 9, 30), Platform.Web);

        ArticleExampleTests.AssertLegacyClosed(learner.Report("mobile", At.Cet(12, 27, 0)));
        var web = learner.Report("web", At.Cet(12, 27, 0));
        ArticleExampleTests.AssertOpenAtFiftyPercent(web);
    }

    [Fact]
    public void MobileLaunchedBetweenTheCutovers_CompletedBeforeTheMobileCutover_GetsTheTimeSpent()
    {
        var learner = new Learner();
        learner.Launch("mobile", At.Cet(12, 22, 9), Platform.Mobile);
        learner.Complete("enr-1", At.Cet(12, 22, 11), FiveHours);

        var mobile = learner.Attempt("mobile");
        Assert.Equal(AttemptStatus.Completed, mobile.Status);
        Assert.Equal(At.Hours(2), mobile.TimeSpentMs);
        Assert.False(learner.Report("mobile", At.Cet(12, 27, 0)).LegacyClosed);
    }

    [Fact]
    public void Attempt_StartedExactlyAtTheTimeSpentCutover_GetsTheTimeSpent()
    {
        var learner = new Learner();
        learner.Launch("a", At.ConnectorCutover, Platform.Web);
        learner.Complete("enr-1", At.ConnectorCutover + TimeSpan.FromHours(1), FiveHours);

        Assert.Equal(At.Hours(1), learner.Attempt("a").TimeSpentMs);
    }

    [Fact]
    public void Attempt_StartedOneMsBeforeTheTimeSpentCutover_RecordsZero()
    {
        // A mobile attempt is not legacy-closed until the mobile cutover, so it is the target.
        var learner = new Learner();
        learner.Launch("m", At.ConnectorCutover - At.OneMs, Platform.Mobile);
        learner.Complete("enr-1", At.ConnectorCutover + TimeSpan.FromHours(1), FiveHours);

        var m = learner.Attempt("m");
        Assert.Equal(AttemptStatus.Completed, m.Status);
        Assert.Equal(0, m.TimeSpentMs);
    }

    [Fact]
    public void WebAttemptStartedOneMsBeforeTheCutover_IsLegacyClosedAtCompletion_SoTheCompletionGoesGo1Direct()
    {
        var learner = new Learner();
        learner.Launch("w", At.WebCutover - At.OneMs, Platform.Web);
        learner.Complete("enr-1", At.ConnectorCutover + TimeSpan.FromHours(1), FiveHours);

        Assert.Equal(AttemptStatus.Open, learner.Attempt("w").Status);
        Assert.Equal(AttemptStatus.Completed, learner.Attempt("go1-enr-1").Status);
    }

    [Fact]
    public void Completion_ExactlyAtTheConnectorCutover_UsesTheCurrentConnector()
    {
        var learner = LearnerWithACompletedOldestAndAnOpenMobileAttempt();
        learner.Complete("enr-1", At.ConnectorCutover, FiveHours);

        // Current connector: the oldest OPEN attempt.
        Assert.Equal("enr-1", learner.Attempt("m").Go1EnrolmentId);
        Assert.Equal("enr-0", learner.Attempt("x").Go1EnrolmentId);
    }

    [Fact]
    public void Completion_OneMsBeforeTheConnectorCutover_UsesTheLegacyConnector()
    {
        var learner = LearnerWithACompletedOldestAndAnOpenMobileAttempt();
        learner.Complete("enr-1", At.ConnectorCutover - At.OneMs, FiveHours);

        // Legacy connector: the OLDEST attempt, whatever its status.
        Assert.Equal("enr-1", learner.Attempt("x").Go1EnrolmentId);
        Assert.Equal(AttemptStatus.Open, learner.Attempt("m").Status);
    }

    private static Learner LearnerWithACompletedOldestAndAnOpenMobileAttempt()
    {
        var learner = new Learner();
        learner.Launch("x", At.ConnectorCutover - TimeSpan.FromHours(5), Platform.Web);
        learner.Complete("enr-0", At.ConnectorCutover - TimeSpan.FromHours(4), FiveHours);
        learner.Launch("m", At.ConnectorCutover - TimeSpan.FromHours(2), Platform.Mobile);
        return learner;
    }
}
