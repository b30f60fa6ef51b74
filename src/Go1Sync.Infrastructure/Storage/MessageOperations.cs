using Azure.Storage.Queues.Models;
using Go1Sync.Core.Security;

namespace Go1Sync.Infrastructure.Storage;

/// <summary>A message waiting for an operator, wherever it waits.</summary>
public sealed record HeldMessage(string Source, string Id, string? Reason, string Body, DateTimeOffset? Since, long DequeueCount);

/// <summary>
/// What operators do with messages that did not apply: list them, and replay them into the
/// attempt-events queue. Replay sends first and removes second, so a crash in between leaves a
/// duplicate, which the processor applies once, never a loss.
/// </summary>
public sealed class MessageOperations(
    QueueServiceClient queues,
    IParkedStore parked,
    IOptions<QueueOptions> options,
    ILogger<MessageOperations> logger)
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);
    private readonly QueueClient _queue = queues.GetQueueClient(options.Value.AttemptEventsQueue);
    private readonly QueueClient _poison = queues.GetQueueClient(options.Value.PoisonQueue);

    public async Task<IReadOnlyList<HeldMessage>> ListPoisonAsync(int max, CancellationToken cancellationToken)
    {
        var leased = await LeasePoisonAsync(max, cancellationToken).ConfigureAwait(false);
        // Listing must not hide them: give every leased message back at once.
        foreach (var m in leased)
            await _poison.UpdateMessageAsync(m.MessageId, m.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: cancellationToken).ConfigureAwait(false);
        return leased.Select(m => new HeldMessage("poison", m.MessageId, null, m.Body.ToString(), m.InsertedOn, m.DequeueCount)).ToList();
    }

    /// <summary>Moves poison messages back to the queue (all, or only <paramref name="messageId"/>). Returns how many moved.</summary>
    public async Task<int> ReplayPoisonAsync(string? messageId, int max, CancellationToken cancellationToken)
    {
        var moved = 0;
        foreach (var m in await LeasePoisonAsync(max, cancellationToken).ConfigureAwait(false))
        {
            if (messageId is not null && m.MessageId != messageId)
            {
                await _poison.UpdateMessageAsync(m.MessageId, m.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: cancellationToken).ConfigureAwait(false);
                continue;
            }
            await _queue.SendMessageAsync(m.Body, cancellationToken: cancellationToken).ConfigureAwait(false);
            await _poison.DeleteMessageAsync(m.MessageId, m.PopReceipt, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Replayed poison message {MessageId} into {Queue}", LogValue.Of(m.MessageId), _queue.Name);
            moved++;
        }
        return moved;
    }

    /// <summary>
    /// Deletes poison messages that entered the poison queue before <paramref name="before"/> (their
    /// bodies hold learners' emails), at most <paramref name="max"/> per run, each logged by its
    /// message id only. Younger messages are leased while the queue is read, so none is read twice,
    /// then given back. Returns how many were deleted.
    /// </summary>
    public async Task<int> PurgePoisonAsync(DateTimeOffset before, int max, CancellationToken cancellationToken)
    {
        var deleted = 0;
        var kept = new List<QueueMessage>();
        try
        {
            while (deleted + kept.Count < max)
            {
                QueueMessage[] batch = (await _poison.ReceiveMessagesAsync(Math.Min(32, max - deleted - kept.Count), Lease, cancellationToken).ConfigureAwait(false)).Value;
                if (batch.Length == 0) break;
                foreach (var m in batch)
                {
                    if (m.InsertedOn is not { } inserted || inserted >= before)
                    {
                        kept.Add(m);
                        continue;
                    }
                    await _poison.DeleteMessageAsync(m.MessageId, m.PopReceipt, cancellationToken).ConfigureAwait(false);
                    logger.LogInformation("Deleted poison message {MessageId} from {Queue}: it entered the poison queue at {InsertedOn:O}, before {Before:O}", m.MessageId, _poison.Name, inserted, before);
                    deleted++;
                }
            }
        }
        finally
        {
            foreach (var m in kept)
            {
                try
                {
                    await _poison.UpdateMessageAsync(m.MessageId, m.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None).ConfigureAwait(false);
                }
                catch (Azure.RequestFailedException ex) when (ex.Status == 404)
                {
                    // The lease ran out and another reader has it (or replayed it): nothing to give back.
                }
            }
        }
        return deleted;
    }

    /// <summary>
    /// Deletes the poison messages whose body <paramref name="matches"/> (an erased learner's),
    /// reading at most <paramref name="max"/>; the others are leased while the queue is read, so
    /// none is read twice, then given back. Returns the ids deleted.
    /// </summary>
    public async Task<IReadOnlyList<string>> DeletePoisonAsync(Func<string, bool> matches, int max, CancellationToken cancellationToken)
    {
        var deleted = new List<string>();
        var kept = new List<QueueMessage>();
        try
        {
            while (deleted.Count + kept.Count < max)
            {
                QueueMessage[] batch = (await _poison.ReceiveMessagesAsync(Math.Min(32, max - deleted.Count - kept.Count), Lease, cancellationToken).ConfigureAwait(false)).Value;
                if (batch.Length == 0) break;
                foreach (var m in batch)
                {
                    if (!matches(m.Body.ToString()))
                    {
                        kept.Add(m);
                        continue;
                    }
                    await _poison.DeleteMessageAsync(m.MessageId, m.PopReceipt, cancellationToken).ConfigureAwait(false);
                    deleted.Add(m.MessageId);
                }
            }
        }
        finally
        {
            await GiveBackAsync(kept).ConfigureAwait(false);
        }
        return deleted;
    }

    private async Task GiveBackAsync(IEnumerable<QueueMessage> kept)
    {
        foreach (var m in kept)
        {
            try
            {
                await _poison.UpdateMessageAsync(m.MessageId, m.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
            catch (Azure.RequestFailedException ex) when (ex.Status == 404)
            {
                // The lease ran out and another reader has it (or replayed it): nothing to give back.
            }
        }
    }

    public async Task<IReadOnlyList<HeldMessage>> ListParkedAsync(string? category, CancellationToken cancellationToken) =>
        (await parked.ListAsync(category, cancellationToken).ConfigureAwait(false))
            .Select(p => new HeldMessage(p.Category, p.MessageId, p.Reason, p.Body, p.ParkedAt, 0))
            .ToList();

    /// <summary>Re-queues parked messages (all of a category, or one) so they are applied with today's data and settings.</summary>
    public async Task<int> ReplayParkedAsync(string? category, string? messageId, CancellationToken cancellationToken)
    {
        var moved = 0;
        foreach (var p in await parked.ListAsync(category, cancellationToken).ConfigureAwait(false))
        {
            if (messageId is not null && p.MessageId != messageId) continue;
            await _queue.SendMessageAsync(p.Body, cancellationToken).ConfigureAwait(false);
            await parked.RemoveAsync(p.Category, p.MessageId, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Replayed parked message {MessageId} ({Category}) into {Queue}", LogValue.Of(p.MessageId), LogValue.Of(p.Category), _queue.Name);
            moved++;
        }
        return moved;
    }

    private async Task<List<QueueMessage>> LeasePoisonAsync(int max, CancellationToken cancellationToken)
    {
        var leased = new List<QueueMessage>();
        while (leased.Count < max)
        {
            QueueMessage[] batch = (await _poison.ReceiveMessagesAsync(Math.Min(32, max - leased.Count), Lease, cancellationToken).ConfigureAwait(false)).Value;
            if (batch.Length == 0) break;
            leased.AddRange(batch);
        }
        return leased;
    }
}
