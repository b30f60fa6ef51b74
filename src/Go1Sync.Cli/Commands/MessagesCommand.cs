using Go1Sync.Infrastructure.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Go1Sync.Cli.Commands;

/// <summary><c>poison list|replay</c> and <c>parked list|replay</c>: the same operations as the ops endpoints.</summary>
internal sealed class MessagesCommand(TextWriter stdout, TextWriter stderr)
{
    private const int MaxMessages = 5_000;

    public async Task<int> RunAsync(string where, string action, string? id, string? category, string? storage, bool json, CancellationToken cancellationToken)
    {
        using var host = await CliHost.StartAsync(storage, stderr, cancellationToken);
        var operations = host.Services.GetRequiredService<MessageOperations>();
        switch ((where, action))
        {
            case ("poison", "list"):
                Write(await operations.ListPoisonAsync(MaxMessages, cancellationToken), json);
                break;
            case ("poison", "replay"):
                stdout.WriteLine($"replayed {await operations.ReplayPoisonAsync(id, MaxMessages, cancellationToken)} poison message(s)");
                break;
            case ("parked", "list"):
                Write(await operations.ListParkedAsync(category, cancellationToken), json);
                break;
            case ("parked", "replay"):
                stdout.WriteLine($"replayed {await operations.ReplayParkedAsync(category, id, cancellationToken)} parked message(s)");
                break;
            default:
                await stderr.WriteLineAsync($"error: '{action}' is not an action of {where} (list, replay).");
                return ExitCodes.BadInput;
        }
        await host.StopAsync(cancellationToken);
        return ExitCodes.Ok;
    }

    private void Write(IReadOnlyList<HeldMessage> messages, bool json)
    {
        if (json)
        {
            Output.WriteJson(stdout, messages);
            return;
        }
        foreach (var m in messages)
            stdout.WriteLine($"{m.Source}\t{m.Id}\t{m.Since:O}\tdequeued {m.DequeueCount}\t{m.Reason ?? "-"}");
        stdout.WriteLine($"{messages.Count} message(s)");
    }
}
