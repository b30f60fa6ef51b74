using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Go1Sync.Core.Reporting;

namespace Go1Sync.Functions.Tests;

/// <summary>
/// The change feed (<c>GET /api/attempts/changes</c>) on Azurite through the function class: every
/// committed change appears once, in per-attempt increasing versions; a consumer keeping the
/// highest version per attempt ends equal to the read API; cursors resume across pages and
/// instances; concurrent writers never make a polling reader skip a change. Each test owns its
/// clock (<see cref="SteppedClock"/>) and runs with <c>Feed__SafeLag</c> 0: a change is visible once
/// the clock has moved past its stamp, and the tests move it only when no write is in flight.
/// The class's tests share one Azurite: each runs in its own window of time (<see cref="Window"/>),
/// so the changes of one are never between the cursors and horizons of another.
/// </summary>
public sealed partial class ChangeFeedTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2025-06-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly DateTimeOffset Day = DateTimeOffset.Parse("2025-06-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// A clock the test moves: now is what the test says, while timers and delays stay real (a
    /// writer's back-off after a conflict must elapse without the test's help).
    /// </summary>
    private sealed class SteppedClock(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;
        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);
        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }

    /// <summary>A clock starting 100 days after the previous window's (a test moves its clock 31 days at most).</summary>
    private static SteppedClock Window(int window) => new(Start.AddDays(100 * window));

    private Task<Go1SyncTestHost> StartAsync(SteppedClock clock) =>
        Go1SyncTestHost.StartAsync(storage.Azurite, s => s["Feed:SafeLag"] = "00:00:00", services => services.AddSingleton<TimeProvider>(clock));

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private static Task ProcessAsync(Go1SyncTestHost host, EventEnvelope e) =>
        host.Get<AttemptEventProcessor>().ProcessAsync(e.Id, e.ToJson(), CancellationToken.None);

    private static EventEnvelope Launch(string attemptId, string email, string course, DateTimeOffset at) =>
        EventEnvelope.ForLaunch(new LaunchMessage(attemptId, email, course, Platform.Web, at), "l-" + Guid.NewGuid().ToString("N"), at);

    private static EventEnvelope Completion(string enrolmentId, string email, string course, DateTimeOffset completedAt) =>
        EventEnvelope.ForCompletion(new CompletionMessage
        {
            Source = "test", EnrolmentId = enrolmentId, Email = email, CourseId = course, CompletedAt = completedAt, Passed = true, Score = 80,
        }, "c-" + Guid.NewGuid().ToString("N"), completedAt);

    private sealed record Page(int Status, IReadOnlyList<JsonObject> Changes, string? Cursor, string? NextQuery, HttpAnswer Answer);

    private static async Task<Page> GetPageAsync(Go1SyncTestHost host, string query)
    {
        var answer = await Go1SyncTestHost.GetAsync(r => host.Function<StatisticsFunctions>().AttemptChanges(r, CancellationToken.None), query);
        if (answer.Status != 200) return new Page(answer.Status, [], null, null, answer);
        var body = JsonNode.Parse(answer.Body)!.AsObject();
        var changes = body["changes"]!.AsArray().Select(c => c!.AsObject()).ToList();
        var link = answer.Headers["Link"].ToString();
        string? next = null;
        if (link.Length > 0)
        {
            var match = NextLink().Match(link);
            Assert.True(match.Success, link);
            next = match.Groups[1].Value;
        }
        return new Page(200, changes, body["cursor"]!.GetValue<string>(), next, answer);
    }

    [GeneratedRegex("^<https://go1sync\\.example/api/test(\\?cursor=[A-Za-z0-9_-]+&limit=\\d+)>; rel=\"next\"$")]
    private static partial Regex NextLink();

    /// <summary>Every page from <paramref name="cursor"/> (null: the oldest) until one is not full; the Link is there exactly when a page is full.</summary>
    private static async Task<(List<JsonObject> Changes, string Cursor, int Pages)> ReadToTheEndAsync(Go1SyncTestHost host, string? cursor, int limit)
    {
        var all = new List<JsonObject>();
        var query = $"?limit={limit}" + (cursor is null ? "" : "&cursor=" + cursor);
        for (var pages = 1; ; pages++)
        {
            var page = await GetPageAsync(host, query);
            Assert.Equal(200, page.Status);
            Assert.InRange(page.Changes.Count, 0, limit);
            all.AddRange(page.Changes);
            Assert.Equal(page.Changes.Count == limit, page.NextQuery is not null);
            if (page.NextQuery is null) return (all, page.Cursor!, pages);
            Assert.Equal($"?cursor={page.Cursor}&limit={limit}", page.NextQuery);
            query = page.NextQuery;
        }
    }

    private static string Text(JsonObject change, string name) => change[name]?.GetValue<string>() ?? "";
    private static long Version(JsonObject change) => change["version"]!.GetValue<long>();
    private static (string Course, string Email, string Attempt) AttemptOf(JsonObject change) => (Text(change, "courseId"), Text(change, "email"), Text(change, "attemptId"));
    private static (string Course, string Email, string Attempt, long Version, string Change) Identity(JsonObject change) =>
        (Text(change, "courseId"), Text(change, "email"), Text(change, "attemptId"), Version(change), Text(change, "change"));

    /// <summary>What a consumer that keeps the highest version per attempt holds, per course, as the read API's rows (removed attempts dropped).</summary>
    private static Dictionary<string, List<string>> Consumer(IEnumerable<JsonObject> changes)
    {
        var latest = new Dictionary<(string, string, string), JsonObject>();
        foreach (var change in changes)
            if (!latest.TryGetValue(AttemptOf(change), out var held) || Version(held) < Version(change))
                latest[AttemptOf(change)] = change;
        return latest.Values.Where(c => Text(c, "change") == ChangeKinds.Updated)
            .GroupBy(c => Text(c, "courseId"))
            .ToDictionary(g => g.Key, g => g.Select(AsReadApiRow).Order(StringComparer.Ordinal).ToList());
    }

    private static string AsReadApiRow(JsonObject change)
    {
        var row = change.DeepClone().AsObject();
        row.Remove("version");
        row.Remove("changedAt");
        row.Remove("change");
        return row.ToJsonString();
    }

    private static async Task<List<string>> ReadApiRowsAsync(Go1SyncTestHost host, string course)
    {
        var answer = await Go1SyncTestHost.GetAsync(r => host.Function<StatisticsFunctions>().CourseAttempts(r, course, CancellationToken.None));
        Assert.Equal(200, answer.Status);
        return JsonNode.Parse(answer.Body)!.AsArray().Select(r => r!.ToJsonString()).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The change rows stored in the courses' partitions, read raw: what the feed must give.</summary>
    private static async Task<List<(string Course, string Email, string Attempt, long Version, string Change)>> StoredChangesAsync(Go1SyncTestHost host, IEnumerable<string> courses)
    {
        var table = host.Get<TableServiceClient>().GetTableClient(TableNames.AttemptStats);
        var rows = new List<(string, string, string, long, string)>();
        foreach (var course in courses)
            await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {course} and RowKey ge {CourseRows.ChangePrefix} and RowKey lt {CourseRows.ChangeEnd}")))
            {
                var change = ChangeRows.Read(row);
                rows.Add((change.Attempt.CourseId, change.Attempt.Email, change.Attempt.AttemptId, change.Version, change.Change));
            }
        return rows;
    }

    [Fact]
    public async Task Feed_LaunchesCompletionsAndATakeOver_EveryChangeOnceInIncreasingVersionsAndTheConsumerEqualsTheReadApi()
    {
        var clock = Window(1);
        await using var host = await StartAsync(clock);
        var course = Unique("feed");
        const string ada = "ada.feed@example.com", bob = "bob.feed@example.com";

        // Ada's three events at one instant: her attempt 1 changes twice within it, and its two
        // change rows must still be two rows (the second is stamped just after the first).
        await ProcessAsync(host, Launch("ada-1", ada, course, Day.AddHours(8)));
        await ProcessAsync(host, Launch("ada-2", ada, course, Day.AddHours(10)));
        await ProcessAsync(host, Completion("ada-enr", ada, course, Day.AddHours(9)));
        clock.Advance(TimeSpan.FromSeconds(1));
        // Bob's completion arrives before his launch: a go1-direct attempt, then taken over by the launch.
        await ProcessAsync(host, Completion("bob-enr", bob, course, Day.AddHours(9.5)));
        clock.Advance(TimeSpan.FromSeconds(1));
        await ProcessAsync(host, Launch("bob-late", bob, course, Day.AddHours(9)));
        clock.Advance(TimeSpan.FromSeconds(1));

        var (all, _, _) = await ReadToTheEndAsync(host, null, limit: 2);
        var changes = all.Where(c => Text(c, "courseId") == course).ToList();

        Assert.Equal(
            new[]
            {
                (course, ada, "ada-1", 1L, "updated"), (course, ada, "ada-2", 2L, "updated"), (course, ada, "ada-1", 3L, "updated"),
                (course, bob, "go1-bob-enr", 1L, "updated"), (course, bob, "bob-late", 2L, "updated"), (course, bob, "go1-bob-enr", 2L, "removed"),
            }.Order(),
            changes.Select(Identity).Order());
        Assert.Equal(changes.Count, changes.Select(Identity).Distinct().Count());
        // In the feed's order each attempt's versions increase, and so do the instants.
        foreach (var attempt in changes.GroupBy(AttemptOf))
            Assert.Equal(attempt.Select(Version).Order(), attempt.Select(Version));
        var instants = changes.Select(c => Text(c, "changedAt")).ToList();
        Assert.Equal(instants.Order(StringComparer.Ordinal), instants);
        Assert.Equal(await ReadApiRowsAsync(host, course), Consumer(changes)[course]);
        // The removed entry carries the go1-direct attempt's last values.
        var removed = Assert.Single(changes, c => Text(c, "change") == ChangeKinds.Removed);
        Assert.Equal(("go1-direct", "completed"), (Text(removed, "origin"), Text(removed, "status")));
    }

    [Fact]
    public async Task Cursor_ResumedAcrossPagesAndANewHostInstance_GetsEveryChangeExactlyOnceInOrder()
    {
        var clock = Window(2);
        var courses = new[] { Unique("resume"), Unique("resume") };
        var host = await StartAsync(clock);
        // From the horizon now: only this test's changes come after it.
        var from = (await GetPageAsync(host, "?cursor=latest")).Cursor!;
        for (var i = 0; i < 7; i++)
        {
            await ProcessAsync(host, Launch($"resume-{i}", $"resume{i % 3}@example.com", courses[i % 2], Day.AddHours(8 + i)));
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        var first = await GetPageAsync(host, $"?cursor={from}&limit=2");
        Assert.Equal(2, first.Changes.Count);
        Assert.NotNull(first.NextQuery);
        await host.DisposeAsync();

        // A new instance knows nothing of the first: the cursor alone says where to go on.
        await using var restarted = await StartAsync(clock);
        var (rest, _, pages) = await ReadToTheEndAsync(restarted, first.Cursor, limit: 2);
        var resumed = first.Changes.Concat(rest).Select(Identity).ToList();
        var (whole, _, _) = await ReadToTheEndAsync(restarted, from, limit: 500);

        Assert.Equal(7, resumed.Count);
        Assert.Equal(whole.Select(Identity), resumed);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"resume-{i}"), resumed.Select(c => c.Attempt));
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task LatestCursor_ThenNewChanges_GetsOnlyTheChangesAfterIt()
    {
        var clock = Window(3);
        await using var host = await StartAsync(clock);
        var course = Unique("latest");
        await ProcessAsync(host, Launch("before-1", "before@example.com", course, Day.AddHours(8)));
        clock.Advance(TimeSpan.FromSeconds(1));

        var latest = await GetPageAsync(host, "?cursor=latest");
        Assert.Equal((200, 0), (latest.Status, latest.Changes.Count));
        await ProcessAsync(host, Launch("after-1", "after@example.com", course, Day.AddHours(9)));
        await ProcessAsync(host, Launch("after-2", "after@example.com", course, Day.AddHours(10)));
        clock.Advance(TimeSpan.FromSeconds(1));

        var (changes, _, _) = await ReadToTheEndAsync(host, latest.Cursor, limit: 500);
        Assert.Equal(["after-1", "after-2"], changes.Select(c => Text(c, "attemptId")));
    }

    [Fact]
    public async Task Cursor_OlderThanTheRetention_Is410SayingToResynchroniseFromTheCourseAttemptsThenLatest()
    {
        var clock = Window(4);
        await using var host = await StartAsync(clock);
        var cursor = (await GetPageAsync(host, "?cursor=latest")).Cursor!;
        clock.Advance(TimeSpan.FromDays(29));
        Assert.Equal(200, (await GetPageAsync(host, "?cursor=" + cursor)).Status);

        clock.Advance(TimeSpan.FromDays(2));
        var answer = (await GetPageAsync(host, "?cursor=" + cursor)).Answer;

        Assert.Equal((410, "application/problem+json"), (answer.Status, answer.ContentType));
        var detail = JsonNode.Parse(answer.Body)!["detail"]!.GetValue<string>();
        Assert.Contains("GET /api/courses/{courseId}/attempts", detail, StringComparison.Ordinal);
        Assert.Contains("cursor=latest", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("?cursor=not-a-cursor", "cursor")]
    [InlineData("?cursor=eyJ0aWNrcyI6LTF9", "cursor")] // {"ticks":-1}
    [InlineData("?cursor=%25%25", "cursor")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=501", "limit")]
    [InlineData("?limit=ten", "limit")]
    [InlineData("?cursor=latest&limit=-1", "limit")]
    [InlineData("?cursor=x&limit=0", "cursor,limit")]
    public async Task MalformedQuery_Any_Is400NamingTheFieldAndReadsNothing(string query, string fields)
    {
        await using var host = await StartAsync(Window(0));
        host.Transactions.Reset();

        var answer = (await GetPageAsync(host, query)).Answer;

        Assert.Equal((400, "application/problem+json"), (answer.Status, answer.ContentType));
        var named = JsonNode.Parse(answer.Body)!["errors"]!.AsObject().Select(e => e.Key).Order(StringComparer.Ordinal);
        Assert.Equal(fields.Split(','), named);
        Assert.Equal(0, host.Transactions.Total + host.Transactions.TableQueries);
    }

    [Fact]
    public async Task Completion_WithItsChangeRowAndItsDeliveryOutcome_StillCostsOneReadAndOneBatch()
    {
        var clock = Window(5);
        await using var host = await StartAsync(clock);
        var course = Unique("cost");
        // Known to this instance's catalogue cache, as a course put through it is: the duration costs nothing.
        await host.Get<ICourseCatalogue>().UpsertAsync(new Course(course, 60, "Cost", clock.GetUtcNow()), CancellationToken.None);
        await ProcessAsync(host, Launch("cost-1", "cost.feed@example.com", course, Day.AddHours(8)));
        clock.Advance(TimeSpan.FromSeconds(1));
        host.Transactions.Reset();

        await ProcessAsync(host, Completion("cost-enr", "cost.feed@example.com", course, Day.AddHours(9)));

        var t = host.Transactions;
        // The aggregate read, the one guarded batch (aggregate, stats row, index delete, the change row
        // and the delivery outcome): no request of its own for the change nor for the outcome.
        Assert.Equal((1L, 0L, 1L, 0L), (t.TableReads, t.TableWrites, t.TableBatches, t.TableQueries));
        Assert.Contains((course, "cost.feed@example.com", "cost-1", 2L, "updated"), await StoredChangesAsync(host, [course]));
    }

    [Fact]
    public async Task Page_OverThreeCourses_CostsTheCourseListQueryAndOneRangeQueryPerCourseNothingElse()
    {
        // Its own Azurite: the course list is the storage's, and the count is per listed course.
        await using var azurite = await Azurite.StartInMemoryAsync();
        var clock = Window(9);
        await using var host = await Go1SyncTestHost.StartAsync(azurite, s => s["Feed:SafeLag"] = "00:00:00", services => services.AddSingleton<TimeProvider>(clock));
        for (var i = 0; i < 3; i++)
            await ProcessAsync(host, Launch($"page-{i}", "page.feed@example.com", $"page-course-{i}", Day.AddHours(8)));
        clock.Advance(TimeSpan.FromSeconds(1));
        host.Transactions.Reset();

        var page = await GetPageAsync(host, "?limit=500");

        Assert.Equal(3, page.Changes.Count);
        var t = host.Transactions;
        // Four GETs, all queries (the course list, then one range per course), and no point read nor write.
        Assert.Equal((4L, 4L, 0L, 0L, 0L), (t.TableReads, t.TableQueries, t.TableWrites, t.TableBatches, t.QueueWrites + t.QueueOther));
    }

    [Fact]
    public async Task FullWrite_BatchFindsAnIndexRowMissing_WritesAChangeRowForEveryAttemptAndTheConsumerStillEqualsTheReadApi()
    {
        var clock = Window(8);
        await using var host = await StartAsync(clock);
        var course = Unique("full");
        const string email = "full.feed@example.com";
        var from = (await GetPageAsync(host, "?cursor=latest")).Cursor!;
        await ProcessAsync(host, Launch("full-1", email, course, Day.AddHours(8)));
        await ProcessAsync(host, Launch("full-2", email, course, Day.AddHours(10)));
        // As if the sweep had given up on attempt 1: the completion's batch deletes its index row,
        // finds it missing, fails whole, and the store writes the learner's read side in full.
        var table = host.Get<TableServiceClient>().GetTableClient(TableNames.AttemptStats);
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter(
            $"PartitionKey eq {course} and RowKey ge {CourseRows.OpenPrefix} and RowKey lt {CourseRows.OpenEnd} and AttemptId eq {"full-1"}")))
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        clock.Advance(TimeSpan.FromSeconds(1));

        await ProcessAsync(host, Completion("full-enr", email, course, Day.AddHours(9)));
        clock.Advance(TimeSpan.FromSeconds(1));

        var (changes, _, _) = await ReadToTheEndAsync(host, from, limit: 500);
        // The full write announces every attempt of the fold at the new version, the unchanged one too (at least once).
        Assert.Equal([("full-1", "updated"), ("full-2", "updated")], changes.Where(c => Version(c) == 3).Select(c => (Text(c, "attemptId"), Text(c, "change"))).Order());
        Assert.Equal(await ReadApiRowsAsync(host, course), Consumer(changes)[course]);
        // The change rows came before the mark was cleared, and the mark is cleared.
        var stored = await host.Get<IAttemptStore>().GetAsync(LearnerCourseKey.For(host.Ids, email, course), CancellationToken.None);
        Assert.False(stored!.ProjectionPending);
    }

    [Fact]
    public async Task KeyRotation_MigratedLearnerThenAnotherEvent_VersionsGoOnFromTheOldIdSoTheConsumerStillEqualsTheReadApi()
    {
        // Its own Azurite: the migration moves every learner of the storage, other tests' too.
        await using var azurite = await Azurite.StartInMemoryAsync();
        var clock = Window(7);
        string oldKey = LearnerIdKeys.New(32), newKey = LearnerIdKeys.New(48);
        var course = Unique("rotate");
        const string email = "rotate.feed@example.com";
        List<JsonObject> seen;
        string cursor;
        await using (var before = await Go1SyncTestHost.StartAsync(azurite, s =>
            {
                s["Feed:SafeLag"] = "00:00:00";
                s["Learners:IdKey"] = oldKey;
            }, services => services.AddSingleton<TimeProvider>(clock)))
        {
            var from = (await GetPageAsync(before, "?cursor=latest")).Cursor!;
            await ProcessAsync(before, Launch("rot-1", email, course, Day.AddHours(8)));
            await ProcessAsync(before, Completion("rot-enr-1", email, course, Day.AddHours(9)));
            await ProcessAsync(before, Launch("rot-2", email, course, Day.AddHours(10)));
            clock.Advance(TimeSpan.FromSeconds(1));
            (seen, cursor, _) = await ReadToTheEndAsync(before, from, limit: 500);
            Assert.Equal([1L, 2L, 3L], seen.Select(Version));
        }

        await using var host = await Go1SyncTestHost.StartAsync(azurite, s =>
        {
            s["Feed:SafeLag"] = "00:00:00";
            s["Learners:IdKey"] = newKey;
            s["Learners:PreviousIdKey"] = oldKey;
        }, services => services.AddSingleton<TimeProvider>(clock));
        await host.Get<Go1Sync.Infrastructure.Learners.LearnerIdMigration>().MigrateAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(1));
        // Under the new id: had its versions started again at 1, this completion of rot-2 would be
        // older news than the open rot-2 of version 3 the consumer holds.
        await ProcessAsync(host, Completion("rot-enr-2", email, course, Day.AddHours(11)));
        clock.Advance(TimeSpan.FromSeconds(1));
        var (after, _, _) = await ReadToTheEndAsync(host, cursor, limit: 500);

        Assert.All(after, c => Assert.True(Version(c) > 3, $"version {Version(c)} of {Text(c, "attemptId")} after the move"));
        Assert.Contains(after, c => Text(c, "attemptId") == "rot-2" && Text(c, "status") == "completed");
        Assert.Equal(await ReadApiRowsAsync(host, course), Consumer(seen.Concat(after))[course]);
    }

    /// <summary>
    /// 16 writers at a time (one course where learners collide, three where they spread) while a
    /// reader polls with small pages. Each round's writes are stamped at the round's instant; the
    /// clock moves on only once they have all ended, so the reader's horizon (now, the safe lag being
    /// 0) never passes a write in flight, which is what the safe lag guarantees in production.
    /// </summary>
    [Fact]
    public async Task ConcurrentWriters_WhileAReaderPolls_TheReaderSeesEveryChangeExactlyOnce()
    {
        var clock = Window(6);
        await using var host = await StartAsync(clock);
        var busy = Unique("busy");
        var spread = new[] { Unique("spread"), Unique("spread"), Unique("spread") };
        var courses = spread.Append(busy).ToList();
        var cursor = (await GetPageAsync(host, "?cursor=latest")).Cursor!;
        var seen = new List<JsonObject>();
        var polls = 0;

        async Task PollAsync()
        {
            var page = await GetPageAsync(host, $"?cursor={cursor}&limit=5");
            Assert.Equal(200, page.Status);
            seen.AddRange(page.Changes);
            cursor = page.Cursor!;
            polls++;
        }

        const int rounds = 4;
        for (var round = 0; round < rounds; round++)
        {
            var events = new List<EventEnvelope>();
            for (var i = 0; i < 8; i++)
                events.Add(Launch($"busy-{round}-{i}", $"busy{i % 4}@example.com", busy, Day.AddHours(round).AddMinutes(i)));
            for (var i = 0; i < 8; i++)
                events.Add(round % 2 == 0
                    ? Launch($"spread-{round}-{i}", $"spread{i}@example.com", spread[i % 3], Day.AddHours(round).AddMinutes(i))
                    : Completion($"spread-enr-{round}-{i}", $"spread{i}@example.com", spread[i % 3], Day.AddHours(round).AddMinutes(30 + i)));
            var writers = Task.WhenAll(events.Select(e => Task.Run(() => ProcessAsync(host, e))));
            do await PollAsync(); while (!writers.IsCompleted);
            await writers;
            clock.Advance(TimeSpan.FromSeconds(1));
        }
        // Writes have ended and the clock has passed them: poll until a page is not full.
        int before;
        do { before = seen.Count; await PollAsync(); } while (seen.Count - before == 5);

        var mine = seen.Where(c => courses.Contains(Text(c, "courseId"))).ToList();
        var stored = await StoredChangesAsync(host, courses);
        Assert.Equal(mine.Count, mine.Select(Identity).Distinct().Count());
        Assert.Equal(stored.Order(), mine.Select(Identity).Order());
        // 64 events, each one change at least (a completion closes its attempt; the busy learners' launches add one each).
        Assert.InRange(stored.Count, 4 * 16, int.MaxValue);
        Assert.True(polls > rounds, $"the reader polled {polls} times");
        var consumer = Consumer(mine);
        foreach (var course in courses)
            Assert.Equal(await ReadApiRowsAsync(host, course), consumer[course]);
    }
}
