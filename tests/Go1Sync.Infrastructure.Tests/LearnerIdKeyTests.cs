using System.Security.Cryptography;
using Azure.Data.Tables;
using Go1Sync.Infrastructure.Configuration;
using Go1Sync.Infrastructure.Erasure;
using Go1Sync.Infrastructure.Learners;
using Microsoft.Extensions.Configuration;

namespace Go1Sync.Infrastructure.Tests;

/// <summary>
/// The learner-id key settings at start: the development key locally (with a warning), refused
/// in Azure and against a storage account that is not Azurite. (Bad keys, refused naming the setting
/// without repeating it, are rows of Go1Sync.Functions.Tests' table of refused settings, SettingsTests.)
/// </summary>
public sealed class LearnerIdKeySettingsTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    public static string NewKey(int bytes = 32) => LearnerIdKeys.New(bytes);

    /// <summary>What an Azure deployment sets besides the learner-id key, so that only that key is at fault.</summary>
    private static void InAzure(Dictionary<string, string?> s)
    {
        StartupRefusal.InAzure(s);
        s.Remove("Learners:IdKey");
    }

    [Fact]
    public async Task Startup_InAzureWithoutLearnersIdKey_RefusesTheDevelopmentKeyNamingTheSetting()
    {
        var message = await StartupRefusal.MessageAsync(storage.Azurite, InAzure);
        Assert.Contains("Learners__IdKey", message, StringComparison.Ordinal);
        Assert.Contains("WEBSITE_INSTANCE_ID", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_InAzureWithALearnersIdKey_StartsAndMakesIdsWithIt()
    {
        var key = NewKey();
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite, s =>
        {
            InAzure(s);
            s["Learners:IdKey"] = key;
        });
        Assert.Equal(new LearnerIdKey(Convert.FromBase64String(key)).IdOf("a@example.com"), host.Ids.Id("a@example.com"));
        Assert.False(host.Ids.Current.IsDevelopment);
    }

    [Fact]
    public async Task Startup_StorageAccountNotAzuriteWithoutLearnersIdKey_RefusesTheDevelopmentKeyNamingTheSetting()
    {
        var message = await StartupRefusal.MessageAsync(storage.Azurite, "AzureWebJobsStorage",
            $"DefaultEndpointsProtocol=https;AccountName=go1syncprod;AccountKey={Convert.ToBase64String(new byte[64])};EndpointSuffix=core.windows.net");
        Assert.Contains("Learners__IdKey", message, StringComparison.Ordinal);
        Assert.DoesNotContain("go1syncprod", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_PreviousIdKeyEqualToIdKey_FailsNamingPreviousIdKey()
    {
        var key = NewKey();
        var message = await StartupRefusal.MessageAsync(storage.Azurite, s =>
        {
            s["Learners:IdKey"] = key;
            s["Learners:PreviousIdKey"] = key;
        });
        Assert.Contains("Learners__PreviousIdKey", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_LocallyWithoutLearnersIdKey_UsesTheDevelopmentKeyAndLogsAWarningNamingItsIdNotTheKey()
    {
        var capture = new CapturingLoggerProvider();
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite, services: s => s.AddLogging(b => b.AddProvider(capture)));

        Assert.True(host.Ids.Current.IsDevelopment);
        var warning = Assert.Single(capture.Lines, l => l.StartsWith($"Warning {LearnerOptions.DevelopmentKeyLogCategory}", StringComparison.Ordinal));
        Assert.Contains("Learners__IdKey", warning, StringComparison.Ordinal);
        Assert.Contains(LearnerIdKey.Development.KeyId, warning, StringComparison.Ordinal);
        Assert.DoesNotContain(LearnerIdKey.DevelopmentKeyBase64, string.Join("\n", capture.Lines), StringComparison.Ordinal);
    }

    [Fact]
    public void RequestsHttp_LearnerId_IsTheDevelopmentIdOfItsExampleLearner()
    {
        var requests = File.ReadAllText(Path.Combine(RepoPaths.Root, "requests.http"));
        Assert.Contains($"@learnerId = {LearnerIds.Development.Id("example1@example.com")}", requests, StringComparison.Ordinal);
        Assert.Contains("""{"email":"example1@example.com"}""", requests, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("UseDevelopmentStorage=true", true)]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://azurite:10002/devstoreaccount1;", true)]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=x;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:51234/x;QueueEndpoint=http://localhost:51235/x;", true)]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=go1syncprod;AccountKey=a2V5;EndpointSuffix=core.windows.net", false)]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=x;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:1/x;QueueEndpoint=https://x.queue.core.windows.net/", false)]
    public void StorageIsLocal_ConnectionString_IsAzuriteOnlyForTheEmulatorOrLoopback(string connection, bool local)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = connection }).Build();
        Assert.Equal(local, StorageClients.IsLocal(configuration));
    }

    [Fact]
    public void StorageIsLocal_IdentityBasedUrisOfAnAccount_IsNotLocal()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage:tableServiceUri"] = "https://go1syncprod.table.core.windows.net",
            ["AzureWebJobsStorage:queueServiceUri"] = "https://go1syncprod.queue.core.windows.net",
        }).Build();
        Assert.False(StorageClients.IsLocal(configuration));
    }
}

