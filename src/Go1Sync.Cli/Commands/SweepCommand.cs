using Go1Sync.Infrastructure.Sweep;

namespace Go1Sync.Cli.Commands;

/// <summary><c>sweep --once</c>: one reconciliation run now, with the app's settings (Go1__*, Sweep__*).</summary>
internal sealed class SweepCommand(TextWriter stdout, TextWriter stderr)
{
    public async Task<int> RunAsync(string? storage, bool json, CancellationToken cancellationToken)
    {
        using var host = await CliHost.StartAsync(storage, stderr, cancellationToken);
        var result = await host.Services.GetRequiredService<ReconciliationSweep>().RunOnceAsync(cancellationToken);
        if (json) Output.WriteJson(stdout, result);
        else stdout.WriteLine($"sweep {result.Outcome}: {result.IndexRowsRead} due rows read, {result.Examined} examined, {result.AskedGo1} asked of Go1, " +
            $"{result.Recovered} completions recovered and queued, {result.Removed} index rows removed, {result.Deferred} deferred");
        await host.StopAsync(cancellationToken);
        return ExitCodes.Ok;
    }
}
