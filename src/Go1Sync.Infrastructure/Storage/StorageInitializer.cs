using Microsoft.Extensions.Hosting;

namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// Creates the tables and queues at start if they are missing (Azurite starts empty), then readies
/// the tombstones (<see cref="Erasure.TableLearnerTombstones.InitializeAsync"/>) before any event is processed.
/// </summary>
public sealed class StorageInitializer(TableServiceClient tables, QueueServiceClient queues, IOptions<QueueOptions> options, Erasure.TableLearnerTombstones tombstones) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var table in TableNames.All)
            await tables.CreateTableIfNotExistsAsync(table, cancellationToken).ConfigureAwait(false);
        await queues.GetQueueClient(options.Value.AttemptEventsQueue).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await queues.GetQueueClient(options.Value.PoisonQueue).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await tombstones.InitializeAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
