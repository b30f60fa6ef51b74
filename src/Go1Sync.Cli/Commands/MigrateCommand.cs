using Go1Sync.Infrastructure.Learners;

namespace Go1Sync.Cli.Commands;

/// <summary>
/// <c>migrate learner-ids</c>: moves every row keyed by an older learner id (legacy SHA-256, or
/// <c>Learners__PreviousIdKey</c>) to the current <c>Learners__IdKey</c> (<see cref="LearnerIdMigration"/>).
/// <c>migrate storage</c>: moves every aggregate of the layout before storage v3 into its course
/// partition (<see cref="StorageMigration"/>).
/// Both are safe to run while the app runs, and again after a failure; a second run changes nothing.
/// </summary>
internal sealed class MigrateCommand(TextWriter stdout, TextWriter stderr)
{
    public Task<int> LearnerIdsAsync(string? storage, bool json, CancellationToken cancellationToken) =>
        RunAsync(storage, json, (services, ct) => services.GetRequiredService<LearnerIdMigration>().MigrateAsync(ct), report =>
        {
            stdout.WriteLine($"learner ids: key {report.CurrentKeyId}; {report.Learners} learners under older ids");
            stdout.WriteLine($"aggregates: {report.AggregatesMoved} moved, {report.AggregatesMerged} of them merged into a row the new id already had");
            stdout.WriteLine($"read side: {report.StatsRowsDeleted} old stats rows and {report.OpenRowsDeleted} old open-index rows removed (the moved aggregates were written in full under their new ids)");
            stdout.WriteLine($"deliveries: {report.DeliveriesRewritten} rewritten, {report.DeliveriesUnmapped} kept without a learner id (their old id named no aggregate)");
            stdout.WriteLine($"Go1 user cache: {report.Go1UsersRekeyed} rekeyed, {report.Go1UsersDropped} dropped");
            stdout.WriteLine(report.TombstonesUnderOldSchemes.Count == 0
                ? "tombstones under old schemes: none"
                : "tombstones under old schemes (cannot be rekeyed; still checked): " + string.Join(", ", report.TombstonesUnderOldSchemes.Select(t =>
                    $"{t.Key}={t.Value}{(t.Key == LearnerIdKey.LegacyKeyId ? " (legacy SHA-256, checked while any exist)" : " (keep Learners__PreviousIdKey set to that key)")}")));
            return report.ChangedNothing;
        }, cancellationToken);

    public Task<int> StorageAsync(string? storage, bool json, CancellationToken cancellationToken) =>
        RunAsync(storage, json, (services, ct) => services.GetRequiredService<StorageMigration>().MigrateAsync(ct), report =>
        {
            stdout.WriteLine($"aggregates: {report.AggregatesMoved} moved into their course partition with their read side, {report.AlreadyMoved} found moved already (their Attempts row is now a course-list row)");
            stdout.WriteLine($"legacy open-attempt index: {report.LegacyIndexRowsDeleted} rows deleted");
            if (report.LeftForLearnerIdMigration > 0)
                stdout.WriteLine($"{report.LeftForLearnerIdMigration} aggregates under an older learner-id scheme left alone: run go1sync migrate learner-ids, which moves them too");
            return report.ChangedNothing;
        }, cancellationToken);

    /// <summary>Runs a migration and prints its report (<paramref name="print"/> says whether it changed nothing).</summary>
    private async Task<int> RunAsync<TReport>(string? storage, bool json, Func<IServiceProvider, CancellationToken, Task<TReport>> migrate, Func<TReport, bool> print, CancellationToken cancellationToken)
    {
        using var host = await CliHost.StartAsync(storage, stderr, cancellationToken);
        TReport report;
        try
        {
            report = await migrate(host.Services, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException or ConcurrencyExhaustedException)
        {
            throw new CliException(ExitCodes.Failed, $"{ex.Message} The rows before it were migrated; running the migration again is safe.");
        }

        if (json)
            Output.WriteJson(stdout, report);
        else
            stdout.WriteLine(print(report) ? "nothing left to migrate" : "done; running it again changes nothing");
        await host.StopAsync(cancellationToken);
        return ExitCodes.Ok;
    }
}
