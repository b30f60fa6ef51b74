using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Tests;

/// <summary>The examples of the help-centre article, one test each.</summary>
public sealed class ArticleExampleTests
{
    private const int FiveHours = 300;

    /// <summary>The learner of examples 1 and 2: two open attempts on 22 December, "oldest" at 09:00 and "newer" at 10:00.</summary>
    private static Learner OldestAndNewerOpen()
    {
        var learner = new Learner();
        learner.Launch("oldest", At.Cet(12, 22, 9));
        learner.Launch("newer", At.Cet(12, 22, 10));
        return learner;
    }

    [Fact]
    public void Example1_FiveHourCourse_DoneAt1330RecordsFourAndAHalfHoursOnOldestOpenAttempt()
    {
        var learner = OldestAndNewerOpen();
        var newerBefore = learner.Attempt("newer");

        Assert.True(learner.Complete("enr-1", At.Cet(12, 22, 13, 30), FiveHours, passed: true, score: 90));

        var oldest = learner.Attempt("oldest");
        Assert.Equal(AttemptStatus.Completed, oldest.Status);
        Assert.Equal(100, oldest.Progress);
        Assert.Equal(At.Hours(4.5), oldest.TimeSpentMs);
        Assert.Equal(At.Cet(12, 22, 13, 30), oldest.CompletedAt);
        Assert.Equal(At.Cet(12, 22, 13, 30), oldest.LastActivityAt);
        Assert.Equal(AttemptResult.Success, oldest.Result);
        Assert.Equal("enr-1", oldest.Go1EnrolmentId);
        Assert.False(oldest.DurationUnknown);
        Assert.Equal(newerBefore, learner.Attempt("newer"));
    }

    [Fact]
    public void Example2_FiveHourCourse_DoneAt1430CapsTimeSpentAtFiveHoursOnOldestOpenAttempt()
    {
        var learner = OldestAndNewerOpen();
        var newerBefore = learner.Attempt("newer");

        learner.Complete("enr-1", At.Cet(12, 22, 14, 30), FiveHours);

        var oldest = learner.Attempt("oldest");
        Assert.Equal(AttemptStatus.Completed, oldest.Status);
        Assert.Equal(100, oldest.Progress);
        Assert.Equal(At.Hours(5), oldest.TimeSpentMs);
        Assert.Equal(newerBefore, learner.Attempt("newer"));
    }

    [Fact]
    public void LegacyExample_StartedAndCompletedOn10December_InThreeHoursRecordsZeroOnOldestAttemptOtherPreCutoverAttemptsUnchanged()
    {
        var learner = new Learner();
        learner.Launch("oldest", At.Cet(12, 10, 9));
        learner.Launch("second", At.Cet(12, 10, 10));
        learner.Launch("third", At.Cet(12, 15, 8), Platform.Mobile);
        var secondBefore = learner.Attempt("second");
        var thirdBefore = learner.Attempt("third");

        learner.Complete("enr-1", At.Cet(12, 10, 12), FiveHours, passed: false, score: 20, startedAt: At.Cet(12, 10, 9));

        var oldest = learner.Attempt("oldest");
        Assert.Equal(AttemptStatus.Completed, oldest.Status);
        Assert.Equal(100, oldest.Progress);
        Assert.Equal(0, oldest.TimeSpentMs);
        Assert.Equal(At.Cet(12, 10, 12), oldest.CompletedAt);
        Assert.Equal(AttemptResult.Failed, oldest.Result);
        Assert.Equal(20, oldest.Score);
        Assert.Equal(secondBefore, learner.Attempt("second"));
        Assert.Equal(thirdBefore, learner.Attempt("third"));
        Assert.Equal(3, learner.Attempts.Count);
    }

    [Fact]
    public void Launch_FirstOfAnEnrolment_CreatesAnOpenAttemptAtFiftyPercent()
    {
        var learner = new Learner();
        var launchedAt = At.Cet(12, 22, 9);

        Assert.True(learner.Launch("a1", launchedAt, Platform.Mobile));

        var attempt = Assert.Single(learner.Attempts);
        Assert.Equal("a1", attempt.AttemptId);
        Assert.Equal(AttemptStatus.Open, attempt.Status);
        Assert.Equal(50, attempt.Progress);
        Assert.Equal(AttemptOrigin.LmsLaunch, attempt.Origin);
        Assert.Equal(Platform.Mobile, attempt.Platform);
        Assert.Equal(AttemptResult.None, attempt.Result);
        Assert.Equal(launchedAt, attempt.FirstActivityAt);
        Assert.Equal(launchedAt, attempt.LastActivityAt);
        Assert.Null(attempt.CompletedAt);
        Assert.Null(attempt.Score);
        Assert.Null(attempt.Go1EnrolmentId);
        Assert.Equal(0, attempt.TimeSpentMs);
        Assert.Equal(Learner.DefaultEmail, attempt.Email);
        Assert.Equal(Learner.DefaultCourseId, attempt.CourseId);
    }

