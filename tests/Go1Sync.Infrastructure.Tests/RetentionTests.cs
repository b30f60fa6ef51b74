using Microsoft.Extensions.Time.Testing;

namespace Go1Sync.Infrastructure.Tests;

/// <summary>
/// Personal data is erased when its purpose ends: parked and poison messages (whose bodies hold
/// learners' emails) are deleted by the daily Housekeeping run after their own retention, on Azurite.
/// Each test starts its own Azurite: the Parked table is shared by every host of one Azurite, and
/// the counts must be the test's own. (Out-of-range retention settings are rows of
/// Go1Sync.Functions.Tests' table of refused settings, SettingsTests.)
/// </summary>
public sealed class RetentionTests
{
    private static ParkedMessage Parked(string category, string id, DateTimeOffset at) =>
        new(category, id, "test reason", $$"""{"email":"{{id}}@example.com"}""", at);

    [Fact]
    public async Task ParkedMessages_ParkedLongerAgoThanParkedRetentionDays_AreDeletedAndCountedRecentOnesStay()
    {
        await using var azurite = await Azurite.StartInMemoryAsync();
        await using var host = await Go1SyncTestHost.StartAsync(azurite, s => s["Parked:RetentionDays"] = "90");
        var store = host.Get<IParkedStore>();
        var now = DateTimeOffset.UtcNow;
        await store.ParkAsync(Parked(ParkCategories.Unmatched, "old-unmatched", now.AddDays(-120)), CancellationToken.None);
        await store.ParkAsync(Parked(ParkCategories.Invalid, "old-invalid", now.AddDays(-91)), CancellationToken.None);
        await store.ParkAsync(Parked(ParkCategories.Unmatched, "recent-unmatched", now.AddDays(-89)), CancellationToken.None);
        await store.ParkAsync(Parked(ParkCategories.Invalid, "recent-invalid", now.AddHours(-1)), CancellationToken.None);

        var report = await host.Get<Retention>().RunAsync(CancellationToken.None);

        Assert.Equal(2, report.Parked);
        var left = await store.ListAsync(null, CancellationToken.None);
        Assert.Equal(["recent-invalid", "recent-unmatched"], left.Select(p => p.MessageId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task PoisonMessages_OlderThanPoisonRetentionDays_AreDeletedCountedAndLoggedByIdOnlyRecentOnesStayVisible()
    {
        await using var azurite = await Azurite.StartInMemoryAsync();
        var capture = new CapturingLoggerProvider();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await Go1SyncTestHost.StartAsync(azurite, s => s["Poison:RetentionDays"] = "30", services: s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            s.AddLogging(b => b.AddProvider(capture).SetMinimumLevel(LogLevel.Trace));
        });
        await host.Poison.CreateIfNotExistsAsync();
        var oldReceipt = (await host.Poison.SendMessageAsync("""{"email":"old.poison@example.com"}""")).Value;
        // Queue insertion times have a one-second resolution.
        await Task.Delay(TimeSpan.FromSeconds(2.2));
        var recentReceipt = (await host.Poison.SendMessageAsync("""{"email":"recent.poison@example.com"}""")).Value;
        Assert.True(recentReceipt.InsertionTime > oldReceipt.InsertionTime.AddSeconds(1));
        // Thirty days after an instant between the two insertions.
        clock.SetUtcNow(oldReceipt.InsertionTime.AddSeconds(1).AddDays(30));

        var report = await host.Get<Retention>().RunAsync(CancellationToken.None);

        Assert.Equal(1, report.Poison);
        var left = (await host.Poison.PeekMessagesAsync(32)).Value;
        Assert.Equal([recentReceipt.MessageId], left.Select(m => m.MessageId));
        Assert.Contains(capture.Lines, l => l.Contains(oldReceipt.MessageId, StringComparison.Ordinal) && l.Contains("Deleted poison message", StringComparison.Ordinal));
        Assert.DoesNotContain(capture.Lines, l => l.Contains("poison@example.com", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task ChangeRows_OlderThanFeedRetentionDays_AreDeletedPerCourseAndCountedNewerOnesStay()
    {
        await using var azurite = await Azurite.StartInMemoryAsync();
        var start = DateTimeOffset.Parse("2025-06-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var clock = new FakeTimeProvider(start);
        await using var host = await Go1SyncTestHost.StartAsync(azurite, s => s["Feed:RetentionDays"] = "7", services: s => s.AddSingleton<TimeProvider>(clock));
        var processor = host.Get<AttemptEventProcessor>();
        async Task LaunchAsync(string attempt, string course)
        {
            var e = EventEnvelope.ForLaunch(new LaunchMessage(attempt, "feed.retention@example.com", course, Platform.Web, start), attempt, clock.GetUtcNow());
            await processor.ProcessAsync(e.Id, e.ToJson(), CancellationToken.None);
        }
        // Two courses, each with a change 10 days old and one 5 days old by the time housekeeping runs.
        await LaunchAsync("old-a", "feed-course-a");
        await LaunchAsync("old-b", "feed-course-b");
        clock.Advance(TimeSpan.FromDays(5));
        await LaunchAsync("new-a", "feed-course-a");
        await LaunchAsync("new-b", "feed-course-b");
        clock.Advance(TimeSpan.FromDays(5));

        var report = await host.Get<Retention>().RunAsync(CancellationToken.None);

        Assert.Equal(2, report.Changes);
        var table = host.Get<Azure.Data.Tables.TableServiceClient>().GetTableClient(TableNames.AttemptStats);
        var left = new List<string>();
        await foreach (var row in table.QueryAsync<Azure.Data.Tables.TableEntity>(Azure.Data.Tables.TableClient.CreateQueryFilter($"RowKey ge {CourseRows.ChangePrefix} and RowKey lt {CourseRows.ChangeEnd}")))
            left.Add(row.GetString("AttemptId"));
        Assert.Equal(["new-a", "new-b"], left.Order(StringComparer.Ordinal));
        // Only change rows go: the stats rows of the old attempts are the read API's, kept for ever.
        Assert.Equal(2, (await host.StatsRowsAsync("feed-course-a")).Count);
    }

    [Fact]
    public async Task ParkedOutboundWebhooks_ParkedLongerAgoThanFeedRetentionDays_AreDeletedAndCountedRecentOnesStay()
    {
        await using var azurite = await Azurite.StartInMemoryAsync();
        var now = DateTimeOffset.Parse("2025-06-30T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        await using var host = await Go1SyncTestHost.StartAsync(azurite, s => s["Feed:RetentionDays"] = "7", services: s => s.AddSingleton<TimeProvider>(new FakeTimeProvider(now)));
        var outbound = host.Get<Core.Outbound.IOutboundStore>();
        Core.Outbound.ParkedWebhook Parked(string id, int daysAgo) =>
            new(id, """{"data":{"email":"outbound.retention@example.com"}}""", "", now.AddDays(-daysAgo - 1), 10, 500, "answered 500", now.AddDays(-daysAgo));
        await outbound.ParkAsync(Parked("chg_00000000000000000000000000000008", 8), CancellationToken.None);
        await outbound.ParkAsync(Parked("chg_00000000000000000000000000000006", 6), CancellationToken.None);

        var report = await host.Get<Retention>().RunAsync(CancellationToken.None);

        Assert.Equal(1, report.ParkedOutbound);
        Assert.Equal(["chg_00000000000000000000000000000006"], (await outbound.ListParkedAsync(CancellationToken.None)).Select(p => p.WebhookId));
    }

    [Fact]
    public async Task Housekeeping_DailyRun_AppliesEachStoresOwnRetentionSetting()
    {
        await using var azurite = await Azurite.StartInMemoryAsync();
        var start = DateTimeOffset.UtcNow;
        var clock = new FakeTimeProvider(start);
        await using var host = await Go1SyncTestHost.StartAsync(azurite, s =>
        {
            s["DeliveryLog:RetentionDays"] = "30";
            s["Parked:RetentionDays"] = "10";
            s["Poison:RetentionDays"] = "5";
        }, services: s => s.AddSingleton<TimeProvider>(clock));
        var store = host.Get<IParkedStore>();
        await store.ParkAsync(Parked(ParkCategories.Unmatched, "parked-11-days", start.AddDays(-5)), CancellationToken.None);
        await store.ParkAsync(Parked(ParkCategories.Unmatched, "parked-6-days", start), CancellationToken.None);
        await host.Poison.CreateIfNotExistsAsync();
        await host.Poison.SendMessageAsync("""{"email":"six.days@example.com"}""");
        await host.Get<IDeliveryLog>().RecordReceiptAsync(new DeliveryReceipt("delivery-6-days", "launch", null, start, "n/a", 202), CancellationToken.None);
        // Six days on: past the poison retention (5), within the parked (10) and delivery (30) ones.
        clock.Advance(TimeSpan.FromDays(6));

        await host.Function<HousekeepingFunction>().Run(new Microsoft.Azure.Functions.Worker.TimerInfo(), CancellationToken.None);

        Assert.Empty((await host.Poison.PeekMessagesAsync(32)).Value);
        Assert.Equal(["parked-6-days"], (await store.ListAsync(null, CancellationToken.None)).Select(p => p.MessageId));
        Assert.Contains(await host.Get<IDeliveryLog>().FindAsync(new DeliveryQuery(start.AddDays(-1)), CancellationToken.None), r => r.Identity == "delivery-6-days");
    }
}
