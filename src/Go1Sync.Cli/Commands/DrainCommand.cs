namespace Go1Sync.Cli.Commands;

/// <summary>
/// <c>drain</c>: processes the events queue until it is empty, with the queue trigger's processor and
/// poison rules, so the whole pipeline runs on a machine without the Functions host.
/// </summary>
internal sealed class DrainCommand(TextWriter stdout, TextWriter stderr)
{
    public async Task<int> RunAsync(string? storage, bool json, CancellationToken cancellationToken)
    {
        using var host = await CliHost.StartAsync(storage, stderr, cancellationToken);
        var result = await host.Services.GetRequiredService<QueueDrain>().RunAsync(null, cancellationToken);
        if (json)
        {
            Output.WriteJson(stdout, result);
        }
        else
        {
            stdout.WriteLine($"drained: {result.Delivered} deliveries, {result.Applied} applied, {result.Duplicate} duplicate, {result.NoEffect} no effect, " +
                $"{result.Parked} parked, {result.Failed} failed and retried, {result.Poisoned} moved to poison");
            if (result.Parked > 0) stdout.WriteLine("Parked messages wait with their reason: go1sync parked list.");
            if (result.Poisoned > 0) stdout.WriteLine("Poisoned messages: go1sync poison list, fix the cause, then go1sync poison replay.");
            if (result.LeftInvisible > 0) stdout.WriteLine($"{result.LeftInvisible} message(s) stayed invisible (held by another consumer?); run drain again later.");
        }
        await host.StopAsync(cancellationToken);
        return result.Poisoned > 0 || result.LeftInvisible > 0 ? ExitCodes.Failed : ExitCodes.Ok;
    }
}
