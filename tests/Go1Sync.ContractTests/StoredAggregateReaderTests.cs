using Azure.Data.Tables;
using Go1Sync.Core.Attempts;
using Go1Sync.Core.Learners;

namespace Go1Sync.ContractTests;

/// <summary>
/// Rows written by earlier releases stay in storage for good, so today's reader must read them.
/// Each row here (the current golden, and every frozen one under <c>Golden/Frozen/</c>, which no
/// accept ever rewrites) is written to an empty Azurite exactly as the golden describes it and read
/// through the store the processor uses; the fold of what it reads is the scenario's history.
/// </summary>
public sealed class StoredAggregateReaderTests(StoredAggregateReaderTests.EmptyStorage storage) : IClassFixture<StoredAggregateReaderTests.EmptyStorage>
{
    public sealed class EmptyStorage : IAsyncLifetime
    {
        private Azurite? _azurite;
        public Go1SyncTestHost Host { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _azurite = await Azurite.StartInMemoryAsync();
            Host = await Go1SyncTestHost.StartAsync(_azurite);
        }

        public async Task DisposeAsync()
        {
            await Host.DisposeAsync();
            if (_azurite is not null) await _azurite.DisposeAsync();
        }
    }

    /// <summary>Every frozen row: one per stored format ever written.</summary>
    public static IReadOnlyList<string> FrozenRows() =>
        Directory.GetFiles(GoldenFiles.Checked.PathOf("Frozen"), "attempts.row.*.json")
            .Where(f => !f.Contains(".received.", StringComparison.Ordinal))
            .Select(f => "Frozen/" + Path.GetFileName(f))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>The current golden and every frozen row.</summary>
    public static TheoryData<string> CheckedInRows() => new([TableContractTests.AttemptsRowGolden, .. FrozenRows()]);

    /// <summary>The first format stays frozen whatever comes later: a missing file is a failure, not one case fewer.</summary>
    [Fact]
    public void FrozenRows_TheFirstStoredFormat_IsStillCheckedIn() =>
        Assert.Contains("Frozen/attempts.row.gzip-json-v1.json", FrozenRows());

