namespace Go1Sync.Cli.Commands;

/// <summary><c>poison list|replay</c> and <c>parked list|replay</c>: the same operations as the ops endpoints.</summary>
internal sealed class MessagesCommand(TextWriter stdout, TextWriter stderr)
{
    private const int MaxMessages = 5_000;

    public async Task<int> RunAsync(string where, string action, string? id, string? category, string? storage, bool json, CancellationToken cancellationToken)
    {
        using var host = await CliHost.StartAsync(storage, stderr, cancellationToken);
        var operations = host.Services.GetRequiredService<MessageOperations>();
        var exitCode = (where, action) switch
        {
            ("poison", "list") => await WriteAsync(where, id, category, await operations.ListPoisonAsync(MaxMessages, cancellationToken), json),
            ("poison", "replay") => await ReplayedAsync(where, id, category, await operations.ReplayPoisonAsync(id, MaxMessages, cancellationToken)),
            ("parked", "list") => await WriteAsync(where, id, category, await operations.ListParkedAsync(category, cancellationToken), json),
            ("parked", "replay") => await ReplayedAsync(where, id, category, await operations.ReplayParkedAsync(category, id, cancellationToken)),
            _ => await UnknownActionAsync(where, action),
        };
        await host.StopAsync(cancellationToken);
        return exitCode;
    }

    private async Task<int> UnknownActionAsync(string where, string action)
    {
        await stderr.WriteLineAsync($"error: '{action}' is not an action of {where} (list, replay).");
        return ExitCodes.BadInput;
    }

    /// <summary>Replaying a message id that is not there is an error: a typo must not look like success.</summary>
    private async Task<int> ReplayedAsync(string where, string? id, string? category, int replayed)
    {
        if (id is not null && replayed == 0) return await NotFoundAsync(where, id, category);
        stdout.WriteLine($"replayed {replayed} {where} message(s)");
        return ExitCodes.Ok;
    }

    private async Task<int> NotFoundAsync(string where, string id, string? category)
    {
        await stderr.WriteLineAsync($"error: no {where} message with id '{id}'{(category is null ? "" : $" in category {category}")} " +
            $"(already replayed, or never there: `go1sync {where} list` shows what is).");
        return ExitCodes.NotFound;
    }

    private async Task<int> WriteAsync(string where, string? id, string? category, IReadOnlyList<HeldMessage> messages, bool json)
    {
        if (id is not null)
        {
            messages = messages.Where(m => m.Id == id).ToList();
            if (messages.Count == 0) return await NotFoundAsync(where, id, category);
        }
        if (json)
        {
            Output.WriteJson(stdout, messages);
            return ExitCodes.Ok;
        }
        foreach (var m in messages)
            stdout.WriteLine($"{m.Source}\t{m.Id}\t{m.Since:O}\tdequeued {m.DequeueCount}\t{m.Reason ?? "-"}");
        stdout.WriteLine($"{messages.Count} message(s)");
        return ExitCodes.Ok;
    }
}