/// <summary>
/// Tombstones written before keyed learner ids (SHA-256 partitions) cannot be rekeyed: the app moves
/// them into the one tombstone partition at start and keeps checking the legacy id, in one request.
/// Its own Azurite: a legacy tombstone turns the legacy check on for every host started on it.
/// </summary>
public sealed class LegacyTombstoneTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task LegacyTombstone_AfterTheKeyChange_TheLearnersEventsStayDroppedInOneStorageRequestAndTheMigrationCountsIt()
    {
        const string email = "erased.long.ago@example.com";
        var tables = new TableServiceClient(storage.Azurite.ConnectionString);
        await LegacyRows.WriteTombstoneAsync(tables, email);
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite);

        // Moved into the one partition at start, keeping its SHA-256 id; the legacy check is on.
        var tombstone = Assert.Single(tables.GetTableClient(TableNames.Tombstones).Query<TableEntity>());
        Assert.Equal((TableLearnerTombstones.Partition, LegacyRows.Id(email), LearnerIdKey.LegacyKeyId),
            (tombstone.PartitionKey, tombstone.RowKey, tombstone.GetString("LearnerIdKey")));
        Assert.True(host.Get<TableLearnerTombstones>().ChecksLegacy);

        Assert.Equal(202, (await host.PostLaunchAsync("late-launch", email, "tomb-course", "web", "2025-03-01T09:00:00Z")).Status);
        var message = (await host.Queue.ReceiveMessageAsync()).Value;
        host.Transactions.Reset();
        var outcome = await host.Get<AttemptEventProcessor>().ProcessAsync(message.MessageId, message.Body.ToString(), CancellationToken.None);

        // The tombstone check is one query (current or legacy id). The other requests: the aggregate's point
        // read (course partition; the listing's insert shows no legacy row in Attempts), the pair listed before
        // the check (course list, course registry: so an erasure running meanwhile sees it); once the tombstone
        // is found, the pair erased as the erasure would (a tombstone aggregate, the learner's stats, index and
        // change rows looked for with three range queries, the listing deleted); and the delivery outcome.
        Assert.Equal((5L, 4L, 5L, 0L), (host.Transactions.TableReads, host.Transactions.TableQueries, host.Transactions.TableWrites, host.Transactions.TableBatches));
        Assert.Equal(OutcomeKind.Erased, outcome.Kind);
        Assert.Empty(await host.AttemptsAsync(email, "tomb-course"));

        // Another learner's event pays the same one request for the check, and applies.
        Assert.Equal(202, (await host.PostLaunchAsync("alive-launch", "alive@example.com", "tomb-course", "web", "2025-03-01T09:00:00Z")).Status);
        Assert.Equal(1, (await host.DrainAsync()).SucceededCount);
        Assert.Single(await host.AttemptsAsync("alive@example.com", "tomb-course"));

        var report = await host.Get<LearnerIdMigration>().MigrateAsync(CancellationToken.None);
        Assert.Equal(1, report.TombstonesUnderOldSchemes[LearnerIdKey.LegacyKeyId]);
    }
}

