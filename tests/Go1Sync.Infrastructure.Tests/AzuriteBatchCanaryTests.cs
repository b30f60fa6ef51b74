using Azure;
using Azure.Data.Tables;

namespace Go1Sync.Infrastructure.Tests;

/// <summary>
/// What the one-batch write of an event (issue #14) rests on, checked on the Azurite the tests run
/// on as Azure documents it: an entity-group transaction is all or nothing, an If-Match update
/// inside it with a stale ETag fails the whole batch (412) and writes none of it, and an insert of
/// a row that exists fails it too (409). If Azurite stopped enforcing this, every test of the
/// guarded batch would prove nothing: these fail first.
/// </summary>
public sealed class AzuriteBatchCanaryTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Batch_StaleIfMatchUpdateBesideAnUpsert_FailsWholeAndLeavesTheOtherRowUnchanged()
    {
        var table = await TableAsync();
        var first = await table.AddEntityAsync(new TableEntity("p", "h_1") { ["V"] = 1 });
        await table.AddEntityAsync(new TableEntity("p", "s_1") { ["V"] = 1 });
        await table.UpdateEntityAsync(new TableEntity("p", "h_1") { ["V"] = 2 }, first.Headers.ETag!.Value, TableUpdateMode.Replace);

        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.UpdateReplace, new TableEntity("p", "h_1") { ["V"] = 3 }, first.Headers.ETag!.Value),
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("p", "s_1") { ["V"] = 3 }),
        ]));

        Assert.Equal(412, error.Status);
        Assert.Equal(2, (await table.GetEntityAsync<TableEntity>("p", "h_1")).Value.GetInt32("V"));
        Assert.Equal(1, (await table.GetEntityAsync<TableEntity>("p", "s_1")).Value.GetInt32("V"));
    }

    [Fact]
    public async Task Batch_IfMatchUpdateWithTheCurrentETagBesideAnUpsert_CommitsBoth()
    {
        var table = await TableAsync();
        var added = await table.AddEntityAsync(new TableEntity("p", "h_1") { ["V"] = 1 });

        var response = await table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.UpdateReplace, new TableEntity("p", "h_1") { ["V"] = 2 }, added.Headers.ETag!.Value),
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("p", "s_1") { ["V"] = 2 }),
        ]);

        Assert.Equal(2, response.Value.Count);
        Assert.Equal(2, (await table.GetEntityAsync<TableEntity>("p", "h_1")).Value.GetInt32("V"));
        Assert.Equal(2, (await table.GetEntityAsync<TableEntity>("p", "s_1")).Value.GetInt32("V"));
    }

    [Fact]
    public async Task Batch_AddOfAnExistingRowBesideAnUpsert_FailsWholeWith409()
    {
        var table = await TableAsync();
        await table.AddEntityAsync(new TableEntity("p", "h_1") { ["V"] = 1 });

        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "h_1") { ["V"] = 2 }),
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("p", "s_1") { ["V"] = 2 }),
        ]));

        Assert.Equal(409, error.Status);
        Assert.Equal(1, (await table.GetEntityAsync<TableEntity>("p", "h_1")).Value.GetInt32("V"));
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>("p", "s_1")).HasValue);
    }

    private async Task<TableClient> TableAsync()
    {
        var table = new TableServiceClient(storage.Azurite.ConnectionString).GetTableClient("canary" + Guid.NewGuid().ToString("N")[..12]);
        await table.CreateAsync();
        return table;
    }
}
