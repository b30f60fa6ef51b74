using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Go1Sync.Infrastructure.Health;

// /api/health answers name the failing check and say what is wrong in our own words: exception
// text (host names, request ids, a stored failure message) stays out of the answer. Each check
// hands its exception to the report, and HealthFunction writes it to the log.

/// <summary>Storage answers: the queue's properties and one page of a table.</summary>
public sealed class StorageHealthCheck(QueueServiceClient queues, TableServiceClient tables, IOptions<QueueOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await queues.GetQueueClient(options.Value.AttemptEventsQueue).GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
            await foreach (var _ in tables.GetTableClient(TableNames.Courses).QueryAsync<TableEntity>(maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken)
                .AsPages(pageSizeHint: 1).ConfigureAwait(false))
                break;
            return HealthCheckResult.Healthy("queue and tables answer");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("storage does not answer", ex);
        }
    }
}

/// <summary>Nothing in poison, and nothing queued for longer than Health__MaxQueueAge.</summary>
public sealed class BacklogHealthCheck(BacklogProbe probe, IOptions<HealthOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Backlog backlog;
        try
        {
            backlog = await probe.SampleAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("backlog unknown", ex);
        }

        var data = new Dictionary<string, object>
        {
            ["queueDepth"] = backlog.QueueDepth,
            ["poisonDepth"] = backlog.PoisonDepth,
            ["oldestQueuedAgeSeconds"] = Math.Round(backlog.OldestQueuedAge?.TotalSeconds ?? 0, 1),
            ["parked"] = backlog.Parked,
        };
        var problems = new List<string>();
        if (backlog.PoisonDepth > 0) problems.Add($"{backlog.PoisonDepth} message(s) in poison");
        if (backlog.OldestQueuedAge > options.Value.MaxQueueAge) problems.Add($"oldest queued message is {backlog.OldestQueuedAge.Value.TotalMinutes:F0} min old");
        return problems.Count == 0
            ? HealthCheckResult.Healthy("backlog within limits", data)
            : HealthCheckResult.Unhealthy(string.Join("; ", problems), data: data);
    }
}

/// <summary>The sweep ran recently (within Health__MaxSweepAge) and its last run succeeded; degraded when it never ran.</summary>
public sealed class SweepHealthCheck(Sweep.ReconciliationSweep sweep, IOptions<HealthOptions> options, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Sweep.SweepState? state;
        try
        {
            state = await sweep.LastStateAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("sweep state unknown", ex);
        }
        if (state is null) return HealthCheckResult.Degraded("the sweep has not run yet");

        var age = time.GetUtcNow() - state.LastRunAt;
        var failed = state.Outcome.StartsWith("failed", StringComparison.Ordinal);
        var data = new Dictionary<string, object>
        {
            ["lastRunAt"] = state.LastRunAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            // A failed run stores its exception's message; the answer says only that it failed.
            ["outcome"] = failed ? "failed" : state.Outcome,
            ["recovered"] = state.Recovered,
        };
        if (failed)
            return HealthCheckResult.Unhealthy("the last sweep failed", data: data);
        if (age > options.Value.MaxSweepAge)
            return HealthCheckResult.Unhealthy($"the last sweep ran {age.TotalMinutes:F0} min ago", data: data);
        return HealthCheckResult.Healthy($"last sweep {state.Outcome}", data);
    }
}

/// <summary>
/// Go1's list of completions was read completely within Health__MaxReconcileAge, and the last run did
/// not fail; degraded otherwise (completions then depend on webhooks alone until it recovers).
/// </summary>
public sealed class ReconciliationHealthCheck(Reconciliation.ReconciliationStateStore state, Reconciliation.Go1Reconciliation reconciliation, IOptions<HealthOptions> options, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!reconciliation.IsConfigured)
            return HealthCheckResult.Degraded("no Go1 API is configured (Go1__ClientId, Go1__ClientSecret): completions depend on webhooks alone");
        Reconciliation.ReconciliationState? current;
        try
        {
            current = await state.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("reconciliation state unknown", ex);
        }
        if (current?.ReadUpTo is not { } readUpTo)
            return HealthCheckResult.Degraded("the reconciliation has not completed a run yet");

        var age = time.GetUtcNow() - readUpTo;
        var failed = current.LastOutcome?.StartsWith("failed", StringComparison.Ordinal) == true;
        var data = new Dictionary<string, object>
        {
            ["readUpTo"] = readUpTo.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["watermarkAgeSeconds"] = Math.Round(age.TotalSeconds, 0),
            // A failed run stores its exception's message; the answer says only that it failed.
            ["lastOutcome"] = failed ? "failed" : current.LastOutcome ?? "",
        };
        if (failed)
            return HealthCheckResult.Degraded("the last reconciliation failed", data: data);
        if (age > options.Value.MaxReconcileAge)
            return HealthCheckResult.Degraded($"Go1's completions were last read completely {age.TotalMinutes:F0} min ago (Health__MaxReconcileAge {options.Value.MaxReconcileAge})", data: data);
        return HealthCheckResult.Healthy($"Go1's completions read up to {age.TotalMinutes:F0} min ago", data);
    }
}

/// <summary>
/// The outbound webhooks (Outbound__Url): healthy when off or delivering; degraded while retrying a
/// change; unhealthy when the endpoint is disabled (it answered 410), the cursor aged out of the feed
/// (a resynchronisation is needed), or changes are parked (their retries ran out).
/// </summary>
public sealed class OutboundHealthCheck(Core.Outbound.IWebhookEndpoint endpoint, Core.Outbound.IOutboundStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!endpoint.IsConfigured) return HealthCheckResult.Healthy("outbound webhooks are off (Outbound__Url is empty)");
        Core.Outbound.OutboundState state;
        int parked;
        try
        {
            (state, _) = await store.ReadAsync(cancellationToken).ConfigureAwait(false);
            parked = (await store.ListParkedAsync(cancellationToken).ConfigureAwait(false)).Count;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("outbound state unknown", ex);
        }

        var data = new Dictionary<string, object>
        {
            ["status"] = state.Status,
            ["consecutiveFailures"] = state.ConsecutiveFailures,
            ["parked"] = parked,
            ["needsResync"] = state.NeedsResync,
            ["delivered"] = state.Delivered,
            // The endpoint's status code only: the error text stays in go1sync outbound list.
            ["lastStatus"] = state.LastStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
        };
        var problems = new List<string>();
        if (state.Status == Core.Outbound.OutboundStatus.Disabled) problems.Add("the outbound endpoint is disabled (it answered 410 Gone): go1sync outbound enable");
        if (state.NeedsResync) problems.Add("the outbound cursor is older than the change feed keeps: the LMS must resynchronise, then go1sync outbound redeliver --from latest");
        if (parked > 0) problems.Add($"{parked} outbound change(s) parked: go1sync outbound list, redeliver");
        if (problems.Count > 0) return HealthCheckResult.Unhealthy(string.Join("; ", problems), data: data);
        if (state.Status == Core.Outbound.OutboundStatus.Retrying)
            return HealthCheckResult.Degraded($"the outbound endpoint failed {state.ConsecutiveFailures} time(s) in a row; retrying", data: data);
        return HealthCheckResult.Healthy("outbound webhooks delivering", data);
    }
}
