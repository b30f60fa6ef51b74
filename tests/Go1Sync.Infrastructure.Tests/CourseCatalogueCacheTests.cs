using Microsoft.Extensions.Time.Testing;

namespace Go1Sync.Infrastructure.Tests;

/// <summary>The course catalogue as the processor sees it: durations kept in memory for Courses__CacheSeconds.</summary>
public sealed class CourseCatalogueCacheTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task CourseCatalogue_ReadAgainWithinCacheSeconds_AnswersFromMemoryUntilTheEntryExpires()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var (clock, table, catalogue) = CacheOnItsOwnClock(host);
        await table.UpsertAsync(new Course("cache-1", 60, null, clock.GetUtcNow()), CancellationToken.None);

        Assert.Equal(60, (await catalogue.GetAsync("cache-1", CancellationToken.None))!.DurationMinutes);
        host.Transactions.Reset();
        await table.UpsertAsync(new Course("cache-1", 90, null, clock.GetUtcNow()), CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(299));
        Assert.Equal(60, (await catalogue.GetAsync("cache-1", CancellationToken.None))!.DurationMinutes);
        Assert.Equal(0, host.Transactions.TableReads);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(90, (await catalogue.GetAsync("cache-1", CancellationToken.None))!.DurationMinutes);
        Assert.Equal(1, host.Transactions.TableReads);
    }

    [Fact]
    public async Task CourseCatalogue_WrittenThroughThisInstance_IsAnsweredAtOnceWithTheNewValue()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var catalogue = host.Get<ICourseCatalogue>();
        Assert.Null(await catalogue.GetAsync("cache-2", CancellationToken.None));

        await catalogue.UpsertAsync(new Course("cache-2", 45, null, DateTimeOffset.UtcNow), CancellationToken.None);
        host.Transactions.Reset();

        Assert.Equal(45, (await catalogue.GetAsync("cache-2", CancellationToken.None))!.DurationMinutes);
        Assert.Equal(0, host.Transactions.TableReads);
    }

    [Fact]
    public async Task CourseCatalogue_MissingCourseAddedByAnotherInstance_IsFoundAtTheNextRead()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        var (clock, table, catalogue) = CacheOnItsOwnClock(host);

        Assert.Null(await catalogue.GetAsync("cache-4", CancellationToken.None));
        await table.UpsertAsync(new Course("cache-4", 30, "Added elsewhere", clock.GetUtcNow()), CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(1));

        // A kept "missing" would send the completion to Go1, whose answer replaces the operator's row.
        Assert.Equal(30, (await catalogue.GetAsync("cache-4", CancellationToken.None))!.DurationMinutes);
    }

    [Fact]
    public async Task CourseCatalogue_CacheSecondsZero_ReadsTheTableEveryTime()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite, s => s["Courses:CacheSeconds"] = "0");
        var catalogue = host.Get<ICourseCatalogue>();
        await catalogue.UpsertAsync(new Course("cache-3", 45, null, DateTimeOffset.UtcNow), CancellationToken.None);
        host.Transactions.Reset();

        await catalogue.GetAsync("cache-3", CancellationToken.None);
        await catalogue.GetAsync("cache-3", CancellationToken.None);

        Assert.Equal(2, host.Transactions.TableReads);
    }

    /// <summary>
    /// A cache of 300 s over the host's table on a clock of its own (the host's background work
    /// keeps the real one); writes to the returned table are another instance's.
    /// </summary>
    private static (FakeTimeProvider Clock, TableCourseCatalogue Table, CachedCourseCatalogue Catalogue) CacheOnItsOwnClock(Go1SyncTestHost host)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var table = host.Get<TableCourseCatalogue>();
        return (clock, table, new CachedCourseCatalogue(table, Options.Create(new Configuration.CourseCacheOptions { CacheSeconds = 300 }), clock));
    }
}
