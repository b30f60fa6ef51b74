using Go1Sync.Infrastructure.Sweep;
using WireMock.RequestBuilders;
using Xunit.Abstractions;

namespace Go1Sync.Infrastructure.Tests;

/// <summary>The sweep's cost follows the number of due open attempts, not the size of the tables (counted, not timed).</summary>
public sealed class SweepCostTests(AzuriteFixture storage, ITestOutputHelper output) : IClassFixture<AzuriteFixture>, IDisposable
{
    private readonly Go1Stub _go1 = new();

    public void Dispose() => _go1.Dispose();

    [Fact]
    public async Task Sweep_TenThousandCompletedAttemptsAndTenStaleOpenOnes_ReadsItsStateTheCourseListTheDueRangeAndTwentyRows()
    {
        _go1.GivenToken();
        _go1.Server.Given(Request.Create().WithPath("/users").UsingGet()).RespondWith(Go1Stub.Json("""{"total":1,"hits":[{"id":"u-cost"}]}"""));
        _go1.Server.Given(Request.Create().WithPath("/enrollments").UsingGet()).RespondWith(Go1Stub.Json("""{"total":0,"hits":[]}"""));
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite, s => { foreach (var (k, v) in _go1.Settings()) s[k] = v; });
        var rules = host.Rules;
        var store = host.Get<IAttemptStore>();

        // 10 learners x 1,000 completed attempts, written as the processor would write them.
        var start = DateTimeOffset.UtcNow.AddDays(-400);
        await Task.WhenAll(Enumerable.Range(0, 10).Select(async learner =>
        {
            var email = $"done{learner}@example.com";
            var history = LearnerCourseHistory.Empty(email, "cost-course");
            for (var i = 0; i < 1_000; i++)
            {
                var at = start.AddHours(i * 3 + learner);
                history = rules.Accept(history, new Launch($"d{learner}-{i:0000}", email, "cost-course", Platform.Web, at)).History;
                history = rules.Accept(history, new Completion($"de{learner}-{i:0000}", email, "cost-course", at.AddMinutes(20), true, 80), 60).History;
            }
            var key = LearnerCourseKey.For(host.Ids, email, "cost-course");
            Assert.NotNull(await store.TryCommitAsync(new AggregateWrite(key, history, null, null, null), CancellationToken.None));
        }));
        // 10 stale open attempts, and 20 fresh ones the sweep must not even read.
        for (var i = 0; i < 10; i++)
            await host.PostLaunchAsync($"stale-{i}", $"stale{i}@example.com", "cost-course", "web", DateTimeOffset.UtcNow.AddHours(-2).AddMinutes(i).ToString("O"));
        for (var i = 0; i < 20; i++)
            await host.PostLaunchAsync($"fresh-{i}", $"fresh{i}@example.com", "cost-course", "web", DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O"));
        await host.DrainAsync();
        Assert.Equal(10_000, (await host.StatsRowsAsync("cost-course")).Count(r => r.GetString("Status") == "completed"));

        host.Transactions.Reset();
        var result = await host.Get<ReconciliationSweep>().RunOnceAsync(CancellationToken.None);
        var t = host.Transactions;
        output.WriteLine($"sweep: {result}; table reads {t.TableReads} (queries {t.TableQueries}), writes {t.TableWrites}");

        Assert.Equal((10, 10, 10), (result.IndexRowsRead, result.Examined, result.AskedGo1));
        // The sweep state (where the last run stopped), the course list (one query), the course's due
        // range (one query), then one aggregate read and one Go1-user read per due attempt: 23 requests in all.
        Assert.Equal(2, t.TableQueries);
        Assert.Equal(23, t.TableReads);
        // Writes: the user cache (10), the back-off of each row (10), the sweep state (1).
        Assert.Equal(21, t.TableWrites);
    }
}
