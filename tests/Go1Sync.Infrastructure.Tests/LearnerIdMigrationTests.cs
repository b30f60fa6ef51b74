using Azure.Data.Tables;
using Go1Sync.Core.Reporting;
using Go1Sync.Infrastructure.Learners;

namespace Go1Sync.Infrastructure.Tests;

/// <summary>
/// <c>go1sync migrate learner-ids</c> on Azurite: rows written in the format before keyed ids
/// (<see cref="LegacyRows"/>) move to the HMAC id without losing history, merging with events
/// applied under the new id before the migration; a crash anywhere is finished by a re-run, and a
/// second run changes nothing.
/// </summary>
public sealed class LearnerIdMigrationTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private const int Duration = 120;
    private static DateTimeOffset At(string instant) => DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Course A: two completed attempts and one open; course B: one completed, one open.</summary>
    private static (LearnerCourseHistory A, LearnerCourseHistory B) LegacyHistories(AttemptRules rules, string email, string courseA, string courseB)
    {
        var a = LearnerCourseHistory.Empty(email, courseA);
        a = rules.Accept(a, new Launch("a1", email, courseA, Platform.Web, At("2025-01-10T09:00:00Z"))).History;
        a = rules.Accept(a, new Completion("enr-a1", email, courseA, At("2025-01-10T10:30:00Z"), true, 90), Duration).History;
        a = rules.Accept(a, new Launch("a2", email, courseA, Platform.Mobile, At("2025-01-12T09:00:00Z"))).History;
        a = rules.Accept(a, new Launch("a2", email, courseA, Platform.Mobile, At("2025-01-12T09:20:00Z"))).History;
        a = rules.Accept(a, new Completion("enr-a2", email, courseA, At("2025-01-12T13:00:00Z"), false, 40), Duration).History;
        a = rules.Accept(a, new Launch("a3", email, courseA, Platform.Web, At("2025-01-15T09:00:00Z"))).History;
        var b = LearnerCourseHistory.Empty(email, courseB);
        b = rules.Accept(b, new Launch("b1", email, courseB, Platform.Web, At("2025-01-11T08:00:00Z"))).History;
        b = rules.Accept(b, new Completion("enr-b1", email, courseB, At("2025-01-11T09:00:00Z"), true, 75), Duration).History;
        b = rules.Accept(b, new Launch("b2", email, courseB, Platform.Web, At("2025-01-20T08:00:00Z"))).History;
        return (a, b);
    }

    private static async Task<JsonElement[]> LearnerAnswerAsync(Go1SyncTestHost host, string learnerId)
    {
        var answer = await Go1SyncTestHost.GetAsync(r => host.Function<StatisticsFunctions>().LearnerAttempts(r, learnerId, CancellationToken.None));
        Assert.Equal(200, answer.Status);
        return JsonDocument.Parse(answer.Body).RootElement.EnumerateArray().ToArray();
    }

    private static readonly string[] FigureColumns = ["attemptId", "courseId", "status", "progress", "result", "score", "timeSpentMs", "firstActivityAt", "lastActivityAt", "completedAt", "origin", "platform"];

    private static string Figures(JsonElement row) =>
        string.Join("|", FigureColumns.Select(p => row.TryGetProperty(p, out var value) ? value.ToString() : ""));

    /// <summary>The same figures as the read API shows them, through the one column definition.</summary>
    private static string Figures(AttemptReport report) =>
        string.Join("|", FigureColumns.Select(name => AttemptColumns.All.Single(c => c.Name == name).Cell(report) switch
        {
            { Kind: AttemptCellKind.Null } => "",
            { Kind: AttemptCellKind.Text } cell => cell.Text!,
            { Kind: AttemptCellKind.Number } cell => cell.Number.ToString(System.Globalization.CultureInfo.InvariantCulture),
            var cell => cell.Flag ? "True" : "False",
        }));

    [Fact]
    public async Task Migrate_LegacyRowsOfALearnerOnTwoCoursesAndANewEventUnderTheNewId_ReadApiShowsTheWholeHistoryPlusTheNewEventNoOldIdLeftSecondRunChangesNothing()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        const string email = "Migrant@Example.com";
        const string courseA = "mig-course-a", courseB = "mig/course-b";
        var tables = host.Get<TableServiceClient>();
        var legacyId = LegacyRows.Id(email);
        var newId = host.Ids.Id(email);
        Assert.NotEqual(legacyId, newId);

        // Today's rows: two aggregates with their stats and open-index rows, delivery records (one
        // of a learner with no aggregate, one with no learner), the Go1 user cache row.
        var (historyA, historyB) = LegacyHistories(host.Rules, email, courseA, courseB);
        await LegacyRows.WriteAggregateAsync(host, historyA);
        await LegacyRows.WriteAggregateAsync(host, historyB);
        var receivedAt = DateTimeOffset.UtcNow.AddDays(-1);
        await LegacyRows.WriteDeliveryAsync(host, "launch:a3:legacy", receivedAt, email, attemptId: "a3");
        await LegacyRows.WriteDeliveryAsync(host, "launch:b2:legacy", receivedAt, email, attemptId: "b2");
        await LegacyRows.WriteDeliveryAsync(host, "go1:enr-b1:legacy", receivedAt, email, enrolmentId: "enr-b1");
        await LegacyRows.WriteDeliveryAsync(host, "go1:enr-gone:legacy", receivedAt, "gone@example.com", enrolmentId: "enr-gone");
        await LegacyRows.WriteDeliveryAsync(host, "go1:enr-thin:legacy", receivedAt, null, enrolmentId: "enr-thin");
        await LegacyRows.WriteGo1UserAsync(host, email, "go1-user-migrant");
        await LegacyRows.WriteGo1UserAsync(host, "gone@example.com", "go1-user-gone");
        Assert.Equal(2, (await LegacyRows.OpenRowsAsync(tables)).Count(r => r.GetString("LearnerHash") == legacyId));
        var before = (await host.Get<CourseStatistics>().LearnerAsync(legacyId, DateTimeOffset.UtcNow, CancellationToken.None)).Select(Figures).ToList();
        Assert.Equal(5, before.Count);

        // After the deployment, before the migration: the completion of the open attempt a3 is
        // applied under the new id, where no history exists yet (a go1-direct attempt for now).
        Assert.Equal(200, (await host.PostCourseAsync($$"""{"courseId":"{{courseA}}","durationMinutes":{{Duration}}}""")).Status);
        Assert.Equal(202, (await host.PostCompletionAsync("enr-a3", email, courseA, "2025-01-15T10:00:00Z", passed: true, score: 88)).Status);
        Assert.Equal(1, (await host.DrainAsync()).SucceededCount);
        Assert.StartsWith(AttemptRules.Go1DirectPrefix, Assert.Single(await host.AttemptsAsync(email, courseA)).AttemptId);

        var report = await host.Get<LearnerIdMigration>().MigrateAsync(CancellationToken.None);

        Assert.Equal((1, 2, 1), (report.Learners, report.AggregatesMoved, report.AggregatesMerged));
        Assert.Equal((3, 1), (report.DeliveriesRewritten, report.DeliveriesUnmapped));
        Assert.Equal((1, 1), (report.Go1UsersRekeyed, report.Go1UsersDropped));
        Assert.Equal(5, report.StatsRowsDeleted);
        Assert.Equal(2, report.OpenRowsDeleted);

        // The read API by the new id: every attempt as before, a3 now completed by the new event.
        var expectedA = host.Rules.Accept(historyA, new Completion("enr-a3", email, courseA, At("2025-01-15T10:00:00Z"), true, 88), Duration).History;
        var now = DateTimeOffset.UtcNow;
        var expected = host.Rules.Fold(expectedA).Concat(host.Rules.Fold(historyB))
            .Select(a => host.Rules.Report(a, now))
            .OrderBy(r => r.Attempt.CourseId, StringComparer.Ordinal).ThenBy(r => r.Attempt.FirstActivityAt)
            .Select(Figures).ToList();
        var after = (await LearnerAnswerAsync(host, newId)).Select(Figures).ToList();
        Assert.Equal(expected, after);
        Assert.Equal(before.Where(f => !f.StartsWith("a3|", StringComparison.Ordinal)), after.Where(f => !f.StartsWith("a3|", StringComparison.Ordinal)));
        Assert.Contains(after, f => f.StartsWith("a3|mig-course-a|completed|100|success|88|3600000|", StringComparison.Ordinal));
        Assert.Empty(await LearnerAnswerAsync(host, legacyId));

        // The read side was projected under the new id: course A's stats are a1, a2, a3, no go1-direct row.
        var statsA = await host.StatsRowsAsync(courseA);
        Assert.Equal(["a1", "a2", "a3"], statsA.Select(r => r.GetString("AttemptId")).Order(StringComparer.Ordinal));
        Assert.All(statsA, r => Assert.StartsWith(newId + "_", r.RowKey, StringComparison.Ordinal));
        var summary = await Go1SyncTestHost.GetAsync(r => host.Function<StatisticsFunctions>().CourseSummary(r, courseA, CancellationToken.None));
        Assert.Equal(3, JsonDocument.Parse(summary.Body).RootElement.GetProperty("completed").GetInt32());
        var open = Assert.Single(await host.OpenIndexRowsAsync(), r => r.GetString("CourseId") == courseB);
        Assert.Equal((newId, "b2"), (open.GetString("LearnerHash"), open.GetString("AttemptId")));
        var stored = await host.Get<IAttemptStore>().GetAsync(LearnerCourseKey.For(host.Ids, email, courseA), CancellationToken.None);
        Assert.True(expectedA.SameEventsAs(stored!.History));

        // Deliveries: by the new id (the look-up by email finds them); an id of no aggregate is dropped, the record kept.
        var deliveries = await host.Get<IDeliveryLog>().FindAsync(new DeliveryQuery(receivedAt.AddMinutes(-1), LearnerHash: newId), CancellationToken.None);
        Assert.Equal(["go1:enr-b1:legacy", "go1:evt-enr-a3", "launch:a3:legacy", "launch:b2:legacy"], deliveries.Select(d => d.Identity).Order(StringComparer.Ordinal));
        var gone = Assert.Single(await host.Get<IDeliveryLog>().FindAsync(new DeliveryQuery(receivedAt.AddMinutes(-1), "enr-gone"), CancellationToken.None));
        Assert.Null(gone.LearnerHash);
        Assert.Equal(DeliveryOutcomes.Applied, gone.Outcome);
        var user = await tables.GetTableClient(TableNames.Go1Users).GetEntityAsync<TableEntity>("user", newId);
        Assert.Equal("go1-user-migrant", user.Value.GetString("UserId"));

        // No row anywhere holds the old SHA-256 id.
        Assert.Empty(await LegacyRows.PlacesHoldingAsync(tables, legacyId, LegacyRows.Id("gone@example.com")));

        // A second run finds nothing to move and writes nothing.
        var snapshot = await LegacyRows.SnapshotAsync(tables);
        var second = await host.Get<LearnerIdMigration>().MigrateAsync(CancellationToken.None);
        Assert.True(second.ChangedNothing, JsonSerializer.Serialize(second));
        Assert.Equal(0, second.Learners);
        Assert.Equal(snapshot, await LegacyRows.SnapshotAsync(tables));
    }

    [Theory]
    [InlineData(LearnerIdMigration.Steps.DeliveriesRewritten)]
    [InlineData(LearnerIdMigration.Steps.AggregateWritten)]
    [InlineData(LearnerIdMigration.Steps.OldProjectionsDeleted)]
    [InlineData(LearnerIdMigration.Steps.OldAggregateDeleted)]
    public async Task Migrate_CrashAfterAStep_ReRunEndsWithTheMergedHistoryUnderTheNewIdAndNoOldIdLeft(string step)
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var email = $"crash-{step}@example.com";
        var course = $"crash-course-{step}";
        var tables = host.Get<TableServiceClient>();
        var (history, _) = LegacyHistories(host.Rules, email, course, course + "-unused");
        await LegacyRows.WriteAggregateAsync(host, history);
        await LegacyRows.WriteDeliveryAsync(host, $"launch:a3:{step}", DateTimeOffset.UtcNow.AddHours(-1), email, attemptId: "a3");
        await host.PostCourseAsync($$"""{"courseId":"{{course}}","durationMinutes":{{Duration}}}""");
        await host.PostLaunchAsync("a4", email, course, "web", "2025-01-16T09:00:00Z");
        await host.DrainAsync();

        var migration = host.Get<LearnerIdMigration>();
        var crash = await Assert.ThrowsAsync<IOException>(() => migration.MigrateAsync(CancellationToken.None,
            s => s == step ? throw new IOException($"crash after {s}") : Task.CompletedTask));
        Assert.Equal($"crash after {step}", crash.Message);

        var rerun = await migration.MigrateAsync(CancellationToken.None);

        Assert.Equal(step == LearnerIdMigration.Steps.OldAggregateDeleted ? 0 : 1, rerun.AggregatesMoved);
        var expected = host.Rules.Accept(history, new Launch("a4", email, course, Platform.Web, At("2025-01-16T09:00:00Z"))).History;
        var stored = await host.Get<IAttemptStore>().GetAsync(LearnerCourseKey.For(host.Ids, email, course), CancellationToken.None);
        Assert.True(expected.SameEventsAs(stored!.History));
        Assert.Equal(["a1", "a2", "a3", "a4"], (await host.StatsRowsAsync(course)).Select(r => r.GetString("AttemptId")).Order(StringComparer.Ordinal));
        Assert.Equal(["a3", "a4"], (await host.OpenIndexRowsAsync()).Where(r => r.GetString("CourseId") == course).Select(r => r.GetString("AttemptId")).Order(StringComparer.Ordinal));
        Assert.Empty(await LegacyRows.PlacesHoldingAsync(tables, LegacyRows.Id(email)));
        Assert.True((await migration.MigrateAsync(CancellationToken.None)).ChangedNothing);
    }

    [Fact]
    public async Task CliMigrateLearnerIds_LegacyRow_MovesItAndPrintsTheSummarySecondRunSaysNothingLeft()
    {
        await using (var host = await Go1SyncTestHost.StartAsync(storage.Azurite))
        {
            var (history, _) = LegacyHistories(host.Rules, "cli-migrant@example.com", "cli-mig-course", "unused");
            await LegacyRows.WriteAggregateAsync(host, history);
        }

        var (exit, output, errors) = await RunCliAsync("migrate", "learner-ids", "--json");
        Assert.True(exit == 0, errors);
        var report = JsonDocument.Parse(output).RootElement;
        Assert.Equal(LearnerIds.Development.CurrentKeyId, report.GetProperty("currentKeyId").GetString());
        Assert.Equal(1, report.GetProperty("aggregatesMoved").GetInt32());
        Assert.Equal(3, report.GetProperty("statsRowsDeleted").GetInt32());
        Assert.Equal(JsonValueKind.Object, report.GetProperty("tombstonesUnderOldSchemes").ValueKind);

        var again = await RunCliAsync("migrate", "learner-ids");
        Assert.Equal((0, ""), (again.Exit, again.Err));
        Assert.Contains("aggregates: 0 moved", again.Out, StringComparison.Ordinal);
        Assert.Contains("nothing left to migrate", again.Out, StringComparison.Ordinal);
    }

    private Task<(int Exit, string Out, string Err)> RunCliAsync(params string[] args) => CliRuns.RunAsync(storage.Azurite, args);
}
