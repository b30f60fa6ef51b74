using Go1Sync.Core.Outbound;
using Go1Sync.Core.Reporting;

namespace Go1Sync.Cli.Commands;

/// <summary>
/// <c>outbound list|redeliver|enable|run</c>: the outbound webhooks' state and parked changes, with the
/// app's settings (Outbound__*) and the same use cases as the timer (<see cref="OutboundOperations"/>,
/// <see cref="OutboundDispatcher"/>). Nothing printed holds a body (it holds the learner's email) or the secret.
/// </summary>
internal sealed class OutboundCommand(TextWriter stdout, TextWriter stderr)
{
    public async Task<int> ListAsync(string? storage, bool json, CancellationToken cancellationToken)
    {
        using var host = await CliHost.StartAsync(storage, stderr, cancellationToken);
        var operations = host.Services.GetRequiredService<OutboundOperations>();
        var (state, parked) = await operations.ListAsync(cancellationToken);
        var rows = parked.Select(p => new ParkedRow(p.WebhookId, p.ChangedAt, p.Attempts, p.LastStatus, p.LastError, p.ParkedAt, p.Cursor)).ToList();
        if (json)
            Output.WriteJson(stdout, new { configured = operations.IsConfigured, endpoint = state, parked = rows });
        else
        {
            stdout.WriteLine($"outbound {(operations.IsConfigured ? "on" : "off (Outbound__Url is empty)")}: {state.Status}" +
                (state.NeedsResync ? ", needs resynchronisation" : "") +
                $", {state.Delivered} delivered, {state.ConsecutiveFailures} failure(s) in a row" +
                (state.NextAttemptAt is { } next ? $", next attempt {Core.Attempts.Instants.Format(next)}" : "") +
                (state.LastStatus is { } status ? $", last status {status}" : "") +
                (state.LastError is { } error ? $", last error: {error}" : "") +
                (state.DisabledReason is { } reason ? $", disabled: {reason}" : ""));
            stdout.WriteLine($"cursor {state.Cursor ?? "(not started: the first run starts from latest)"}");
            stdout.WriteLine($"{rows.Count} parked");
            foreach (var row in rows)
                stdout.WriteLine($"{row.WebhookId}  changed {Core.Attempts.Instants.Format(row.ChangedAt)}  {row.Attempts} attempts  last {row.LastStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} {row.LastError}");
        }
        await host.StopAsync(cancellationToken);
        return ExitCodes.Ok;
    }

    private sealed record ParkedRow(string WebhookId, DateTimeOffset ChangedAt, int Attempts, int? LastStatus, string? LastError, DateTimeOffset ParkedAt, string Cursor);

    public async Task<int> RedeliverAsync(string? webhookId, bool allFailed, string? from, string? storage, bool json, CancellationToken cancellationToken)
    {
        var chosen = (webhookId is null ? 0 : 1) + (allFailed ? 1 : 0) + (from is null ? 0 : 1);
        if (chosen != 1)
            throw new CliException(ExitCodes.BadInput, "redeliver needs exactly one of: a webhook-id, --all-failed, or --from CURSOR|latest.");
        ChangePosition? position = null;
        if (from is not null && from != ChangeCursor.Latest && (position = ChangeCursor.TryDecode(from)) is null)
            throw new CliException(ExitCodes.BadInput, "--from must be a cursor (go1sync outbound list, follow or GET /api/attempts/changes printed one) or 'latest'.");

        using var host = await CliHost.StartAsync(storage, stderr, cancellationToken);
        var operations = host.Services.GetRequiredService<OutboundOperations>();
        if (from is not null)
        {
            var state = await operations.MoveCursorAsync(position, cancellationToken);
            if (json) Output.WriteJson(stdout, new { cursor = state.Cursor, status = state.Status });
            else stdout.WriteLine($"cursor moved to {state.Cursor}: the next run sends every change after it (status {state.Status})");
            await host.StopAsync(cancellationToken);
            return ExitCodes.Ok;
        }

        if (!operations.IsConfigured)
            throw new CliException(ExitCodes.Settings, "Outbound__Url is empty: outbound webhooks are off, so nothing can be redelivered (set Outbound__Url and Outbound__Secret).");
        var ids = allFailed
            ? (await operations.ListAsync(cancellationToken)).Parked.Select(p => p.WebhookId).ToList()
            : [webhookId!];
        var results = new List<object>();
        var failed = 0;
        foreach (var id in ids)
        {
            var result = await operations.RedeliverAsync(id, cancellationToken);
            if (result is null)
                throw new CliException(ExitCodes.NotFound, $"No parked change has webhook-id {id} (go1sync outbound list shows them).");
            if (result.Outcome != SendOutcome.Delivered) failed++;
            results.Add(new { webhookId = id, outcome = result.Outcome.ToString().ToLowerInvariant(), status = result.Status, error = result.Error });
            if (!json) stdout.WriteLine($"{id}  {result.Outcome.ToString().ToLowerInvariant()}  {result.Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} {result.Error}");
        }
        if (json) Output.WriteJson(stdout, results);
        else stdout.WriteLine($"{ids.Count - failed} redelivered, {failed} still parked");
        await host.StopAsync(cancellationToken);
        return failed == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }

    public async Task<int> EnableAsync(string? storage, bool json, CancellationToken cancellationToken)
    {
        using var host = await CliHost.StartAsync(storage, stderr, cancellationToken);
        var state = await host.Services.GetRequiredService<OutboundOperations>().EnableAsync(cancellationToken);
        if (json) Output.WriteJson(stdout, new { status = state.Status, cursor = state.Cursor });
        else stdout.WriteLine($"outbound endpoint enabled: the next run sends from cursor {state.Cursor ?? "latest"}");
        await host.StopAsync(cancellationToken);
        return ExitCodes.Ok;
    }

    public async Task<int> RunAsync(string? storage, bool json, CancellationToken cancellationToken)
    {
        using var host = await CliHost.StartAsync(storage, stderr, cancellationToken);
        var result = await host.Services.GetRequiredService<OutboundDispatcher>().RunOnceAsync(cancellationToken);
        if (json) Output.WriteJson(stdout, result);
        else stdout.WriteLine($"outbound {result.Outcome}: {result.Delivered} delivered, {result.Parked} parked, {result.Failed} failed");
        await host.StopAsync(cancellationToken);
        return result.Outcome is OutboundRunOutcome.Failed or OutboundRunOutcome.Gone or OutboundRunOutcome.NeedsResync or OutboundRunOutcome.Disabled ? ExitCodes.Failed : ExitCodes.Ok;
    }
}
