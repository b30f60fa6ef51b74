using Azure.Core;
using Azure.Identity;
using Azure.Storage.Queues;
using Go1Sync.Infrastructure.Storage;
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
                builder.AddTableServiceClient(section.Value).ConfigureOptions(o => o.AddPolicy(counter.TablePolicy, HttpPipelinePosition.PerRetry));
                builder.AddQueueServiceClient(section.Value).ConfigureOptions(o => Queue(o, counter));
            }
            else
            {
                var tableUri = Required(section, "tableServiceUri");
                var queueUri = Required(section, "queueServiceUri");
                builder.AddTableServiceClient(tableUri).ConfigureOptions(o => o.AddPolicy(counter.TablePolicy, HttpPipelinePosition.PerRetry));
                builder.AddQueueServiceClient(queueUri).ConfigureOptions(o => Queue(o, counter));
                builder.UseCredential(Credential(section));
            }
        });
    }

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
