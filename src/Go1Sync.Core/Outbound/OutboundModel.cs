using System.Security.Cryptography;
using System.Text;
using Go1Sync.Core.Reporting;

namespace Go1Sync.Core.Outbound;

/// <summary>The outbound endpoint's status (<see cref="OutboundState.Status"/>).</summary>
public static class OutboundStatus
{
    /// <summary>Delivering: the last attempt succeeded (or none failed since).</summary>
    public const string Active = "active";
    /// <summary>The first change not delivered failed; the next attempt is at <see cref="OutboundState.NextAttemptAt"/>.</summary>
    public const string Retrying = "retrying";
    /// <summary>The endpoint answered 410 Gone: nothing is sent until an operator enables it again (<c>go1sync outbound enable</c>).</summary>
    public const string Disabled = "disabled";
}

/// <summary>
/// Where the outbound webhooks stand: the feed cursor delivered up to (everything before it was
/// delivered or parked), and how the endpoint has been answering. No email and no secret: the last
/// error is our own words and the endpoint's status code.
/// </summary>
public sealed record OutboundState
{
    /// <summary>A <see cref="ChangeCursor"/> (opaque); null: never started (the first run starts from <see cref="ChangeCursor.Latest"/>).</summary>
    public string? Cursor { get; init; }
    public string Status { get; init; } = OutboundStatus.Active;
    /// <summary>Failed attempts in a row at the first change not delivered; 0 after a success.</summary>
    public int ConsecutiveFailures { get; init; }
    /// <summary>The webhook-id the failures are counted on: a different first change (its row erased meanwhile) starts at one again.</summary>
    public string? FailingId { get; init; }
    /// <summary>While retrying: no POST before this instant.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }
    public DateTimeOffset? LastAttemptAt { get; init; }
    /// <summary>The HTTP status of the last attempt (null: no answer, e.g. a timeout or a refused connection).</summary>
    public int? LastStatus { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? LastSuccessAt { get; init; }
    public long Delivered { get; init; }
    public string? DisabledReason { get; init; }
    public DateTimeOffset? DisabledAt { get; init; }
    /// <summary>The cursor aged out of the feed's retention: the LMS must resynchronise, then an operator moves the cursor (<c>redeliver --from latest</c>).</summary>
    public bool NeedsResync { get; init; }
    public DateTimeOffset? NeedsResyncSince { get; init; }
}

/// <summary>A change whose retry schedule was exhausted, kept with what was sent so it can be listed and redelivered with the same id.</summary>
public sealed record ParkedWebhook(
    string WebhookId,
    string Body,
    string Cursor,
    DateTimeOffset ChangedAt,
    int Attempts,
    int? LastStatus,
    string? LastError,
    DateTimeOffset ParkedAt);

/// <summary>How one POST ended.</summary>
public enum SendOutcome
{
    /// <summary>2xx.</summary>
    Delivered,
    /// <summary>Anything else: another status, a timeout, no connection.</summary>
    Failed,
    /// <summary>410 Gone: the receiver asks us to stop.</summary>
    Gone,
}

/// <param name="RetryAfter">The answer's Retry-After as a delay from now, when it gave one.</param>
public sealed record SendResult(SendOutcome Outcome, int? Status, string? Error, TimeSpan? RetryAfter = null)
{
    public static SendResult Ok(int status) => new(SendOutcome.Delivered, status, null);
}

/// <summary>The receiving endpoint (an HTTP adapter): the body of a change and one signed POST.</summary>
public interface IWebhookEndpoint
{
    /// <summary>False when no endpoint is configured (<c>Outbound__Url</c> empty): outbound webhooks are off.</summary>
    bool IsConfigured { get; }

    /// <summary>The JSON body of <paramref name="change"/>: <c>{"type":"attempt.updated","timestamp":…,"data":…}</c>.</summary>
    string Body(AttemptChange change);

    /// <summary>POSTs <paramref name="body"/> signed with <paramref name="webhookId"/>; never throws for what the endpoint answered or failed to.</summary>
    Task<SendResult> SendAsync(string webhookId, string body, CancellationToken cancellationToken);
}

/// <summary>Another writer changed the state since it was read: the reader must read again.</summary>
public sealed class OutboundStateConflictException(string message) : Exception(message);

/// <summary>The state and the parked changes (storage: the table <c>Outbound</c>). Writes of the state are conditional on the version read.</summary>
public interface IOutboundStore
{
    /// <summary>The state and its version (null version: never written).</summary>
    Task<(OutboundState State, string? Version)> ReadAsync(CancellationToken cancellationToken);

    /// <summary>Writes the state if it is still at <paramref name="version"/>; returns the new version or throws <see cref="OutboundStateConflictException"/>.</summary>
    Task<string> SaveAsync(OutboundState state, string? version, CancellationToken cancellationToken);

    Task ParkAsync(ParkedWebhook parked, CancellationToken cancellationToken);
    Task<IReadOnlyList<ParkedWebhook>> ListParkedAsync(CancellationToken cancellationToken);
    Task<ParkedWebhook?> GetParkedAsync(string webhookId, CancellationToken cancellationToken);
    Task RemoveParkedAsync(string webhookId, CancellationToken cancellationToken);
}

/// <summary>The <c>webhook-id</c> of a change: the same for every attempt and redelivery of it, so the receiver can dedupe.</summary>
public static class WebhookIds
{
    public const string Prefix = "chg_";

    /// <summary><c>chg_</c> + lowercase hex of the first 16 bytes of SHA-256 of <c>"{course partition key}\n{change row key}"</c>.</summary>
    public static string For(ChangePosition position)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{position.Course}\n{position.RowKey}"));
        return Prefix + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}
