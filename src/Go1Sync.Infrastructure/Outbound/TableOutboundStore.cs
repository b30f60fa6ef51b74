using Go1Sync.Core.Outbound;

namespace Go1Sync.Infrastructure.Outbound;

/// <summary>
/// The table <c>Outbound</c>: one row (partition <c>endpoint</c>, row <c>default</c>) with the endpoint's
/// state, written only with the ETag it was read with (a CLI command and a run never lose each other's
/// update), and one row per parked change in partition <c>failed</c>, keyed by its webhook-id, with the
/// body that was sent (it holds the learner's email: it is never logged).
/// </summary>
public sealed class TableOutboundStore(TableServiceClient tables) : IOutboundStore
{
    public const string StatePartition = "endpoint";
    public const string StateRow = "default";
    public const string FailedPartition = "failed";

    private readonly TableClient _table = tables.GetTableClient(TableNames.Outbound);

    public async Task<(OutboundState State, string? Version)> ReadAsync(CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(StatePartition, StateRow, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!row.HasValue || row.Value is not { } e) return (new OutboundState(), null);
        return (new OutboundState
        {
            Cursor = NullIfEmpty(e.GetString("Cursor")),
            Status = e.GetString("Status") ?? OutboundStatus.Active,
            ConsecutiveFailures = e.GetInt32("ConsecutiveFailures") ?? 0,
            FailingId = NullIfEmpty(e.GetString("FailingId")),
            NextAttemptAt = e.GetDateTimeOffset("NextAttemptAt"),
            LastAttemptAt = e.GetDateTimeOffset("LastAttemptAt"),
            LastStatus = e.GetInt32("LastStatus"),
            LastError = NullIfEmpty(e.GetString("LastError")),
            LastSuccessAt = e.GetDateTimeOffset("LastSuccessAt"),
            Delivered = e.GetInt64("Delivered") ?? 0,
            DisabledReason = NullIfEmpty(e.GetString("DisabledReason")),
            DisabledAt = e.GetDateTimeOffset("DisabledAt"),
            NeedsResync = e.GetBoolean("NeedsResync") ?? false,
            NeedsResyncSince = e.GetDateTimeOffset("NeedsResyncSince"),
        }, e.ETag.ToString());
    }

    public async Task<string> SaveAsync(OutboundState state, string? version, CancellationToken cancellationToken)
    {
        // Replace, not merge: a value cleared (null) must not survive from the row as it was.
        var entity = new TableEntity(StatePartition, StateRow)
        {
            ["Cursor"] = state.Cursor ?? "",
            ["Status"] = state.Status,
            ["ConsecutiveFailures"] = state.ConsecutiveFailures,
            ["FailingId"] = state.FailingId ?? "",
            ["NextAttemptAt"] = state.NextAttemptAt,
            ["LastAttemptAt"] = state.LastAttemptAt,
            ["LastStatus"] = state.LastStatus,
            ["LastError"] = state.LastError ?? "",
            ["LastSuccessAt"] = state.LastSuccessAt,
            ["Delivered"] = state.Delivered,
            ["DisabledReason"] = state.DisabledReason ?? "",
            ["DisabledAt"] = state.DisabledAt,
            ["NeedsResync"] = state.NeedsResync,
            ["NeedsResyncSince"] = state.NeedsResyncSince,
        };
        try
        {
            var response = version is null
                ? await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false)
                : await _table.UpdateEntityAsync(entity, new ETag(version), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return (response.Headers.ETag ?? throw new InvalidOperationException("Table storage returned no ETag.")).ToString();
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412 or 404)
        {
            throw new OutboundStateConflictException("The outbound state was changed by another writer since it was read.");
        }
    }

    public async Task ParkAsync(ParkedWebhook parked, CancellationToken cancellationToken) =>
        await _table.UpsertEntityAsync(new TableEntity(FailedPartition, parked.WebhookId)
        {
            ["Body"] = parked.Body,
            ["Cursor"] = parked.Cursor,
            ["ChangedAt"] = parked.ChangedAt,
            ["Attempts"] = parked.Attempts,
            ["LastStatus"] = parked.LastStatus,
            ["LastError"] = parked.LastError ?? "",
            ["ParkedAt"] = parked.ParkedAt,
        }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<ParkedWebhook>> ListParkedAsync(CancellationToken cancellationToken)
    {
        var parked = new List<ParkedWebhook>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {FailedPartition}");
        await foreach (var e in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
            parked.Add(Parked(e));
        return parked.OrderBy(p => p.Cursor is { } c && Core.Reporting.ChangeCursor.TryDecode(c) is { } at ? at.Ticks : 0).ThenBy(p => p.WebhookId, StringComparer.Ordinal).ToList();
    }

    public async Task<ParkedWebhook?> GetParkedAsync(string webhookId, CancellationToken cancellationToken)
    {
        if (!IsWebhookId(webhookId)) return null;
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(FailedPartition, webhookId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue && row.Value is { } e ? Parked(e) : null;
    }

    public async Task RemoveParkedAsync(string webhookId, CancellationToken cancellationToken) =>
        await _table.DeleteEntityAsync(FailedPartition, webhookId, ETag.All, cancellationToken).ConfigureAwait(false);

    /// <summary>Ours look like <c>chg_</c> + 32 hex digits; anything else cannot be a row key we wrote.</summary>
    private static bool IsWebhookId(string id) =>
        id.Length == WebhookIds.Prefix.Length + 32 && id.StartsWith(WebhookIds.Prefix, StringComparison.Ordinal) && id[WebhookIds.Prefix.Length..].All(char.IsAsciiHexDigitLower);

    private static ParkedWebhook Parked(TableEntity e) => new(
        e.RowKey,
        e.GetString("Body") ?? "",
        e.GetString("Cursor") ?? "",
        e.GetDateTimeOffset("ChangedAt") ?? DateTimeOffset.MinValue,
        e.GetInt32("Attempts") ?? 0,
        e.GetInt32("LastStatus"),
        NullIfEmpty(e.GetString("LastError")),
        e.GetDateTimeOffset("ParkedAt") ?? DateTimeOffset.MinValue);

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
