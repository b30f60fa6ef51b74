using Azure.Data.Tables;
using Go1Sync.Infrastructure.Erasure;

namespace Go1Sync.ContractTests;

/// <summary>
/// Rows as the product stores them, read back raw from Azurite after the scenario ran through the
/// real functions: every property with its EDM type and value (Timestamp and ETag left out).
/// Stored rows outlive every release that reads them.
/// </summary>
[Collection(ContractCollection.Name)]
public sealed class TableContractTests(ContractScenario scenario)
{
    public const string AttemptsRowGolden = "tables/attempts.row.json";

    private static string Pretty(JsonNode node) => GoldenJson.Pretty(node);

    [Fact]
    public async Task AttemptsRow_LearnerWithAClosedAndAnOpenAttempt_MatchesGolden()
    {
        var rows = await scenario.RowsAsync(TableNames.AttemptStats, StatsRows.StatsPartition(ContractScenario.Course));
        var row = Assert.Single(rows, r => r.RowKey.StartsWith(CourseRows.AggregatePrefix, StringComparison.Ordinal));
        GoldenFiles.Checked.Verify(AttemptsRowGolden, Pretty(GoldenJson.AttemptsRow(TableNames.AttemptStats, row)));
    }

    [Fact]
    public async Task LearnerCoursesRow_LearnerWithOneCourse_MatchesGolden()
    {
        var row = Assert.Single(await scenario.RowsAsync(TableNames.Attempts, await scenario.LearnerIdAsync()));
        GoldenFiles.Checked.Verify("tables/learner-courses.row.json", Pretty(GoldenJson.Entity(TableNames.Attempts, row)));
    }

    [Fact]
    public async Task AttemptStatsRows_AClosedAndAnOpenAttempt_MatchGolden()
    {
        var rows = (await scenario.RowsAsync(TableNames.AttemptStats, StatsRows.StatsPartition(ContractScenario.Course)))
            .Where(r => string.CompareOrdinal(r.RowKey, CourseRows.StatsEnd) < 0).ToList();
        Assert.Equal(2, rows.Count);
        GoldenFiles.Checked.Verify("tables/attempt-stats.rows.json", Pretty(new JsonArray([.. rows.Select(r => GoldenJson.Entity(TableNames.AttemptStats, r))])));
    }

    [Fact]
    public async Task ChangeRows_TwoLaunchesThenACompletion_MatchGoldenOneRowPerChangedAttemptAndVersion()
    {
        var rows = (await scenario.RowsAsync(TableNames.AttemptStats, StatsRows.StatsPartition(ContractScenario.Course)))
            .Where(r => r.RowKey.StartsWith(CourseRows.ChangePrefix, StringComparison.Ordinal)).ToList();
        // Launch 1 (version 1), launch 2 (version 2), the completion closing attempt 1 (version 3).
        Assert.Equal([1L, 2L, 3L], rows.Select(r => r.GetInt64(ChangeRows.VersionProperty) ?? 0));
        GoldenFiles.Checked.Verify("tables/attempt-changes.rows.json", Pretty(new JsonArray([.. rows.Select(r => GoldenJson.Entity(TableNames.AttemptStats, r))])));
    }

    [Fact]
    public async Task OpenAttemptsRow_TheOpenAttempt_MatchesGolden()
    {
        var rows = await scenario.RowsAsync(TableNames.AttemptStats, StatsRows.StatsPartition(ContractScenario.Course));
        var row = Assert.Single(rows, r => r.RowKey.StartsWith(CourseRows.OpenPrefix, StringComparison.Ordinal));
        GoldenFiles.Checked.Verify("tables/open-attempts.row.json", Pretty(GoldenJson.Entity(TableNames.AttemptStats, row)));
    }

    [Fact]
    public async Task OpenAttemptsCourseRow_ACourseWithAttempts_MatchesGolden()
    {
        var row = Assert.Single(await scenario.RowsAsync(TableNames.OpenAttempts, OpenAttemptIndex.CoursesPartition));
        GoldenFiles.Checked.Verify("tables/open-attempts.course.row.json", Pretty(GoldenJson.Entity(TableNames.OpenAttempts, row)));
    }

