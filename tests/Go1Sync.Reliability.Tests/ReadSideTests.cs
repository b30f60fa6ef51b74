using Azure;
using Azure.Data.Tables;

namespace Go1Sync.Reliability.Tests;

/// <summary>
/// The read side (stats rows and open-index rows in the course partition) is the fold of the
/// committed aggregate, whatever the order of delivery, however large the change, and whatever
/// state a stopped full write or a sweep left it in. Storage v3 commits an event as one guarded
/// batch, or writes it in full (aggregate marked <c>ProjectionPending</c>, every row, mark cleared)
/// when a batch cannot do it; these tests drive both paths through the real pipeline on Azurite.
/// They replace the converge and repair tests of the layout before v3.
/// </summary>
public sealed class ReadSideTests(AzuriteFixture storage, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task ContinueDelivered_BeforeTheFirstLaunch_LeavesExactlyOneOpenIndexRow()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var course = Names.Unique("late-first");
        const string email = "latefirst@example.com";
        var first = new LaunchSent("lf-a", email, course, Platform.Web, At("2025-02-05T09:00:00Z"));
        var @continue = first with { LaunchedAt = At("2025-02-05T11:00:00Z") };

        // The continue is delivered (and processed) first, the first launch second.
        await @continue.DeliverAsync(host);
        await first.DeliverAsync(host);

        var attempt = Assert.Single(await host.AttemptsAsync(email, course));
        Assert.Equal((first.LaunchedAt, @continue.LaunchedAt), (attempt.FirstActivityAt, attempt.LastActivityAt));
        var rows = await OpenRowsAsync(host, course);
        var expectedRow = OpenAttemptIndex.RowKey(Key(host, email, course), attempt);
        output.WriteLine($"open index rows for the one open attempt: {rows.Count} ({string.Join(", ", rows.Select(r => r.RowKey))}); expected only {expectedRow}");
        // The index RowKey starts with the attempt's first activity. The continue's delivery wrote
        // the row at 11:00; the first launch moves the first activity to 09:00, so its batch must
        // delete the 11:00 row as it adds the 09:00 one (an earlier version left it).
        var differences = await ReadSideDifferencesAsync(host, first.Aggregate);
        Assert.True(differences.Count == 0, StateCheck.Report(differences));
        var row = Assert.Single(rows);
        // In the course's partition, beside the aggregate: that is what lets one batch hold both.
        Assert.Equal((KeyEncoding.Escape(course), expectedRow), (row.PartitionKey, row.RowKey));
    }

    [Fact]
    public async Task LaunchTakingOverAGo1DirectAttempt_InOneBatch_RemovesTheGo1DirectStatsRow()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var course = Names.Unique("takeover");
        const string email = "takeover@example.com";
        Assert.Equal(200, (await host.PostCourseAsync($$"""{"courseId":"{{course}}","durationMinutes":120}""")).Status);
        // The completion arrives first: with no launch yet it is a go1-direct attempt, with its row.
        await new CompletionSent("enr-tk", email, course, At("2025-02-03T11:00:00Z"), Passed: true).DeliverAsync(host);
        Assert.Equal(["go1-enr-tk"], (await host.StatsRowsAsync(course)).Select(r => r.GetString("AttemptId")));

        // Its launch, earlier, then takes the completion over: the fold has tk-a and no go1-direct attempt.
        var launch = new LaunchSent("tk-a", email, course, Platform.Web, At("2025-02-03T10:00:00Z"));
        Assert.Equal(202, (await launch.PostAsync(host)).Status);
        host.Transactions.Reset();
        var report = await host.DrainAsync();
        var (batches, queries) = (host.Transactions.TableBatches, host.Transactions.TableQueries);

        var attempt = Assert.Single(await host.AttemptsAsync(email, course));
        Assert.Equal(("tk-a", AttemptStatus.Completed, "enr-tk"), (attempt.AttemptId, attempt.Status, attempt.Go1EnrolmentId));
        var differences = await ReadSideDifferencesAsync(host, launch.Aggregate);
        output.WriteLine($"launch: {report.SucceededCount} succeeded; {batches} batch(es), {queries} table queries while it was processed; " +
            $"stats rows now: {string.Join(", ", (await host.StatsRowsAsync(course)).Select(r => r.GetString("AttemptId") + "=" + r.GetString("Status")))}; differences {differences.Count}");
        // The go1-direct row must go, or the course's statistics count the completion twice.
        Assert.True(differences.Count == 0, StateCheck.Report(differences));
        // And it goes in the launch's own commit: one batch (aggregate, tk-a's row, go1-enr-tk's
        // delete), no full write (that would be several batches and a query of the learner's rows).
        Assert.Equal((1L, 0L), (batches, queries));
        Assert.False(await PendingAsync(host, email, course));
    }

    [Fact]
    public async Task FullWriteStoppedAfterItsFirstBatch_NextDeliveryOfTheSameEvent_FinishesTheReadSideAndClearsTheMark()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var course = Names.Unique("stopped");
        const string email = "stopped@example.com";
        Assert.Equal(200, (await host.PostCourseAsync($$"""{"courseId":"{{course}}","durationMinutes":120}""")).Status);
        await new LaunchSent("sp-a", email, course, Platform.Web, At("2025-02-03T09:00:00Z")).PostAsync(host);
        await new LaunchSent("sp-b", email, course, Platform.Web, At("2025-02-03T10:00:00Z")).DeliverAsync(host);
        Assert.Equal(2, (await OpenRowsAsync(host, course)).Count);

        // A full write of the completion stops after its first batch: the aggregate with the
        // completion, marked pending, replaced over the version read (its ETag), and no read-side row.
        var completion = new CompletionSent("enr-sp", email, course, At("2025-02-03T10:30:00Z"), Passed: true, Score: 80);
        await StopFullWriteAfterTheAggregateAsync(host, completion, durationMinutes: 120);
        Assert.True(await PendingAsync(host, email, course));
        Assert.Equal(AttemptStatus.Completed, (await host.AttemptsAsync(email, course)).Single(a => a.AttemptId == "sp-a").Status);
        // The read side still shows sp-a open (stats row and index row): what the full write had not done yet.
        Assert.Equal("open", (await host.StatsRowsAsync(course)).Single(r => r.GetString("AttemptId") == "sp-a").GetString("Status"));
        Assert.NotEmpty(await ReadSideDifferencesAsync(host, completion.Aggregate));

        // The same completion again: a duplicate, which finishes the write it finds pending.
        Assert.Equal(202, (await completion.PostAsync(host)).Status);
        var report = await host.DrainAsync();

        var differences = await ReadSideDifferencesAsync(host, completion.Aggregate);
        var pending = await PendingAsync(host, email, course);
        output.WriteLine($"redelivery: {report.SucceededCount} succeeded, {report.FailedCount} failed; read-side differences {differences.Count}; " +
            $"open index rows now: [{string.Join(", ", (await OpenRowsAsync(host, course)).Select(r => r.GetString("AttemptId")))}]; ProjectionPending {pending}");
        Assert.Equal((1, 0), (report.SucceededCount, report.FailedCount));
        // sp-a's stats row completed and its index row deleted (an orphan of the fold), sp-b untouched.
        Assert.True(differences.Count == 0, StateCheck.Report(differences));
        Assert.False(pending);
        Assert.Single((await host.Get<IAttemptStore>().GetAsync(Key(host, email, course), CancellationToken.None))!.History.Completions);
    }

    [Fact]
    public async Task OutOfOrderLaunch_ChangingMoreAttemptsThanABatchHolds_IsWrittenInFullAndNotLeftPending()
    {
        // Completions go to the oldest open attempt launched before them (README, "The rules"), so
        // a late launch older than every other shifts each completion one attempt back: every
        // completed attempt changes and the newest one opens again. With more attempts than a
        // batch holds operations, the change cannot be one batch.
        const int Attempts = 105;
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var course = Names.Unique("shift");
        const string email = "shift@example.com";
        Assert.Equal(200, (await host.PostCourseAsync($$"""{"courseId":"{{course}}","durationMinutes":120}""")).Status);
        var start = At("2025-03-03T08:00:00Z");
        var launches = Enumerable.Range(1, Attempts).Select(i => new LaunchSent($"sh-{i:000}", email, course, Platform.Web, start.AddHours(i))).ToList();
        var completedFrom = start.AddHours(Attempts + 10);
        var completions = Enumerable.Range(1, Attempts)
            .Select(i => new CompletionSent($"enr-sh-{i:000}", email, course, completedFrom.AddMinutes(i), Passed: i % 3 != 0, Score: i % 101)).ToList();
        // One at a time: this test is about the size of one change, not about contention.
        foreach (var launch in launches) Assert.Equal(202, (await launch.PostAsync(host)).Status);
        Assert.Equal(Attempts, (await host.DrainAsync(parallelism: 1, maxRounds: 1_000)).SucceededCount);
        foreach (var completion in completions) Assert.Equal(202, (await completion.PostAsync(host)).Status);
        Assert.Equal(Attempts, (await host.DrainAsync(parallelism: 1, maxRounds: 1_000)).SucceededCount);
        var before = await host.AttemptsAsync(email, course);
        Assert.All(before, a => Assert.Equal(AttemptStatus.Completed, a.Status));

        var late = new LaunchSent("sh-000", email, course, Platform.Web, start);
        Assert.Equal(202, (await late.PostAsync(host)).Status);
        host.Transactions.Reset();
        var report = await host.DrainAsync();
        var (batches, queries) = (host.Transactions.TableBatches, host.Transactions.TableQueries);

        var after = await host.AttemptsAsync(email, course);
        var changed = after.Count(a => !before.Contains(a));
        var removed = before.Count(b => after.All(a => a.AttemptId != b.AttemptId));
        // At least: the aggregate, one stats row per changed or removed attempt, one index row for the re-opened one.
        var operations = 1 + changed + removed + after.Count(a => a.Status == AttemptStatus.Open);
        var differences = await ReadSideDifferencesAsync(host, late.Aggregate);
        var pending = await PendingAsync(host, email, course);
        output.WriteLine($"late launch: {report.SucceededCount} succeeded, {report.FailedCount} failed; {changed} attempts changed, {removed} removed: " +
            $"at least {operations} batch operations (a batch holds {TableBatches.MaxOperations}); written with {batches} batches and {queries} table queries; " +
            $"stats rows {(await host.StatsRowsAsync(course)).Count}, open index rows {(await OpenRowsAsync(host, course)).Count}; read-side differences {differences.Count}; ProjectionPending {pending}");
        Assert.Equal((1, 0), (report.SucceededCount, report.FailedCount));
        Assert.True(operations > TableBatches.MaxOperations, $"the change makes only {operations} operations: it fits one batch and the full write is not exercised");
        Assert.Equal(("sh-000", "enr-sh-001"), (after[0].AttemptId, after[0].Go1EnrolmentId));
        Assert.Equal(("sh-105", AttemptStatus.Open), (after[^1].AttemptId, after[^1].Status));
        Assert.True(differences.Count == 0, StateCheck.Report(differences));
        Assert.False(pending);
    }

    [Fact]
    public async Task CompletionWhoseOpenIndexRowWasRemoved_BatchFindsItMissing_StillAppliesWithTheReadSideAsTheFold()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var course = Names.Unique("row-gone");
        const string email = "rowgone@example.com";
        Assert.Equal(200, (await host.PostCourseAsync($$"""{"courseId":"{{course}}","durationMinutes":120}""")).Status);
        await new LaunchSent("rg-a", email, course, Platform.Web, At("2025-02-04T09:00:00Z")).PostAsync(host);
        await new LaunchSent("rg-b", email, course, Platform.Web, At("2025-02-04T10:00:00Z")).DeliverAsync(host);

        // Someone else (the sweep giving up on it, an operator) removes rg-a's index row.
        var key = Key(host, email, course);
        var row = Assert.Single(await OpenRowsAsync(host, course), r => r.GetString("AttemptId") == "rg-a");
        await AttemptStats(host).DeleteEntityAsync(row.PartitionKey, row.RowKey);

        // The completion's batch deletes that row (rg-a closes): the delete finds nothing, so the
        // batch fails whole with 404 and the store writes the read side in full instead.
        var completion = new CompletionSent("enr-rg", email, course, At("2025-02-04T10:30:00Z"), Passed: true, Score: 75);
        Assert.Equal(202, (await completion.PostAsync(host)).Status);
        host.Transactions.Reset();
        var report = await host.DrainAsync();
        var (batches, queries) = (host.Transactions.TableBatches, host.Transactions.TableQueries);

        var attempts = await host.AttemptsAsync(email, course);
        var differences = await ReadSideDifferencesAsync(host, completion.Aggregate);
        var pending = await PendingAsync(host, email, course);
        output.WriteLine($"completion: {report.SucceededCount} succeeded, {report.FailedCount} failed, {report.PoisonedCount} poisoned; {batches} batches and {queries} table queries; " +
            $"attempts {string.Join(", ", attempts.Select(a => a.AttemptId + "=" + a.Status))}; read-side differences {differences.Count}; ProjectionPending {pending}");
        Assert.Equal((1, 0), (report.SucceededCount, report.FailedCount));
        Assert.Equal((AttemptStatus.Completed, "enr-rg"), (attempts.Single(a => a.AttemptId == "rg-a").Status, attempts.Single(a => a.AttemptId == "rg-a").Go1EnrolmentId));
        Assert.True(differences.Count == 0, StateCheck.Report(differences));
        Assert.False(pending);
        // The failed batch, then the full write: its pending aggregate, the rows, the learner's rows read back.
        Assert.True(batches >= 3 && queries >= 1, $"expected the failed batch and a full write, saw {batches} batches and {queries} queries");
        Assert.Equal(key.LearnerHash, Assert.Single(await OpenRowsAsync(host, course)).GetString("LearnerHash"));
    }

    [Fact]
    public async Task FullWrite_OvertakenInEveryRound_LeavesTheNewestVersionMarkedForItsNextEvent()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var course = Names.Unique("overtaken");
        const string email = "overtaken@example.com";
        var start = At("2025-02-06T09:00:00Z");
        await new LaunchSent("ov-a", email, course, Platform.Web, start).DeliverAsync(host);

        // A full write (slow instance) of a new launch, whose every projection batch is overtaken:
        // just before it, another instance commits a newer launch through the real pipeline. The
        // slow instance then writes the version it had over the newer rows (deleting the newer
        // launch's row as an orphan), its clear of the mark fails, and it starts again with the
        // newest version, until its rounds run out.
        var overtaking = new List<LaunchSent>();
        var slow = new OvertakenStore(host.Get<TableServiceClient>(), async () =>
        {
            var next = new LaunchSent($"ov-{overtaking.Count:00}", email, course, Platform.Web, start.AddHours(1 + overtaking.Count));
            overtaking.Add(next);
            await next.DeliverAsync(host);
        });
        var store = new TableAttemptStore(slow, host.Ids, host.Rules, host.Get<OpenAttemptIndex>(), host.Get<TimeProvider>(), Microsoft.Extensions.Logging.Abstractions.NullLogger<TableAttemptStore>.Instance);
        var key = Key(host, email, course);
        var stored = await store.GetAsync(key, CancellationToken.None);
        var acceptance = host.Rules.Accept(stored!.History, new LaunchSent("ov-b", email, course, Platform.Web, start.AddMinutes(30)).ToLaunch());
        var fold = host.Rules.Apply(host.Rules.StateOf(stored.History, stored.Fold), acceptance).State;
        // Before: null is what makes the store write in full (as for a change over 100 operations).
        Assert.NotNull(await store.TryCommitAsync(new AggregateWrite(key, acceptance.History, stored.ETag, fold, Before: null, stored), CancellationToken.None));

        var differences = await ReadSideDifferencesAsync(host, new LearnerCourse(email, course));
        var pending = await PendingAsync(host, email, course);
        output.WriteLine($"overtaken {overtaking.Count} times; attempts {(await host.AttemptsAsync(email, course)).Count}; read-side differences {differences.Count}; ProjectionPending {pending}");
        foreach (var d in differences) output.WriteLine("  " + d);
        Assert.True(overtaking.Count >= 2, "the full write was not overtaken");
        // The invariant the store keeps: the read side is the fold of the aggregate, unless the
        // aggregate is marked, which makes its next event write it in full. Unmarked stale rows
        // would stay wrong until the attempts concerned change again.
        Assert.True(pending || differences.Count == 0, "unmarked aggregate with a stale read side: " + StateCheck.Report(differences));

        // The next event on the pair (a redelivery will do) finishes it.
        await overtaking[^1].DeliverAsync(host);
        var after = await ReadSideDifferencesAsync(host, new LearnerCourse(email, course));
        Assert.True(after.Count == 0, StateCheck.Report(after));
        Assert.False(await PendingAsync(host, email, course));
    }

    [Fact]
    public async Task FullWriteStoppedAtItsChangeRows_NextDeliveryOfTheSameEvent_StillAnnouncesTheRemovedAttempt()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var course = Names.Unique("removal");
        const string email = "removal@example.com";
        Assert.Equal(200, (await host.PostCourseAsync($$"""{"courseId":"{{course}}","durationMinutes":120}""")).Status);
        await new CompletionSent("enr-rm", email, course, At("2025-02-03T11:00:00Z"), Passed: true).DeliverAsync(host);
        var launch = new LaunchSent("rm-a", email, course, Platform.Web, At("2025-02-03T10:00:00Z"));

        // The takeover written in full (as a change over one batch would be) by an instance that
        // stops when it comes to the change rows: the go1-direct attempt's stats row must still be
        // there for the next run to see, or its removal is never announced.
        var key = Key(host, email, course);
        var stored = await host.Get<IAttemptStore>().GetAsync(key, CancellationToken.None);
        var acceptance = host.Rules.Accept(stored!.History, launch.ToLaunch());
        var fold = host.Rules.Apply(host.Rules.StateOf(stored.History, stored.Fold), acceptance).State;
        var stopping = new TableAttemptStore(new StoppingAtChangeRows(host.Get<TableServiceClient>()), host.Ids, host.Rules, host.Get<OpenAttemptIndex>(),
            host.Get<TimeProvider>(), Microsoft.Extensions.Logging.Abstractions.NullLogger<TableAttemptStore>.Instance);
        await Assert.ThrowsAsync<IOException>(() => stopping.TryCommitAsync(new AggregateWrite(key, acceptance.History, stored.ETag, fold, Before: null, stored), CancellationToken.None));

        await launch.DeliverAsync(host);

        var removals = new List<string>();
        await foreach (var row in host.Get<TableServiceClient>().GetTableClient(TableNames.AttemptStats).QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {key.CourseKey} and RowKey ge {CourseRows.ChangePrefix} and RowKey lt {CourseRows.ChangeEnd} and Change eq 'removed'")))
            removals.Add(row.GetString("AttemptId"));
        output.WriteLine($"removed change rows: {string.Join(", ", removals)}");
        Assert.Contains("go1-enr-rm", removals);
        var differences = await ReadSideDifferencesAsync(host, launch.Aggregate);
        Assert.True(differences.Count == 0, StateCheck.Report(differences));
        Assert.False(await PendingAsync(host, email, course));
    }

    /// <summary>Storage that fails (as a stopped instance would) the first transaction holding change rows.</summary>
    private sealed class StoppingAtChangeRows(TableServiceClient real) : TableServiceClient
    {
        public override TableClient GetTableClient(string tableName) =>
            tableName == TableNames.AttemptStats ? new Stopping(real.GetTableClient(tableName)) : real.GetTableClient(tableName);

        private sealed class Stopping(TableClient inner) : ForwardingTable(inner)
        {
            public override Task<Response<IReadOnlyList<Response>>> SubmitTransactionAsync(IEnumerable<TableTransactionAction> transactionActions, CancellationToken cancellationToken = default)
            {
                var actions = transactionActions.ToList();
                if (actions.Any(a => a.Entity.RowKey.StartsWith(CourseRows.ChangePrefix, StringComparison.Ordinal)))
                    throw new IOException("stopped before the change rows");
                return Real.SubmitTransactionAsync(actions, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Table storage as the slow instance sees it: every projection batch it submits to
    /// <c>AttemptStats</c> (one without the aggregate row) first lets <paramref name="overtake"/>
    /// commit a newer version, a bounded number of times. Everything else goes straight to Azurite.
    /// </summary>
    private sealed class OvertakenStore(TableServiceClient real, Func<Task> overtake) : TableServiceClient
    {
        public override TableClient GetTableClient(string tableName) =>
            tableName == TableNames.AttemptStats ? new OvertakenTable(real.GetTableClient(tableName), overtake) : real.GetTableClient(tableName);
    }

    private sealed class OvertakenTable(TableClient inner, Func<Task> overtake) : ForwardingTable(inner)
    {
        private int _overtaken;

        public override async Task<Response<IReadOnlyList<Response>>> SubmitTransactionAsync(IEnumerable<TableTransactionAction> transactionActions, CancellationToken cancellationToken = default)
        {
            var actions = transactionActions.ToList();
            if (!actions.Any(a => a.Entity.RowKey.StartsWith(CourseRows.AggregatePrefix, StringComparison.Ordinal)) && _overtaken++ < 10)
                await overtake();
            return await Real.SubmitTransactionAsync(actions, cancellationToken);
        }
    }

    /// <summary>A table client that passes every call the store makes to the real one; a test overrides what it changes.</summary>
    private class ForwardingTable(TableClient real) : TableClient
    {
        protected TableClient Real { get; } = real;

        public override Task<Response<IReadOnlyList<Response>>> SubmitTransactionAsync(IEnumerable<TableTransactionAction> transactionActions, CancellationToken cancellationToken = default) =>
            Real.SubmitTransactionAsync(transactionActions, cancellationToken);

        public override Task<NullableResponse<T>> GetEntityIfExistsAsync<T>(string partitionKey, string rowKey, IEnumerable<string>? select = null, CancellationToken cancellationToken = default) =>
            Real.GetEntityIfExistsAsync<T>(partitionKey, rowKey, select, cancellationToken);

        public override Task<Response> UpdateEntityAsync<T>(T entity, ETag ifMatch, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default) =>
            Real.UpdateEntityAsync(entity, ifMatch, mode, cancellationToken);

        public override AsyncPageable<T> QueryAsync<T>(string? filter = null, int? maxPerPage = null, IEnumerable<string>? select = null, CancellationToken cancellationToken = default) =>
            Real.QueryAsync<T>(filter, maxPerPage, select, cancellationToken);

        public override Task<Response> DeleteEntityAsync(string partitionKey, string rowKey, ETag ifMatch = default, CancellationToken cancellationToken = default) =>
            Real.DeleteEntityAsync(partitionKey, rowKey, ifMatch, cancellationToken);
    }

    /// <summary>
    /// What a full write of <paramref name="e"/> leaves when it stops after its first batch: the
    /// aggregate as the processor would write it (history accepted by host.Rules, its fold, the
    /// current key id), marked <c>ProjectionPending</c>, replacing the version read (If-Match), and
    /// not one read-side row.
    /// </summary>
    private static async Task StopFullWriteAfterTheAggregateAsync(Go1SyncTestHost host, SentEvent e, int? durationMinutes)
    {
        var key = Key(host, e.Email, e.CourseId);
        var stored = await host.Get<IAttemptStore>().GetAsync(key, CancellationToken.None);
        Assert.NotNull(stored);
        var acceptance = e switch
        {
            LaunchSent l => host.Rules.Accept(stored.History, l.ToLaunch()),
            CompletionSent c => host.Rules.Accept(stored.History, c.ToCompletion(), durationMinutes),
            _ => throw new InvalidOperationException(e.GetType().Name),
        };
        Assert.True(acceptance.IsNew);
        var fold = host.Rules.Apply(host.Rules.StateOf(stored.History, stored.Fold), acceptance).State;
        var entity = TableAttemptStore.Write(key, acceptance.History, host.Ids.CurrentKeyId, fold);
        entity[TableAttemptStore.PendingProperty] = true;
        await AttemptStats(host).UpdateEntityAsync(entity, new ETag(stored.ETag), TableUpdateMode.Replace);
    }

    /// <summary>The aggregate row's <c>ProjectionPending</c>, read from the row itself (and as the store reports it, which must agree).</summary>
    private static async Task<bool> PendingAsync(Go1SyncTestHost host, string email, string course)
    {
        var key = Key(host, email, course);
        var row = (await AttemptStats(host).GetEntityAsync<TableEntity>(key.CourseKey, CourseRows.Aggregate(key.LearnerHash))).Value;
        var pending = row.GetBoolean(TableAttemptStore.PendingProperty) ?? false;
        var stored = await host.Get<IAttemptStore>().GetAsync(key, CancellationToken.None);
        Assert.Equal(pending, stored!.ProjectionPending);
        return pending;
    }

    private static LearnerCourseKey Key(Go1SyncTestHost host, string email, string course) => LearnerCourseKey.For(host.Ids, email, course);

    private static TableClient AttemptStats(Go1SyncTestHost host) => host.Get<TableServiceClient>().GetTableClient(TableNames.AttemptStats);

    private static async Task<List<string>> ReadSideDifferencesAsync(Go1SyncTestHost host, LearnerCourse aggregate) =>
        await StateCheck.ProjectionDifferencesAsync(host,
            new Dictionary<LearnerCourse, IReadOnlyList<Attempt>> { [aggregate] = await host.AttemptsAsync(aggregate.Email, aggregate.CourseId) });

    private static async Task<List<TableEntity>> OpenRowsAsync(Go1SyncTestHost host, string course) =>
        (await host.OpenIndexRowsAsync()).Where(r => r.GetString("CourseId") == course).ToList();

    private static DateTimeOffset At(string instant) => DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);
}
