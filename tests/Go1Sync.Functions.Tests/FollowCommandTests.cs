using System.Text.Json.Nodes;
using Go1Sync.Core.Processing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Go1Sync.Functions.Tests;

/// <summary>
/// <c>go1sync follow</c>, the feed's consumer, through the real command parser against Azurite. The
/// changes are written by a host whose clock is ten minutes behind, so the CLI, on the real clock
/// and the default <c>Feed__SafeLag</c> (1 minute), sees them as settled. The class has its own Azurite,
/// so the feed holds only what its tests write.
/// </summary>
public sealed class FollowCommandTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await Go1Sync.Cli.Cli.RunAsync([.. args, "--storage", storage.Azurite.ConnectionString], stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static List<JsonObject> JsonLines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    [Fact]
    public async Task Follow_OnceFromTheStartThenFromItsCursor_PrintsEveryChangeInVersionOrderThenNothingNew()
    {
        var course = $"follow-{Guid.NewGuid():N}"[..20];
        var at = DateTimeOffset.UtcNow.AddMinutes(-10);
        await using (var host = await Go1SyncTestHost.StartAsync(storage.Azurite, services: s => s.AddSingleton<TimeProvider>(new FakeTimeProvider(at))))
        {
            var processor = host.Get<AttemptEventProcessor>();
            var launch = EventEnvelope.ForLaunch(new LaunchMessage("f-a", "follow@example.com", course, Core.Attempts.Platform.Web, at.AddMinutes(-30)), "l-follow", at);
            var completion = EventEnvelope.ForCompletion(new CompletionMessage
            {
                Source = "test", EnrolmentId = "f-enr", Email = "follow@example.com", CourseId = course, CompletedAt = at.AddMinutes(-5), Passed = true, Score = 90,
            }, "c-follow", at);
            await processor.ProcessAsync(launch.Id, launch.ToJson(), CancellationToken.None);
            await processor.ProcessAsync(completion.Id, completion.ToJson(), CancellationToken.None);
        }

        var (exit, output, errors) = await RunAsync("follow", "--once", "--json");

        Assert.True(exit == 0, errors);
        var lines = JsonLines(output);
        var changes = lines.Where(l => l["courseId"]?.GetValue<string>() == course).ToList();
        Assert.Equal([1L, 2L], changes.Select(c => c["version"]!.GetValue<long>()));
        Assert.Equal(["open", "completed"], changes.Select(c => c["status"]!.GetValue<string>()));
        var cursor = lines[^1]["cursor"]!.GetValue<string>();

        var again = await RunAsync("follow", "--once", "--json", "--cursor", cursor);
        Assert.True(again.Exit == 0, again.Err);
        var next = JsonLines(again.Out);
        Assert.DoesNotContain(next, l => l.ContainsKey("courseId"));
        Assert.NotNull(next[^1]["cursor"]);
    }

    [Fact]
    public async Task Follow_CursorNotOneWeMade_ExitsOneNamingCursorReadingNothing()
    {
        var (exit, output, errors) = await RunAsync("follow", "--once", "--cursor", "not-a-cursor");

        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Contains("--cursor", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Follow_LatestOnce_PrintsOnlyTheCursorToGoOnFrom()
    {
        var (exit, output, errors) = await RunAsync("follow", "--once", "--cursor", "latest");

        Assert.True(exit == 0, errors);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("cursor ", line, StringComparison.Ordinal);
        Assert.Contains("0 change(s) read", errors, StringComparison.Ordinal);
    }
}
