using Azure.Data.Tables;

namespace Go1Sync.Infrastructure.Tests;

/// <summary>
/// Rows exactly as the code before keyed learner ids wrote them: every learner id the unsalted
/// SHA-256 of the normalised email, and no <c>LearnerIdKey</c> property anywhere, in the layout
/// before storage v3: the aggregate in <c>Attempts</c> (the production row format without that
/// property), stats rows in the course partition, open-index rows in the one <c>open</c> partition of
/// <c>OpenAttempts</c>; the other rows are built property by property as the old <c>TableDeliveryLog</c>,
/// sweep and tombstone store built them.
/// </summary>
internal static class LegacyRows
{
    public static string Id(string email) => LearnerEmail.LegacySha256(email);

    public static LearnerCourseKey Key(string email, string courseId) => LearnerCourseKey.ForId(Id(email), courseId);

    /// <summary>The aggregate row and its read side (stats rows, open-index rows of its open attempts).</summary>
    /// <param name="keyedBy">
    /// Null: keyed as before keyed learner ids (SHA-256, no <c>LearnerIdKey</c>). Otherwise keyed by its
    /// current key, as the release of keyed ids wrote rows before storage v3 (its <c>LearnerIdKey</c> set).
    /// </param>
    public static async Task WriteAggregateAsync(Go1SyncTestHost host, LearnerCourseHistory history, LearnerIds? keyedBy = null)
    {
        var key = keyedBy is null ? Key(history.Email, history.CourseId) : LearnerCourseKey.For(keyedBy, history.Email, history.CourseId);
        var entity = TableAttemptStore.Write(key, history, keyedBy?.CurrentKeyId ?? LearnerIdKey.LegacyKeyId);
        if (keyedBy is null) entity.Remove(TableAttemptStore.LearnerIdKeyProperty);
        // The row format is the production one; its keys are those of the legacy layout (learner, course).
        entity.PartitionKey = key.LearnerHash;
        entity.RowKey = key.CourseKey;
        await host.Get<TableServiceClient>().GetTableClient(TableNames.Attempts).AddEntityAsync(entity);
        var tables = host.Get<TableServiceClient>();
        var attempts = host.Rules.Fold(history);
        foreach (var attempt in attempts)
            await tables.GetTableClient(TableNames.AttemptStats).UpsertEntityAsync(StatsRows.StatsEntity(key, attempt), TableUpdateMode.Replace);
        foreach (var open in attempts.Where(a => a.Status == AttemptStatus.Open))
            await tables.GetTableClient(TableNames.OpenAttempts).UpsertEntityAsync(new TableEntity(OpenAttemptIndex.LegacyPartition, OpenAttemptIndex.LegacyRowKey(key, open))
            {
                ["LearnerHash"] = key.LearnerHash,
                ["CourseId"] = open.CourseId,
                ["AttemptId"] = open.AttemptId,
                ["LastActivityAt"] = open.LastActivityAt,
                ["NextCheckAt"] = open.LastActivityAt + TimeSpan.FromHours(1),
                ["Checks"] = 0,
            }, TableUpdateMode.Replace);
    }

    /// <summary>A delivery record as the old delivery log wrote a receipt (LearnerHash the SHA-256, nothing else about it).</summary>
    public static Task WriteDeliveryAsync(Go1SyncTestHost host, string identity, DateTimeOffset receivedAt, string? email, string? attemptId = null, string? enrolmentId = null) =>
        host.Get<TableServiceClient>().GetTableClient(TableNames.Deliveries).UpsertEntityAsync(
            new TableEntity(TableDeliveryLog.Day(receivedAt), KeyEncoding.Escape(identity))
            {
                ["Identity"] = identity,
                ["Kind"] = attemptId is null ? EventKinds.Completion : EventKinds.Launch,
                ["ReceivedAt"] = receivedAt,
                ["Signature"] = "valid",
                ["HttpStatus"] = 202,
                ["EnrolmentId"] = enrolmentId,
                ["AttemptId"] = attemptId,
                ["LearnerHash"] = email is null ? null : Id(email),
                ["Source"] = DeliverySources.Http,
                ["Outcome"] = DeliveryOutcomes.Applied,
                ["ProcessedAt"] = receivedAt,
            }, TableUpdateMode.Merge);

    /// <summary>The sweep's Go1 user cache row.</summary>
    public static Task WriteGo1UserAsync(Go1SyncTestHost host, string email, string userId) =>
        host.Get<TableServiceClient>().GetTableClient(TableNames.Go1Users).UpsertEntityAsync(
            new TableEntity("user", Id(email)) { ["UserId"] = userId, ["ResolvedAt"] = DateTimeOffset.UtcNow }, TableUpdateMode.Replace);

    /// <summary>A tombstone as <c>go1sync forget</c> wrote it: PartitionKey the SHA-256, RowKey <c>erased</c>.</summary>
    public static async Task WriteTombstoneAsync(TableServiceClient tables, string email)
    {
        await tables.CreateTableIfNotExistsAsync(TableNames.Tombstones);
        await tables.GetTableClient(TableNames.Tombstones).UpsertEntityAsync(
            new TableEntity(Id(email), "erased") { ["ErasedAt"] = DateTimeOffset.UtcNow.AddDays(-30) }, TableUpdateMode.Replace);
    }

    /// <summary>The rows of the legacy open-attempt index (the one <c>open</c> partition of <c>OpenAttempts</c>).</summary>
    public static async Task<List<TableEntity>> OpenRowsAsync(TableServiceClient tables)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in tables.GetTableClient(TableNames.OpenAttempts).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {OpenAttemptIndex.LegacyPartition}")))
            rows.Add(row);
        return rows;
    }

    /// <summary>Every row of every table (keys and ETag), to show a run wrote nothing.</summary>
    public static async Task<List<string>> SnapshotAsync(TableServiceClient tables)
    {
        var rows = new List<string>();
        foreach (var name in TableNames.All)
            await foreach (var row in tables.GetTableClient(name).QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"]))
                rows.Add($"{name} {row.PartitionKey}/{row.RowKey} {row.ETag}");
        rows.Sort(StringComparer.Ordinal);
        return rows;
    }

    /// <summary>Every place (table, key, property) that holds one of the ids, in any table.</summary>
    public static async Task<List<string>> PlacesHoldingAsync(TableServiceClient tables, params string[] ids)
    {
        var places = new List<string>();
        foreach (var name in TableNames.All)
            await foreach (var row in tables.GetTableClient(name).QueryAsync<TableEntity>())
            {
                if (ids.Any(id => row.PartitionKey.Contains(id, StringComparison.Ordinal) || row.RowKey.Contains(id, StringComparison.Ordinal)))
                    places.Add($"{name} {row.PartitionKey}/{row.RowKey}");
                foreach (var (property, value) in row)
                    if (property is not ("PartitionKey" or "RowKey") && value is string s && ids.Any(id => s.Contains(id, StringComparison.Ordinal)))
                        places.Add($"{name} {row.PartitionKey}/{row.RowKey} {property}");
            }
        return places;
    }
}
