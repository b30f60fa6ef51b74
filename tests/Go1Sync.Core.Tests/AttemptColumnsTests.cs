using Go1Sync.Core.Attempts;
using Go1Sync.Core.Reporting;

namespace Go1Sync.Core.Tests;

/// <summary>The one column definition of an attempt's row (JSON, CSV, CLI).</summary>
public sealed class AttemptColumnsTests
{
    [Fact]
    public void CsvOrder_ComparedWithTheRow_HasExactlyItsColumns()
    {
        Assert.Equal(AttemptColumns.All.Count, AttemptColumns.All.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(AttemptColumns.All.OrderBy(c => c.Name, StringComparer.Ordinal), AttemptColumns.Csv.OrderBy(c => c.Name, StringComparer.Ordinal));
    }

    [Fact]
    public void AttemptField_ThatIsShown_HasAColumn()
    {
        // Go1EnrolmentId is the one field the LMS stats shape does not show.
        var shown = typeof(Attempt).GetProperties().Select(p => p.Name).Where(n => n != nameof(Attempt.Go1EnrolmentId))
            .Append(nameof(AttemptReport.LegacyClosed))
            .Select(n => char.ToLowerInvariant(n[0]) + n[1..]);
        Assert.Equal(shown.Order(StringComparer.Ordinal), AttemptColumns.All.Select(c => c.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Report_LegacyClosed_ShowsNoResultScoreOrTimeSpent()
    {
        var rules = new AttemptRules(Cutovers.Default);
        var attempt = new Attempt
        {
            AttemptId = "a", Email = "ada@example.com", CourseId = "c", Origin = AttemptOrigin.LmsLaunch, Platform = Platform.Web, Progress = 50,
            FirstActivityAt = At.Utc(12, 1, 8), LastActivityAt = At.Utc(12, 2, 8),
        };
        var report = rules.Report(attempt, At.Utc(12, 30, 8));

        var cells = AttemptColumns.All.ToDictionary(c => c.Name, c => c.Cell(report));
        Assert.Equal(AttemptCell.Of("completed"), cells["status"]);
        Assert.Equal(AttemptCell.Of(0), cells["progress"]);
        Assert.Equal(AttemptCell.Null, cells["result"]);
        Assert.Equal(AttemptCell.Null, cells["score"]);
        Assert.Equal(AttemptCell.Null, cells["completedAt"]);
        Assert.Equal(AttemptCell.Of(true), cells["legacyClosed"]);
        Assert.Equal(AttemptCell.Of("2024-12-01T08:00:00.000Z"), cells["firstActivityAt"]);
    }
}
