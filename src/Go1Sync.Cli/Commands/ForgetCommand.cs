using Go1Sync.Infrastructure.Erasure;

namespace Go1Sync.Cli.Commands;

/// <summary><c>forget --email</c>: erase one learner everywhere and leave a tombstone (<see cref="LearnerErasure"/>).</summary>
internal sealed class ForgetCommand(TextWriter stdout, TextWriter stderr)
{
    public async Task<int> RunAsync(string email, string? storage, bool json, CancellationToken cancellationToken)
    {
        if (!LearnerEmail.IsValid(email.Trim()))
            throw new CliException(ExitCodes.BadInput, "Option '--email' must be a plain email address (local part, @, domain).");
        using var host = await CliHost.StartAsync(storage, stderr, cancellationToken);
        var report = await host.Services.GetRequiredService<LearnerErasure>().EraseAsync(email.Trim(), cancellationToken);
        if (json) Output.WriteJson(stdout, report);
        else stdout.WriteLine($"learner {LearnerEmail.Mask(email)} erased at {report.ErasedAt:O}: {report.Attempts} aggregates (course list in Attempts deleted, aggregates in AttemptStats tombstoned), {report.AttemptStats} stats rows (AttemptStats), " +
            $"{report.OpenAttempts} open-index rows (AttemptStats, legacy OpenAttempts), {report.Go1Users} Go1 user rows (Go1Users), {report.Deliveries} delivery records (Deliveries, AttemptStats), " +
            $"{report.Parked} parked and {report.Poison} poison messages; a tombstone drops their later events");
        await host.StopAsync(cancellationToken);
        return ExitCodes.Ok;
    }
}
