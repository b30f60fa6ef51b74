using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Go1Sync.Infrastructure.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Go1Sync.Infrastructure.Tests;

/// <summary>
/// A connection string with an account key signs table requests with an account SAS made from the
/// key (<see cref="TableAccountSas"/>: Azure.Data.Tables' per-request shared-key signing leaks an
/// HMAC per request to the finalizer), renewed when half of its lifetime is gone.
/// </summary>
public sealed class TableAccountSasTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private sealed class PipelineOptions : ClientOptions;

    private static void Send(TableAccountSas sas) => sas.OnSendingRequest(HttpPipelineBuilder.Build(new PipelineOptions()).CreateMessage());

    [Fact]
    public async Task TableServiceClient_KeyedConnectionString_IsTheAccountSasClientAndItsRequestsSucceed()
    {
        var services = new ServiceCollection();
        StorageClients.Add(services, new ConfigurationBuilder().AddInMemoryCollection([new(StorageClients.Setting, storage.Azurite.ConnectionString)]).Build());
        using var provider = services.BuildServiceProvider();

        var sas = provider.GetRequiredService<TableAccountSas>();
        var table = provider.GetRequiredService<TableServiceClient>().GetTableClient("Sas" + Guid.NewGuid().ToString("N")[..8]);
        await table.CreateIfNotExistsAsync();
        await table.SubmitTransactionAsync([new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "r") { ["V"] = 1 })]);

        Assert.Equal(1, (await table.GetEntityAsync<TableEntity>("p", "r")).Value.GetInt32("V"));
        Assert.Contains("sig=", sas.Credential.Signature);
        Assert.Contains("sp=", sas.Credential.Signature);
    }

    [Fact]
    public async Task TableAccountSas_HalfItsLifetimeGone_IsRenewedByTheNextRequestAndTheNewOneIsAccepted()
    {
        // Started so that the renewal lands at the real now: Azurite judges the SAS by its real clock.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow - TableAccountSas.Lifetime / 2 - TimeSpan.FromMinutes(1));
        var sas = new TableAccountSas(storage.Azurite.ConnectionString, time);
        var first = sas.Credential.Signature;
        var firstExpiry = sas.ExpiresOn;

        time.Advance(TableAccountSas.Lifetime / 2 - TimeSpan.FromMinutes(1));
        Send(sas);
        Assert.Equal(first, sas.Credential.Signature);

        time.Advance(TimeSpan.FromMinutes(2));
        Send(sas);

        Assert.NotEqual(first, sas.Credential.Signature);
        Assert.Equal(time.GetUtcNow() + TableAccountSas.Lifetime, sas.ExpiresOn);
        Assert.True(sas.ExpiresOn > firstExpiry);
        var table = new TableServiceClient(sas.Endpoint, sas.Credential).GetTableClient("Renewed" + Guid.NewGuid().ToString("N")[..8]);
        await table.CreateIfNotExistsAsync();
        await table.AddEntityAsync(new TableEntity("p", "r"));
    }
}
