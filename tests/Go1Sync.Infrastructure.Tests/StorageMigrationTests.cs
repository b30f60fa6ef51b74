using Azure.Data.Tables;
using Go1Sync.Core.Reporting;

namespace Go1Sync.Infrastructure.Tests;

/// <summary>
/// <c>go1sync migrate storage</c> on Azurite: aggregates in the layout before storage v3
/// (<see cref="LegacyRows"/>) move into their course partitions with their read side, the legacy
/// open index goes, every answer stays the same, and a second run changes nothing. Each test leaves
/// no movable row behind, so the counts of one do not depend on the others.
/// </summary>
public sealed class StorageMigrationTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset AsOf = DateTimeOffset.Parse("2025-03-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private static DateTimeOffset At(string instant) => DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Course A: two completed attempts; course B: one completed, one still open.</summary>
    private static (LearnerCourseHistory A, LearnerCourseHistory B) Histories(AttemptRules rules, string email, string courseA, string courseB)
    {
        var a = LearnerCourseHistory.Empty(email, courseA);
        a = rules.Accept(a, new Launch("s-a1", email, courseA, Platform.Web, At("2025-01-10T09:00:00Z"))).History;
        a = rules.Accept(a, new Completion("s-enr-a1", email, courseA, At("2025-01-10T10:30:00Z"), true, 90), 120).History;
        a = rules.Accept(a, new Launch("s-a2", email, courseA, Platform.Mobile, At("2025-01-12T09:00:00Z"))).History;
        a = rules.Accept(a, new Completion("s-enr-a2", email, courseA, At("2025-01-12T13:00:00Z"), false, 40), 120).History;
        var b = LearnerCourseHistory.Empty(email, courseB);
        b = rules.Accept(b, new Launch("s-b1", email, courseB, Platform.Web, At("2025-01-11T08:00:00Z"))).History;
        b = rules.Accept(b, new Completion("s-enr-b1", email, courseB, At("2025-01-11T09:00:00Z"), true, 75), 120).History;
        b = rules.Accept(b, new Launch("s-b2", email, courseB, Platform.Web, At("2025-01-20T08:00:00Z"))).History;
        return (a, b);
    }

    /// <summary>What the read API answers, at a fixed instant: the learner look-up and each course's attempts and summary.</summary>
    private static async Task<string> AnswersAsync(Go1SyncTestHost host, string learnerId, params string[] courses)
    {
        var statistics = host.Get<CourseStatistics>();
        var answers = new List<object> { await statistics.LearnerAsync(learnerId, AsOf, CancellationToken.None) };
        foreach (var course in courses)
        {
            var (reports, summary) = await statistics.CourseAsync(course, AsOf, CancellationToken.None);
            answers.Add(reports);
            answers.Add(summary);
        }
        return JsonSerializer.Serialize(answers);
    }

    /// <summary>The open attempts the sweep follows, by (learner, course, attempt), from the given rows.</summary>
    private static List<string> Followed(IEnumerable<TableEntity> rows) =>
        rows.Select(r => $"{r.GetString("LearnerHash")}|{r.GetString("CourseId")}|{r.GetString("AttemptId")}").Order(StringComparer.Ordinal).ToList();

    [Fact]
    public async Task Migrate_LegacyRowsOfALearnerOnTwoCoursesWithAnOpenAttempt_MovesThemWithTheirReadSideEveryAnswerStaysTheSameSecondRunChangesNothing()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        const string email = "mover@example.com", courseA = "move-course-a", courseB = "move/course-b";
        var tables = host.Get<TableServiceClient>();
        var id = host.Ids.Id(email);
        var (historyA, historyB) = Histories(host.Rules, email, courseA, courseB);
        await LegacyRows.WriteAggregateAsync(host, historyA, host.Ids);
        await LegacyRows.WriteAggregateAsync(host, historyB, host.Ids);
        // A learner not moved to keyed ids yet: left for migrate learner-ids, which moves it under its new id.
        var unkeyed = LearnerCourseHistory.Empty("unkeyed@example.com", courseA);
        unkeyed = host.Rules.Accept(unkeyed, new Launch("u-1", "unkeyed@example.com", courseA, Platform.Web, At("2025-01-05T09:00:00Z"))).History;
        unkeyed = host.Rules.Accept(unkeyed, new Completion("u-enr-1", "unkeyed@example.com", courseA, At("2025-01-05T10:00:00Z"), true, 60), 120).History;
        await LegacyRows.WriteAggregateAsync(host, unkeyed);

        var answersBefore = await AnswersAsync(host, id, courseA, courseB);
        // The learner's rows only: the other tests of the class share the tables.
        var followedBefore = Followed((await LegacyRows.OpenRowsAsync(tables)).Where(r => r.GetString("LearnerHash") == id));
        Assert.Equal([$"{id}|{courseB}|s-b2"], followedBefore);
        Assert.DoesNotContain(await host.OpenIndexRowsAsync(), r => r.GetString("LearnerHash") == id);

        var report = await host.Get<StorageMigration>().MigrateAsync(CancellationToken.None);

        Assert.Equal((2, 0, 1, 1), (report.AggregatesMoved, report.AlreadyMoved, report.LegacyIndexRowsDeleted, report.LeftForLearnerIdMigration));
        // The aggregates are in their course partitions, whole and not pending; the store no longer reads a legacy row.
        var store = host.Get<IAttemptStore>();
        foreach (var history in new[] { historyA, historyB })
        {
            var key = LearnerCourseKey.For(host.Ids, email, history.CourseId);
            var row = (await tables.GetTableClient(TableNames.AttemptStats).GetEntityAsync<TableEntity>(key.CourseKey, CourseRows.Aggregate(id))).Value;
            Assert.NotEqual(true, row.GetBoolean(TableAttemptStore.PendingProperty));
            var stored = await store.GetAsync(key, CancellationToken.None);
            Assert.False(stored!.Legacy);
            Assert.True(history.SameEventsAs(stored.History));
        }
        // Its read side: the stats rows, and the open attempt indexed in its course partition instead of the legacy partition.
        Assert.Equal(["s-a1", "s-a2"], (await host.StatsRowsAsync(courseA)).Where(r => r.GetString("LearnerHash") == id).Select(r => r.GetString("AttemptId")).Order(StringComparer.Ordinal));
        Assert.Equal(["s-b1", "s-b2"], (await host.StatsRowsAsync(courseB)).Where(r => r.GetString("LearnerHash") == id).Select(r => r.GetString("AttemptId")).Order(StringComparer.Ordinal));
        Assert.Empty(await LegacyRows.OpenRowsAsync(tables));
        Assert.Equal(followedBefore, Followed((await host.OpenIndexRowsAsync()).Where(r => r.GetString("LearnerHash") == id)));
        // Attempts holds the learner's course list, without email or history.
        var listed = tables.GetTableClient(TableNames.Attempts).Query<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {id}")).ToList();
        Assert.Equal([(courseA, TableAttemptStore.CourseListKind), (courseB, TableAttemptStore.CourseListKind)],
            listed.Select(r => (r.GetString("CourseId"), r.GetString("Kind"))).Order());
        Assert.All(listed, r => Assert.False(TableAttemptStore.IsLegacyAggregate(r) || r.ContainsKey("Email") || r.ContainsKey("D00")));
        // The read API and the learner look-up answer as before; the sweep follows the same open attempt, and finds it due.
        Assert.Equal(answersBefore, await AnswersAsync(host, id, courseA, courseB));
        Assert.Contains((await host.Get<OpenAttemptIndex>().DueAsync(DateTimeOffset.UtcNow, null, CancellationToken.None)).Rows, r => r.LearnerHash == id && r.AttemptId == "s-b2");
        // Both courses are listed for the sweep (the other tests of the class list theirs in the same table).
        var swept = await host.Get<OpenAttemptIndex>().CoursesAsync(CancellationToken.None);
        Assert.Contains(KeyEncoding.Escape(courseA), swept);
        Assert.Contains(KeyEncoding.Escape(courseB), swept);

        // A second run moves nothing and writes nothing.
        var snapshot = await LegacyRows.SnapshotAsync(tables);
        var second = await host.Get<StorageMigration>().MigrateAsync(CancellationToken.None);
        Assert.True(second.ChangedNothing, JsonSerializer.Serialize(second));
        Assert.Equal(1, second.LeftForLearnerIdMigration);
        Assert.Equal(snapshot, await LegacyRows.SnapshotAsync(tables));
    }

    [Fact]
    public async Task Migrate_AggregateMovedButItsLegacyRowLeft_TurnsTheRowIntoACourseListRowAndCountsItAlreadyMoved()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        const string email = "half-moved@example.com";
        var (history, _) = Histories(host.Rules, email, "half-course", "unused");
        await LegacyRows.WriteAggregateAsync(host, history, host.Ids);
        // As a move that stopped after the v3 aggregate was written, before its legacy row was retired.
        var key = LearnerCourseKey.For(host.Ids, email, "half-course");
        Assert.NotNull(await host.Get<IAttemptStore>().TryCommitAsync(new AggregateWrite(key, history, null, null, null), CancellationToken.None));

        var report = await host.Get<StorageMigration>().MigrateAsync(CancellationToken.None);

        Assert.Equal((0, 1), (report.AggregatesMoved, report.AlreadyMoved));
        var row = (await host.Get<TableServiceClient>().GetTableClient(TableNames.Attempts).GetEntityAsync<TableEntity>(key.LearnerHash, key.CourseKey)).Value;
        Assert.Equal((TableAttemptStore.CourseListKind, "half-course", false), (row.GetString("Kind"), row.GetString("CourseId"), row.ContainsKey("Email")));
        Assert.True(history.SameEventsAs((await host.Get<IAttemptStore>().GetAsync(key, CancellationToken.None))!.History));
        Assert.True((await host.Get<StorageMigration>().MigrateAsync(CancellationToken.None)).ChangedNothing);
    }

    [Fact]
    public async Task LegacyAggregate_NextEventThroughTheProcessor_FoundByThePairsListingAndAppliedToItsHistory()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        const string email = "legacy-writer@example.com", course = "legacy-writer-course";
        var (_, history) = Histories(host.Rules, email, "unused", course);
        await LegacyRows.WriteAggregateAsync(host, history, host.Ids);
        Assert.Equal(202, (await host.PostCompletionAsync("s-enr-b2", email, course, "2025-01-20T09:00:00Z", passed: true, score: 80, startedAt: "2025-01-20T08:00:00Z")).Status);

        Assert.Equal(1, (await host.DrainAsync()).SucceededCount);

        // The writer's read of the course partition finds nothing; the listing's insert meets the legacy
        // row, which is the history the completion applies to: the oldest open attempt (s-b2) completes.
        var attempts = await host.AttemptsAsync(email, course);
        Assert.Equal([("s-b1", AttemptStatus.Completed), ("s-b2", AttemptStatus.Completed)], attempts.Select(a => (a.AttemptId, a.Status)).ToList());
        var key = LearnerCourseKey.For(host.Ids, email, course);
        var row = (await host.Get<TableServiceClient>().GetTableClient(TableNames.Attempts).GetEntityAsync<TableEntity>(key.LearnerHash, key.CourseKey)).Value;
        Assert.Equal((TableAttemptStore.CourseListKind, false), (row.GetString("Kind"), row.ContainsKey("Email")));
        var moved = await host.Get<IAttemptStore>().GetAsync(key, CancellationToken.None);
        Assert.Equal((false, false, 2, 2), (moved!.Legacy, moved.ProjectionPending, moved.History.LaunchCount, moved.History.CompletionCount));
    }

    [Fact]
    public async Task CliMigrateStorage_LegacyRow_MovesItAndPrintsTheSummarySecondRunSaysNothingLeft()
    {
        await using (var host = await Go1SyncTestHost.StartAsync(storage.Azurite))
        {
            var (_, history) = Histories(host.Rules, "cli-mover@example.com", "unused", "cli-move-course");
            await LegacyRows.WriteAggregateAsync(host, history, host.Ids);
        }

        var (exit, output, errors) = await RunCliAsync("migrate", "storage", "--json");
        Assert.True(exit == 0, errors);
        var report = JsonDocument.Parse(output).RootElement;
        Assert.Equal(1, report.GetProperty("aggregatesMoved").GetInt32());
        Assert.Equal(1, report.GetProperty("legacyIndexRowsDeleted").GetInt32());
        Assert.False(report.GetProperty("changedNothing").GetBoolean());

        var again = await RunCliAsync("migrate", "storage");
        Assert.Equal((0, ""), (again.Exit, again.Err));
        Assert.Contains("aggregates: 0 moved", again.Out, StringComparison.Ordinal);
        Assert.Contains("nothing left to migrate", again.Out, StringComparison.Ordinal);
    }

    private Task<(int Exit, string Out, string Err)> RunCliAsync(params string[] args) => CliRuns.RunAsync(storage.Azurite, args);
}
