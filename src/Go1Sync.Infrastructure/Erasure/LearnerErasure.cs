using System.Text.Json;

namespace Go1Sync.Infrastructure.Erasure;

/// <summary>What one erasure deleted, per place.</summary>
/// <param name="Attempts">
/// The learner's (learner, course) pairs: each one's row in <c>Attempts</c> deleted (a course-list row,
/// or an aggregate of the layout before storage v3) and its aggregate in the course partition
/// replaced by a tombstone. One count for both, since each pair has exactly one of each; a separate
/// count would always be equal, and would change the answer's shape for nothing.
/// </param>
/// <param name="AttemptStats">Stats rows deleted from the learner's course partitions.</param>
/// <param name="OpenAttempts">Open-attempt index rows deleted: in the course partitions, and in the legacy index partition.</param>
public sealed record ErasureReport(
    DateTimeOffset ErasedAt,
    int Attempts,
    int AttemptStats,
    int OpenAttempts,
    int Go1Users,
    int Deliveries,
    int Parked,
    int Poison);

/// <summary>
/// Erases one learner from every place that holds them (the right to erasure): their aggregates
/// (each replaced by a tombstone without history in its course partition, so later events there
/// are dropped on the writer's one read), their course list (<c>Attempts</c>, the learner's
/// partition, with the aggregates of the layout before v3), the stats and open-index rows in those
/// courses' partitions (and the legacy index partition), their Go1 user cache row, their delivery records, and the parked and
/// poison messages (and parked outbound webhooks) whose body holds their email or id. A tombstone (learner id and time, no
/// email) is written first, so an event processed meanwhile or later is dropped, not applied.
/// Rows are looked for under every learner id this process can compute (current key, previous
/// key, legacy SHA-256), so a learner not yet migrated (<c>go1sync migrate learner-ids</c>) is
/// erased all the same. Running it again is harmless. Messages still waiting in the
/// attempt-events queue are not searched: the tombstone drops them when they are processed.
/// </summary>
public sealed class LearnerErasure(
    TableServiceClient tables,
    TableLearnerTombstones tombstones,
    LearnerIds learnerIds,
    IParkedStore parked,
    MessageOperations messages,
    Core.Outbound.IOutboundStore outbound,
    TimeProvider time,
    ILogger<LearnerErasure> logger)
{
    /// <summary>Poison messages one erasure reads at most (the queue's whole content in practice).</summary>
    public const int MaxPoison = 5_000;

    private readonly LearnerTables _tables = new(tables);

    public async Task<ErasureReport> EraseAsync(string email, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        var normalized = LearnerEmail.Normalize(email);
        var ids = learnerIds.AllIds(email).Select(i => i.Id).Distinct(StringComparer.Ordinal).ToList();
        var erasedAt = time.GetUtcNow();

        await tombstones.RecordAsync(learnerIds.Id(email), erasedAt, cancellationToken).ConfigureAwait(false);

        int stats = 0, open = 0, users = 0, deliveries = 0;
        var everyCourse = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            // The learner's course list (legacy aggregates too) names the course partitions that hold their rows.
            var courseKeys = new List<string>();
            await foreach (var row in _tables.Attempts.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {id}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
                courseKeys.Add(row.RowKey);
            foreach (var courseKey in courseKeys)
            {
                // The tombstone replaces the aggregate first: a writer's guarded batch after it fails and
                // re-reads a tombstone, and every row a batch before it committed is deleted below.
                await _tables.Stats.UpsertEntityAsync(new TableEntity(courseKey, CourseRows.Aggregate(id)) { [TableAttemptStore.ErasedProperty] = erasedAt },
                    TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                var (from, to) = CourseRows.LearnerStats(id);
                stats += await TableBatches.DeleteAsync(_tables.Stats, TableClient.CreateQueryFilter($"PartitionKey eq {courseKey} and RowKey ge {from} and RowKey lt {to}"), cancellationToken).ConfigureAwait(false);
                open += await TableBatches.DeleteAsync(_tables.Stats, TableClient.CreateQueryFilter(
                    $"PartitionKey eq {courseKey} and RowKey ge {CourseRows.OpenPrefix} and RowKey lt {CourseRows.OpenEnd} and LearnerHash eq {id}"), cancellationToken).ConfigureAwait(false);
                everyCourse.Add(courseKey);
            }
            open += await TableBatches.DeleteAsync(_tables.Open, TableClient.CreateQueryFilter($"PartitionKey eq {OpenAttemptIndex.LegacyPartition} and LearnerHash eq {id}"), cancellationToken).ConfigureAwait(false);
            users += await TableBatches.DeleteAsync(_tables.Users, TableClient.CreateQueryFilter($"PartitionKey eq {Sweep.ReconciliationSweep.UserPartition} and RowKey eq {id}"), cancellationToken).ConfigureAwait(false);
            deliveries += await TableBatches.DeleteAsync(_tables.Deliveries, TableClient.CreateQueryFilter($"LearnerHash eq {id}"), cancellationToken).ConfigureAwait(false);
        }

        // The change feed's rows hold the email as well. Rows an older learner id wrote stay in the
        // course partitions after the learner-id migration moved that id's course list, so every
        // course of any id is searched for every id (not counted: the report predates the feed).
        // So do the delivery records kept beside the aggregates (counted with the other delivery records).
        foreach (var courseKey in everyCourse)
            foreach (var id in ids)
            {
                await TableBatches.DeleteAsync(_tables.Stats, TableClient.CreateQueryFilter(
                    $"PartitionKey eq {courseKey} and RowKey ge {CourseRows.ChangePrefix} and RowKey lt {CourseRows.ChangeEnd} and LearnerHash eq {id}"), cancellationToken).ConfigureAwait(false);
                deliveries += await TableBatches.DeleteAsync(_tables.Stats, TableClient.CreateQueryFilter(
                    $"PartitionKey eq {courseKey} and RowKey ge {CourseRows.DeliveryPrefix} and RowKey lt {CourseRows.DeliveryEnd} and LearnerHash eq {id}"), cancellationToken).ConfigureAwait(false);
            }

        var parkedCount = 0;
        foreach (var message in await parked.ListAsync(null, cancellationToken).ConfigureAwait(false))
        {
            if (!ids.Any(id => Holds(message.Body, normalized, id))) continue;
            await parked.RemoveAsync(message.Category, message.MessageId, cancellationToken).ConfigureAwait(false);
            parkedCount++;
        }
        // Outbound webhooks parked after their retries ran out hold the attempt, email included (not
        // counted either: the report predates them).
        foreach (var webhook in await outbound.ListParkedAsync(cancellationToken).ConfigureAwait(false))
            if (ids.Any(id => Holds(webhook.Body, normalized, id)))
                await outbound.RemoveParkedAsync(webhook.WebhookId, cancellationToken).ConfigureAwait(false);
        var poison = await messages.DeletePoisonAsync(body => ids.Any(id => Holds(body, normalized, id)), MaxPoison, cancellationToken).ConfigureAwait(false);

        var attempts = 0;
        foreach (var id in ids)
            attempts += await TableBatches.DeleteAsync(_tables.Attempts, TableClient.CreateQueryFilter($"PartitionKey eq {id}"), cancellationToken).ConfigureAwait(false);

        var report = new ErasureReport(erasedAt, attempts, stats, open, users, deliveries, parkedCount, poison.Count);
        logger.LogInformation(
            "Erased learner {Learner}: {Attempts} aggregates (each course-list row deleted, each aggregate replaced by a tombstone), {Stats} stats rows, {Open} open-index rows, {Users} Go1 user rows, {Deliveries} delivery records, {Parked} parked and {Poison} poison messages; a tombstone drops their later events",
            LearnerEmail.Mask(email), attempts, stats, open, users, deliveries, parkedCount, poison.Count);
        return report;
    }

    /// <summary>
    /// Whether a message body holds the learner: a JSON string equal to the email (normalised) or
    /// holding the learner id <paramref name="hash"/>, anywhere in the document; for a body that is
    /// not JSON, the email or id as a whole word of the normalised text.
    /// </summary>
    public static bool Holds(string body, string normalizedEmail, string hash)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return Holds(document.RootElement, normalizedEmail, hash);
        }
        catch (JsonException)
        {
            var text = LearnerEmail.Normalize(body);
            return HoldsWord(text, normalizedEmail) || HoldsWord(text, hash);
        }
    }

    private static bool Holds(JsonElement element, string normalizedEmail, string hash) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString() is { } s && (LearnerEmail.Normalize(s) == normalizedEmail || s.Contains(hash, StringComparison.OrdinalIgnoreCase)),
        JsonValueKind.Object => element.EnumerateObject().Any(p => Holds(p.Value, normalizedEmail, hash)),
        JsonValueKind.Array => element.EnumerateArray().Any(e => Holds(e, normalizedEmail, hash)),
        _ => false,
    };

    /// <summary>An occurrence not glued to other address characters (so bob@x.com is not found in jimbob@x.com).</summary>
    private static bool HoldsWord(string text, string word)
    {
        for (var at = text.IndexOf(word, StringComparison.Ordinal); at >= 0; at = text.IndexOf(word, at + 1, StringComparison.Ordinal))
        {
            var end = at + word.Length;
            if ((at == 0 || !IsAddressChar(text[at - 1])) && (end == text.Length || !IsAddressChar(text[end]))) return true;
        }
        return false;
    }

    private static bool IsAddressChar(char c) => char.IsLetterOrDigit(c) || c is '.' or '_' or '%' or '+' or '-' or '@';
}
