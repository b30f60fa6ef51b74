using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Go1Sync.Infrastructure.Configuration;

/// <summary>
/// Table and Queue clients from the same setting the Functions host uses, <c>AzureWebJobsStorage</c>:
/// a connection string locally (<c>UseDevelopmentStorage=true</c>), identity-based
/// (<c>AzureWebJobsStorage__tableServiceUri</c>, <c>__queueServiceUri</c>, <c>__credential</c>, <c>__clientId</c>) in Azure.
/// </summary>
public static class StorageClients
{
    public const string Setting = "AzureWebJobsStorage";

    public static void Add(IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(Setting);
        var counter = new StorageTransactionCounter();
        services.AddSingleton(counter);

        services.AddAzureClients(builder =>
        {
            if (!string.IsNullOrWhiteSpace(section.Value))
            {
                builder.AddTableServiceClient(section.Value).ConfigureOptions(o => Table(o, counter));
                builder.AddQueueServiceClient(section.Value).ConfigureOptions(o => Queue(o, counter));
            }
            else
            {
                var tableUri = Required(section, "tableServiceUri");
                var queueUri = Required(section, "queueServiceUri");
                builder.AddTableServiceClient(tableUri).ConfigureOptions(o => Table(o, counter));
                builder.AddQueueServiceClient(queueUri).ConfigureOptions(o => Queue(o, counter));
                builder.UseCredential(Credential(section));
            }
        });
    }

    /// <summary>
    /// Table requests are bounded: 10 s a try, 3 retries, 4 s between them at most, about 50 s in
    /// all, so a write commits (or fails) well within <c>Feed__SafeLag</c> (1 minute) of the stamp its
    /// change rows carry, and a feed reader never passes a write still in flight.
    /// </summary>
    private static void Table(TableClientOptions options, StorageTransactionCounter counter)
    {
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        options.Retry.MaxRetries = 3;
        options.Retry.MaxDelay = TimeSpan.FromSeconds(4);
        options.AddPolicy(counter.TablePolicy, HttpPipelinePosition.PerRetry);
    }

    /// <summary>The well-known account of Azurite and the storage emulator.</summary>
    public const string DevelopmentAccount = "devstoreaccount1";

    /// <summary>
    /// Whether the storage the settings name is local: <c>UseDevelopmentStorage=true</c>, the
    /// emulator's account, or endpoints on a loopback address (Azurite on free ports, as the tests
    /// run it). Nothing configured counts as local too: that failure is the storage setting's to report.
    /// </summary>
    public static bool IsLocal(IConfiguration configuration)
    {
        var section = configuration.GetSection(Setting);
        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            var parts = section.Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(p => p.Split('=', 2))
                .Where(p => p.Length == 2)
                .GroupBy(p => p[0].Trim(), StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.Last()[1].Trim(), StringComparer.OrdinalIgnoreCase);
            if (parts.TryGetValue("UseDevelopmentStorage", out var development) && string.Equals(development, "true", StringComparison.OrdinalIgnoreCase)) return true;
            if (parts.TryGetValue("AccountName", out var account) && account == DevelopmentAccount) return true;
            var endpoints = new[] { "TableEndpoint", "QueueEndpoint", "BlobEndpoint" }.Where(parts.ContainsKey).Select(e => parts[e]).ToList();
            return endpoints.Count > 0 && endpoints.All(IsLoopback);
        }
        var uris = new[] { "tableServiceUri", "queueServiceUri" }.Select(n => section[n]).Where(u => !string.IsNullOrWhiteSpace(u)).ToList();
        return uris.All(IsLoopback);
    }

    private static bool IsLoopback(string? value) => Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.IsLoopback;

    /// <summary>Base64, as the queue trigger expects by default: a mismatch would poison every message.</summary>
    private static void Queue(QueueClientOptions options, StorageTransactionCounter counter)
    {
        options.MessageEncoding = QueueMessageEncoding.Base64;
        options.AddPolicy(counter.QueuePolicy, HttpPipelinePosition.PerRetry);
    }

    private static Uri Required(IConfigurationSection section, string name)
    {
        var value = section[name];
        if (string.IsNullOrWhiteSpace(value))
            throw new InvalidOperationException(
                $"The setting {Setting} is missing: set it to a connection string (UseDevelopmentStorage=true for Azurite), or set {Setting}__{name} and its siblings for identity-based access.");
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri))
            throw new InvalidOperationException($"The setting {Setting}__{name} is not an absolute URI.");
        return uri;
    }

    private static TokenCredential Credential(IConfigurationSection section)
    {
        var clientId = section["clientId"];
        return string.Equals(section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(string.IsNullOrWhiteSpace(clientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential();
    }
}