/// <summary>
/// A rotation: rows and a tombstone made with one key (now <c>Learners__PreviousIdKey</c>) move to a
/// new <c>Learners__IdKey</c>; the erased learner stays erased. Its own Azurite (two keys on it).
/// </summary>
public sealed class LearnerIdRotationTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Rotation_RowsUnderThePreviousKey_MoveToTheNewKeyWithTheEventsAppliedMeanwhileAndAnErasedLearnerStaysErased()
    {
        var oldKey = LearnerIdKeySettingsTests.NewKey();
        var newKey = LearnerIdKeySettingsTests.NewKey(48);
        const string email = "rotated@example.com", erased = "rotated.erased@example.com", course = "rot-course";
        string oldId, oldErasedId;
        await using (var before = await Go1SyncTestHost.StartAsync(storage.Azurite, s => s["Learners:IdKey"] = oldKey))
        {
            await before.PostCourseAsync($$"""{"courseId":"{{course}}","durationMinutes":60}""");
            await before.PostLaunchAsync("r1", email, course, "web", "2025-04-01T09:00:00Z");
            await before.PostCompletionAsync("enr-r1", email, course, "2025-04-01T09:40:00Z", passed: true, score: 70);
            await before.PostLaunchAsync("r2", email, course, "mobile", "2025-04-02T09:00:00Z");
            await before.PostLaunchAsync("e1", erased, course, "web", "2025-04-01T09:00:00Z");
            await before.DrainAsync();
            await before.Get<LearnerErasure>().EraseAsync(erased, CancellationToken.None);
            oldId = before.Ids.Id(email);
            oldErasedId = before.Ids.Id(erased);
        }

        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite, s =>
        {
            s["Learners:IdKey"] = newKey;
            s["Learners:PreviousIdKey"] = oldKey;
        });
        var newId = host.Ids.Id(email);
        Assert.NotEqual(oldId, newId);
        // Deployed with the new key, before the migration: a completion of r2 under the new id, and a late event of the erased learner.
        await host.PostCompletionAsync("enr-r2", email, course, "2025-04-02T09:30:00Z", passed: false, score: 20);
        await host.PostLaunchAsync("e2", erased, course, "web", "2025-04-03T09:00:00Z");
        var drained = await host.DrainAsync();
        Assert.Equal(0, drained.FailedCount);
        Assert.Empty(await host.AttemptsAsync(erased, course));

        var report = await host.Get<LearnerIdMigration>().MigrateAsync(CancellationToken.None);

        Assert.Equal((1, 1, 1), (report.Learners, report.AggregatesMoved, report.AggregatesMerged));
        Assert.Equal(1, report.TombstonesUnderOldSchemes[new LearnerIdKey(Convert.FromBase64String(oldKey)).KeyId]);
        var attempts = await host.AttemptsAsync(email, course);
        Assert.Equal([("r1", "completed", "success"), ("r2", "completed", "failed")],
            attempts.Select(a => (a.AttemptId, a.Status.ToString().ToLowerInvariant(), a.Result.ToString().ToLowerInvariant())));
        var tables = host.Get<TableServiceClient>();
        // Only the erased learner's tombstones keep the old id: the one in Tombstones, and the tombstone aggregate
        // erasure left in the course partition (no email, no history: it cannot be rekeyed either).
        Assert.Equal([$"AttemptStats {course}/{CourseRows.Aggregate(oldErasedId)}", $"Tombstones {TableLearnerTombstones.Partition}/{oldErasedId}"],
            await LegacyRows.PlacesHoldingAsync(tables, oldId, oldErasedId));
        Assert.True((await host.Get<IAttemptStore>().GetAsync(new LearnerCourseKey(oldErasedId, KeyEncoding.Escape(course)), CancellationToken.None))?.Erased);
        Assert.True((await host.Get<LearnerIdMigration>().MigrateAsync(CancellationToken.None)).ChangedNothing);

        // Still erased after the migration: the previous key's tombstone is checked while the key is set.
        await host.PostLaunchAsync("e3", erased, course, "web", "2025-04-04T09:00:00Z");
        await host.DrainAsync();
        Assert.Empty(await host.AttemptsAsync(erased, course));
    }
}
