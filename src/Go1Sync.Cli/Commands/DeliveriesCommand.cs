namespace Go1Sync.Cli.Commands;

/// <summary>"What happened to this completion?" from the delivery log: receipt, signature, answer, outcome.</summary>
internal sealed class DeliveriesCommand(TextWriter stdout, TextWriter stderr)
{
    public async Task<int> RunAsync(DateTimeOffset since, string? enrolment, string? email, string? storage, bool json, CancellationToken cancellationToken)
    {
        using var host = await CliHost.StartAsync(storage, stderr, cancellationToken);
        var records = await host.Services.GetRequiredService<IDeliveryLog>()
            .FindAsync(new DeliveryQuery(since, enrolment, email is null ? null : host.Services.GetRequiredService<LearnerIds>().Id(email)), cancellationToken);
        if (json)
        {
            Output.WriteJson(stdout, records);
        }
        else
        {
            foreach (var r in records)
                stdout.WriteLine($"{r.ReceivedAt:O}  {r.Source}  {r.Identity}  {r.Kind}/{r.EventType ?? "-"}  {Receipt(r)}" +
                    $"enrolment {r.EnrolmentId ?? "-"}  outcome {r.Outcome ?? "(not processed yet)"}{(r.OutcomeDetail is null ? "" : ": " + r.OutcomeDetail)}");
            stdout.WriteLine($"{records.Count} delivery record(s) since {since:O}");
        }
        await host.StopAsync(cancellationToken);
        return ExitCodes.Ok;
    }

    /// <summary>A signature and an HTTP answer exist only for what came over HTTP; other sources say where the event came from.</summary>
    private static string Receipt(DeliveryRecord r) => r.Source == DeliverySources.Http
        ? $"signature {r.Signature}  answered {r.HttpStatus}  "
        : r.Detail is null ? "" : $"from {r.Detail}  ";
}
