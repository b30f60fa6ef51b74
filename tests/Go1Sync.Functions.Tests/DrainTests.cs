using Go1Sync.Infrastructure.Configuration;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Go1Sync.Functions.Tests;

/// <summary><c>go1sync drain</c>: the queue processed without the Functions host, with the trigger's rules.</summary>
public sealed class DrainTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public void DrainRules_ComparedWithHostJson_AreItsQueueSettings()
    {
        Assert.Equal(QueueOptions.MaxDequeueCount, HostJson.MaxDequeueCount);
        Assert.Equal(QueueOptions.BatchSize, HostJson.BatchSize);
    }

    [Fact]
    public async Task Drain_QueuedLaunchesAndCompletions_AreAppliedUntilTheQueueIsEmpty()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);
        for (var i = 0; i < 40; i++)
            Assert.Equal(202, (await host.PostLaunchAsync($"drain-{i}", $"drain{i % 8}@example.com", "c-drain", "web", "2025-03-01T08:00:00Z")).Status);
        for (var i = 0; i < 8; i++)
            Assert.Equal(202, (await host.PostCompletionAsync($"enr-drain-{i}", $"drain{i}@example.com", "c-drain", "2025-03-01T10:00:00Z", passed: true)).Status);
        // A redelivered webhook: a duplicate, applied once.
        await host.PostCompletionAsync("enr-drain-0", "drain0@example.com", "c-drain", "2025-03-01T10:00:00Z", passed: true);

        var result = await host.Get<QueueDrain>().RunAsync(null, CancellationToken.None);

        Assert.Equal(new DrainResult(49, 48, 1, 0, 0, 0, 0, 0), result);
        Assert.Equal(0, await host.QueueLengthAsync());
        var attempts = await host.AttemptsAsync("drain0@example.com", "c-drain");
        Assert.Equal(5, attempts.Count);
        Assert.Single(attempts, a => a.Status == Go1Sync.Core.Attempts.AttemptStatus.Completed);
    }

    [Fact]
    public async Task Drain_MessageThatKeepsFailing_MovesToPoisonAfterMaxDequeueCount()
    {
        using var go1 = new Go1Stub();
        go1.GivenToken();
        go1.Server.Given(Request.Create().WithPath("/enrollments/enr-down").UsingGet()).RespondWith(Response.Create().WithStatusCode(503));
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite, s => { foreach (var (k, v) in go1.Settings()) s[k] = v; });
        // A thin webhook: the enrolment must come from Go1, which is down.
        Assert.Equal(202, (await host.PostWebhookAsync("""{"id":"evt-down","event_type":"enrollment.complete","data":{"id":"enr-down"}}""")).Status);

        var result = await host.Get<QueueDrain>().RunAsync(null, CancellationToken.None);

        Assert.Equal((QueueOptions.MaxDequeueCount, QueueOptions.MaxDequeueCount, 1, 0), (result.Delivered, result.Failed, result.Poisoned, result.Processed));
        Assert.Equal(0, await host.QueueLengthAsync());
        var poisoned = Assert.Single(await host.Get<MessageOperations>().ListPoisonAsync(10, CancellationToken.None));
        Assert.Contains("evt-down", JsonSerializer.Serialize(poisoned));
    }
}