    /// <summary>An applied event's delivery record: a row of its aggregate's batch, in the course partition.</summary>
    [Fact]
    public async Task CourseDeliveryRow_WebhookAcceptedThenApplied_MatchesGolden()
    {
        var row = Assert.Single(await CourseDeliveryRowsAsync(), r => r.GetString("Identity") == "go1:" + ContractScenario.WebhookEventId);
        GoldenFiles.Checked.Verify("tables/attempt-stats.delivery.webhook-applied.row.json", Pretty(GoldenJson.Entity(TableNames.AttemptStats, row)));
    }

    [Fact]
    public async Task CourseDeliveryRow_LaunchAcceptedThenApplied_MatchesGolden()
    {
        var row = Assert.Single(await CourseDeliveryRowsAsync(), r => r.GetString("AttemptId") == ContractScenario.ClosedAttempt);
        GoldenFiles.Checked.Verify("tables/attempt-stats.delivery.launch-applied.row.json", Pretty(GoldenJson.Entity(TableNames.AttemptStats, row)));
    }

    /// <summary>Nothing applied is recorded in the day partition any more: the refused, parked (and failed, erased, no-effect) are.</summary>
    [Fact]
    public async Task DeliveriesRows_TheScenariosAppliedEvents_AreNotInTheDayPartition()
    {
        Assert.Empty(await scenario.RowsWhereAsync(TableNames.Deliveries, "Identity", "go1:" + ContractScenario.WebhookEventId));
        Assert.Empty(await scenario.RowsWhereAsync(TableNames.Deliveries, "AttemptId", ContractScenario.ClosedAttempt));
    }

    private async Task<IReadOnlyList<TableEntity>> CourseDeliveryRowsAsync() =>
        (await scenario.RowsAsync(TableNames.AttemptStats, StatsRows.StatsPartition(ContractScenario.Course)))
            .Where(r => r.RowKey.StartsWith(CourseRows.DeliveryPrefix, StringComparison.Ordinal)).ToList();

    [Fact]
    public async Task DeliveriesRow_WebhookAcceptedWithADroppedFieldThenParked_MatchesGolden()
    {
        var row = Assert.Single(await scenario.RowsWhereAsync(TableNames.Deliveries, "Identity", "go1:" + ContractScenario.ParkedEventId));
        GoldenFiles.Checked.Verify("tables/deliveries.webhook-parked.row.json", Pretty(GoldenJson.Entity(TableNames.Deliveries, row)));
    }

    [Fact]
    public async Task ParkedRow_CompletionLackingItsScoreWithoutAGo1Api_MatchesGolden()
    {
        var row = Assert.Single(await scenario.RowsAsync(TableNames.Parked, ParkCategories.Unmatched));
        GoldenFiles.Checked.Verify("tables/parked.row.json",
            Pretty(GoldenJson.Entity(TableNames.Parked, row, name => name == "Body" ? GoldenJson.Binary.Utf8Json : GoldenJson.Binary.Base64)));
    }

    [Fact]
    public async Task TombstonesRow_LearnerErasedByAnOperator_MatchesGolden()
    {
        var row = Assert.Single(await scenario.RowsAsync(TableNames.Tombstones, TableLearnerTombstones.Partition));
        GoldenFiles.Checked.Verify("tables/tombstones.row.json", Pretty(GoldenJson.Entity(TableNames.Tombstones, row)));
    }

    [Fact]
    public async Task CoursesRow_PutByAnOperator_MatchesGolden()
    {
        var row = Assert.Single(await scenario.RowsAsync(TableNames.Courses, TableCourseCatalogue.Partition));
        GoldenFiles.Checked.Verify("tables/courses.row.json", Pretty(GoldenJson.Entity(TableNames.Courses, row)));
    }
}
