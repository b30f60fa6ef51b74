namespace Go1Sync.Infrastructure.Storage;

/// <summary>
/// The tables that hold rows keyed by a learner id: what an erasure deletes (<see cref="Erasure.LearnerErasure"/>)
/// and the learner-id migration moves (<see cref="Learners.LearnerIdMigration"/>).
/// </summary>
internal sealed class LearnerTables(TableServiceClient tables)
{
    public TableClient Attempts { get; } = tables.GetTableClient(TableNames.Attempts);
    public TableClient Stats { get; } = tables.GetTableClient(TableNames.AttemptStats);
    public TableClient Open { get; } = tables.GetTableClient(TableNames.OpenAttempts);
    public TableClient Users { get; } = tables.GetTableClient(TableNames.Go1Users);
    public TableClient Deliveries { get; } = tables.GetTableClient(TableNames.Deliveries);
}