    /// <summary>
    /// The delivery records of applied events written before their outcomes moved beside the aggregate
    /// (the day partition of <c>Deliveries</c>) stay listed, as they were, until their retention.
    /// </summary>
    [Theory]
    [InlineData("Frozen/deliveries.webhook-applied.day-partition.json", "go1:evt-golden-7001")]
    [InlineData("Frozen/deliveries.launch-applied.day-partition.json", "launch:lms-attempt-1:2025-03-10T08:00:00.000Z")]
    public async Task DayPartitionDeliveryRow_AnAppliedOutcomeWrittenBeforeTheMove_IsStillListedAsApplied(string golden, string identity)
    {
        var described = JsonNode.Parse(File.ReadAllText(GoldenFiles.Checked.PathOf(golden)))!.AsObject();
        Assert.Equal(TableNames.Deliveries, described["table"]!.GetValue<string>());
        await storage.Host.Get<TableServiceClient>().GetTableClient(TableNames.Deliveries).UpsertEntityAsync(GoldenJson.ToEntity(described), TableUpdateMode.Replace);

        var records = await storage.Host.Get<IDeliveryLog>().FindAsync(new DeliveryQuery(DateTimeOffset.Parse("2025-03-10T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture)), CancellationToken.None);

        var record = Assert.Single(records, r => r.Identity == identity);
        Assert.Equal((DeliveryOutcomes.Applied, "attempts lms-attempt-1", 202, DeliverySources.Http), (record.Outcome, record.OutcomeDetail, record.HttpStatus, record.Source));
    }

    [Theory]
    [MemberData(nameof(CheckedInRows))]
    public async Task AttemptsRow_CheckedInRow_IsReadByTodaysStoreAsTheScenarioHistory(string golden)
    {
        var described = JsonNode.Parse(File.ReadAllText(GoldenFiles.Checked.PathOf(golden)))!.AsObject();
        var entity = GoldenJson.ToEntity(described);
        var tableName = described["table"]!.GetValue<string>();
        await storage.Host.Get<TableServiceClient>().GetTableClient(tableName).UpsertEntityAsync(entity, TableUpdateMode.Replace);

        var stored = await storage.Host.Get<IAttemptStore>().GetAsync(KeyOf(tableName, entity), CancellationToken.None);

        Assert.NotNull(stored);
        var history = stored.History;
        Assert.Equal((ContractScenario.Email, ContractScenario.Course), (history.Email, history.CourseId));
        Assert.Equal(
            [(ContractScenario.ClosedAttempt, Platform.Web, At("2025-03-10T08:00:00Z")), (ContractScenario.OpenAttempt, Platform.Mobile, At("2025-03-10T09:00:00Z"))],
            history.Launches.Select(l => (l.AttemptId, l.Platform, l.LaunchedAt)).ToArray());
        var completion = Assert.Single(history.Completions);
        Assert.Equal((ContractScenario.Enrolment, At("2025-03-10T11:30:00Z"), true, (int?)85, (DateTimeOffset?)At("2025-03-10T08:05:00Z"), (int?)300),
            (completion.EnrolmentId, completion.CompletedAt, completion.Passed, completion.Score, completion.StartedAt, completion.DurationMinutes));

        var attempts = storage.Host.Rules.Fold(history);
        Assert.Equal(2, attempts.Count);
        var closed = attempts.Single(a => a.AttemptId == ContractScenario.ClosedAttempt);
        Assert.Equal((AttemptStatus.Completed, 100, AttemptResult.Success, (int?)85, (DateTimeOffset?)At("2025-03-10T11:30:00Z"), 12_600_000L, ContractScenario.Enrolment),
            (closed.Status, closed.Progress, closed.Result, closed.Score, closed.CompletedAt, closed.TimeSpentMs, closed.Go1EnrolmentId));
        var open = attempts.Single(a => a.AttemptId == ContractScenario.OpenAttempt);
        Assert.Equal((AttemptStatus.Open, 50, Platform.Mobile, At("2025-03-10T09:00:00Z")), (open.Status, open.Progress, open.Platform, open.FirstActivityAt));
    }

    [Fact]
    public async Task AttemptsRowV1_WrittenBackWithTheNextEvent_MovesToTheCoursePartitionAsV2WithTheFoldOfItsEvents()
    {
        var entity = GoldenJson.ToEntity(JsonNode.Parse(File.ReadAllText(GoldenFiles.Checked.PathOf("Frozen/attempts.row.gzip-json-v1.json")))!.AsObject());
        var table = storage.Host.Get<TableServiceClient>().GetTableClient(TableNames.Attempts);
        await table.UpsertEntityAsync(entity, TableUpdateMode.Replace);
        var store = storage.Host.Get<IAttemptStore>();
        var rules = storage.Host.Rules;
        var key = new LearnerCourseKey(entity.PartitionKey, entity.RowKey);

        var v1 = await store.GetAsync(key, CancellationToken.None);
        Assert.NotNull(v1);
        Assert.Null(v1.Fold);
        var state = rules.StateOf(v1.History, v1.Fold);
        var acceptance = rules.Accept(v1.History, new Launch("lms-attempt-3", ContractScenario.Email, ContractScenario.Course, Platform.Web, At("2025-03-11T08:00:00Z")));
        var update = rules.Apply(state, acceptance);
        Assert.NotNull(await store.TryCommitAsync(new AggregateWrite(key, acceptance.History, v1.ETag, update.State, state.Attempts, v1), CancellationToken.None));

        var v2 = await store.GetAsync(key, CancellationToken.None);
        Assert.NotNull(v2?.Fold);
        Assert.False(v2.Legacy);
        var stats = storage.Host.Get<TableServiceClient>().GetTableClient(TableNames.AttemptStats);
        Assert.Equal("gzip-json-v2", (await stats.GetEntityAsync<TableEntity>(key.CourseKey, CourseRows.Aggregate(key.LearnerHash))).Value.GetString("Format"));
        // The legacy row stays as the learner's course-list row, without the history.
        var listed = (await table.GetEntityAsync<TableEntity>(key.LearnerHash, key.CourseKey)).Value;
        Assert.Equal((TableAttemptStore.CourseListKind, null), (listed.GetString("Kind"), listed.GetString("Format")));
        // Its read side moved with it: a stats row per attempt, an index row per open attempt.
        var rows = new List<TableEntity>();
        await foreach (var row in stats.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {key.CourseKey}")))
            rows.Add(row);
        Assert.Equal(3, rows.Count(r => r.RowKey.StartsWith(key.LearnerHash + "_", StringComparison.Ordinal)));
        Assert.Equal(2, rows.Count(r => r.RowKey.StartsWith(CourseRows.OpenPrefix, StringComparison.Ordinal) && r.GetString("LearnerHash") == key.LearnerHash));
        Assert.Equal(rules.Fold(v2.History), v2.Fold.Attempts);
        Assert.Same(v2.Fold, rules.StateOf(v2.History, v2.Fold));
    }

    /// <summary>The pair a stored aggregate is about: a course partition row since storage v3, a learner partition row before.</summary>
    private static LearnerCourseKey KeyOf(string table, TableEntity entity) => table == TableNames.AttemptStats
        ? new LearnerCourseKey(entity.RowKey[CourseRows.AggregatePrefix.Length..], entity.PartitionKey)
        : new LearnerCourseKey(entity.PartitionKey, entity.RowKey);

    private static DateTimeOffset At(string instant) => DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);
}
