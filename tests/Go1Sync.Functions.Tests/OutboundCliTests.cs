using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Go1Sync.Core.Outbound;
using Go1Sync.Infrastructure.Outbound;

namespace Go1Sync.Functions.Tests;

/// <summary>
/// <c>go1sync outbound list|redeliver|enable</c> through the real command parser against Azurite (the
/// class has its own, so the <c>Outbound</c> table holds only what its tests write; they run one after
/// the other and each starts from an empty table).
/// </summary>
public sealed class OutboundCliTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await Go1Sync.Cli.Cli.RunAsync([.. args, "--storage", storage.Azurite.ConnectionString], stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private async Task<TableOutboundStore> EmptyStoreAsync()
    {
        var tables = new TableServiceClient(storage.Azurite.ConnectionString);
        var table = tables.GetTableClient(TableNames.Outbound);
        await table.CreateIfNotExistsAsync();
        await foreach (var row in table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"]))
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        return new TableOutboundStore(tables);
    }

    private static ParkedWebhook Parked(string id) => new(id,
        """{"type":"attempt.updated","timestamp":"2025-03-10T12:00:00.000Z","data":{"email":"parked.learner@example.com"}}""",
        Core.Reporting.ChangeCursor.Encode(new Core.Reporting.ChangePosition(638772840000000000, "course-1", "chg_x")),
        DateTimeOffset.Parse("2025-03-10T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture), 10, 500, "answered 500",
        DateTimeOffset.Parse("2025-03-12T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task OutboundList_NeverStartedAndOff_JsonSaysOffActiveWithNoCursorAndNothingParked()
    {
        await EmptyStoreAsync();

        var (exit, output, errors) = await RunAsync("outbound", "list", "--json");

        Assert.True(exit == 0, errors);
        var json = JsonNode.Parse(output)!;
        Assert.False(json["configured"]!.GetValue<bool>());
        Assert.Equal(OutboundStatus.Active, json["endpoint"]!["status"]!.GetValue<string>());
        Assert.Null(json["endpoint"]!["cursor"]);
        Assert.Empty(json["parked"]!.AsArray());
    }

    [Fact]
    public async Task OutboundList_ParkedChange_ListsItsIdAndAttemptsNeverItsBody()
    {
        var store = await EmptyStoreAsync();
        await store.ParkAsync(Parked("chg_0123456789abcdef0123456789abcdef"), CancellationToken.None);

        var text = await RunAsync("outbound", "list");
        var json = await RunAsync("outbound", "list", "--json");

        Assert.True(text.Exit == 0, text.Err);
        Assert.Contains("1 parked", text.Out, StringComparison.Ordinal);
        Assert.Contains("chg_0123456789abcdef0123456789abcdef", text.Out, StringComparison.Ordinal);
        var parked = Assert.Single(JsonNode.Parse(json.Out)!["parked"]!.AsArray())!;
        Assert.Equal(10, parked["attempts"]!.GetValue<int>());
        Assert.DoesNotContain("parked.learner@example.com", text.Out + json.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutboundRedeliver_FromLatest_MovesTheCursorAndClearsAResync()
    {
        var store = await EmptyStoreAsync();
        await store.SaveAsync(new OutboundState { Cursor = "old", NeedsResync = true, NeedsResyncSince = DateTimeOffset.UtcNow }, null, CancellationToken.None);

        var (exit, output, errors) = await RunAsync("outbound", "redeliver", "--from", "latest", "--json");

        Assert.True(exit == 0, errors);
        var (state, _) = await store.ReadAsync(CancellationToken.None);
        Assert.False(state.NeedsResync);
        Assert.NotNull(Core.Reporting.ChangeCursor.TryDecode(state.Cursor!));
        Assert.Equal(state.Cursor, JsonNode.Parse(output)!["cursor"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(new[] { "outbound", "redeliver" }, "exactly one of")]
    [InlineData(new[] { "outbound", "redeliver", "--all-failed", "--from", "latest" }, "exactly one of")]
    [InlineData(new[] { "outbound", "redeliver", "--from", "not-a-cursor" }, "--from")]
    public async Task OutboundRedeliver_BadChoice_ExitsOneNamingWhatIsWrong(string[] args, string named)
    {
        var (exit, _, errors) = await RunAsync(args);

        Assert.Equal(1, exit);
        Assert.Contains(named, errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutboundRedeliver_WebhookIdWhileOff_ExitsThreeNamingOutboundUrl()
    {
        await EmptyStoreAsync();

        var (exit, _, errors) = await RunAsync("outbound", "redeliver", "chg_0123456789abcdef0123456789abcdef");

        Assert.Equal(3, exit);
        Assert.Contains("Outbound__Url", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutboundEnable_DisabledEndpoint_IsActiveAgainKeepingItsCursor()
    {
        var store = await EmptyStoreAsync();
        await store.SaveAsync(new OutboundState { Cursor = "kept", Status = OutboundStatus.Disabled, DisabledReason = "the endpoint answered 410 Gone", DisabledAt = DateTimeOffset.UtcNow }, null, CancellationToken.None);

        var (exit, _, errors) = await RunAsync("outbound", "enable");

        Assert.True(exit == 0, errors);
        var (state, _) = await store.ReadAsync(CancellationToken.None);
        Assert.Equal((OutboundStatus.Active, "kept", (string?)null), (state.Status, state.Cursor, state.DisabledReason));
    }

    [Fact]
    public async Task OutboundRedeliver_ParkedWebhookIdAsAProcessWithTheSettings_SendsItSignedWithTheSameIdAndUnparksIt()
    {
        var store = await EmptyStoreAsync();
        var parked = Parked("chg_fedcba9876543210fedcba9876543210");
        await store.ParkAsync(parked, CancellationToken.None);
        using var receiver = new WebhookReceiver();

        var (exit, output, errors) = await CliTests.RunProcessAsync(new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = storage.Azurite.ConnectionString,
            ["Outbound__Url"] = receiver.Url,
            ["Outbound__Secret"] = WebhookReceiver.Secret,
        }, "outbound", "redeliver", parked.WebhookId);

        Assert.True(exit == 0, errors);
        Assert.Contains("1 redelivered", output, StringComparison.Ordinal);
        var received = Assert.Single(receiver.Accepted);
        Assert.Equal((parked.WebhookId, parked.Body), (received.WebhookId, received.Body));
        Assert.Equal(0, receiver.BadSignatures);
        Assert.Empty(await store.ListParkedAsync(CancellationToken.None));
        Assert.DoesNotContain(WebhookReceiver.Secret["whsec_".Length..], output + errors, StringComparison.Ordinal);
    }
}