    [Fact]
    public void WebLaunchBefore19December_NotCompleted_ShowsCompletedAtZeroPercentAfterTheCutover()
    {
        var learner = new Learner();
        learner.Launch("a1", At.Cet(12, 10, 9), Platform.Web);

        var before = learner.Report("a1", At.WebCutover - At.OneMs);
        AssertOpenAtFiftyPercent(before);

        var after = learner.Report("a1", At.Cet(12, 20, 9));
        AssertLegacyClosed(after);

        // Never written: the stored attempt is still open at 50 %.
        Assert.Equal(AttemptStatus.Open, learner.Attempt("a1").Status);
        Assert.Equal(50, learner.Attempt("a1").Progress);
    }

    [Fact]
    public void WebLegacyClosedAttempt_ContinuedAfterTheCutover_IsReopened()
    {
        var learner = new Learner();
        learner.Launch("a1", At.Cet(12, 10, 9), Platform.Web);
        AssertLegacyClosed(learner.Report("a1", At.Cet(12, 20, 9)));

        Assert.True(learner.Launch("a1", At.Cet(12, 21, 9), Platform.Web));

        var report = learner.Report("a1", At.Cet(12, 21, 10));
        AssertOpenAtFiftyPercent(report);
        Assert.Equal(At.Cet(12, 10, 9), report.Attempt.FirstActivityAt);
        Assert.Equal(At.Cet(12, 21, 9), report.Attempt.LastActivityAt);
        Assert.Single(learner.Attempts);
    }

    [Fact]
    public void MobileLaunchBefore26December_NotCompleted_ShowsCompletedAtZeroPercentAfterTheMobileCutover()
    {
        var learner = new Learner();
        learner.Launch("m1", At.Cet(12, 20, 9), Platform.Mobile);

        // Between the web and the mobile cutover, a mobile attempt is still open.
        var between = learner.Report("m1", At.Cet(12, 25, 23, 59));
        AssertOpenAtFiftyPercent(between);

        AssertLegacyClosed(learner.Report("m1", At.Cet(12, 26, 0)));
        AssertLegacyClosed(learner.Report("m1", At.Cet(12, 30, 12)));
    }

    [Fact]
    public void MobileLegacyClosedAttempt_ContinuedAfterTheMobileCutover_IsReopened()
    {
        var learner = new Learner();
        learner.Launch("m1", At.Cet(12, 20, 9), Platform.Mobile);
        AssertLegacyClosed(learner.Report("m1", At.Cet(12, 27, 9)));

        learner.Launch("m1", At.Cet(12, 28, 9), Platform.Mobile);

        var report = learner.Report("m1", At.Cet(12, 28, 10));
        AssertOpenAtFiftyPercent(report);
    }

    [Fact]
    public void MobileLaunch_ContinuedBetweenTheCutovers_IsStillLegacyClosedAfterTheMobileCutover()
    {
        var learner = new Learner();
        learner.Launch("m1", At.Cet(12, 10, 9), Platform.Mobile);
        learner.Launch("m1", At.Cet(12, 23, 9), Platform.Mobile); // after the web cutover, before the mobile one

        AssertLegacyClosed(learner.Report("m1", At.Cet(12, 27, 9)));
    }

    /// <summary>The attempt is reported open at 50 %, not legacy-closed.</summary>
    internal static void AssertOpenAtFiftyPercent(AttemptReport report)
    {
        Assert.False(report.LegacyClosed);
        Assert.Equal(AttemptStatus.Open, report.Attempt.Status);
        Assert.Equal(50, report.Attempt.Progress);
    }

    internal static void AssertLegacyClosed(AttemptReport report)
    {
        Assert.True(report.LegacyClosed);
        Assert.Equal(AttemptStatus.Completed, report.Attempt.Status);
        Assert.Equal(0, report.Attempt.Progress);
        Assert.Equal(AttemptResult.None, report.Attempt.Result);
        Assert.Equal(0, report.Attempt.TimeSpentMs);
        Assert.Null(report.Attempt.Score);
        Assert.False(report.Attempt.DurationUnknown);
    }
}
