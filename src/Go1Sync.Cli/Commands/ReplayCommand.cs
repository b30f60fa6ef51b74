using System.Text.Json;
using Go1Sync.Core.Intake;
using Microsoft.Extensions.Hosting;

namespace Go1Sync.Cli.Commands;

/// <summary>
/// Applies a JSON Lines file of courses, launches and completions in file order through the
/// processor and tables the Functions app uses. Idempotent: re-running a file changes nothing,
/// so a file that stopped at a bad line can be fixed and run again. Each launch and completion is
/// logged in the delivery log (source replay, received at the clock's now) before it is applied.
/// The clock validates the lines too; <c>asOf</c> (--now) is only the instant the report is for.
/// </summary>
internal sealed class ReplayCommand(TextWriter stdout, TextWriter stderr)
{
    public async Task<int> RunAsync(FileInfo events, string? storage, DateTimeOffset? asOf, bool json, CancellationToken cancellationToken)
    {
        if (!events.Exists)
        {
            await stderr.WriteLineAsync($"error: the events file {events.FullName} does not exist.");
            return ExitCodes.BadInput;
        }

        using var host = await CliHost.StartAsync(storage, stderr, cancellationToken);
        var services = host.Services;
        var time = services.GetRequiredService<TimeProvider>();
        var ids = services.GetRequiredService<LearnerIds>();
        var replay = new Replay(events.Name, time, services.GetRequiredService<AttemptEventProcessor>(),
            services.GetRequiredService<ICourseCatalogue>(), ids);

        var lineNumber = 0;
        foreach (var line in await File.ReadAllLinesAsync(events.FullName, cancellationToken))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var error = await replay.ApplyLineAsync(line, lineNumber, cancellationToken);
            if (error is not null)
            {
                await stderr.WriteLineAsync($"error: line {lineNumber}: {error}");
                await stderr.WriteLineAsync($"Lines before {lineNumber} were applied; fix the line and run the file again (applying it twice changes nothing).");
                await host.StopAsync(cancellationToken);
                return ExitCodes.BadInput;
            }
        }

        var now = asOf ?? time.GetUtcNow();

        var store = services.GetRequiredService<IAttemptStore>();
        var rules = services.GetRequiredService<AttemptRules>();
        var rows = new List<AttemptReport>();
        foreach (var (email, courseId) in replay.Touched)
        {
            var stored = await store.GetAsync(LearnerCourseKey.For(ids, email, courseId), cancellationToken);
            if (stored is null) continue;
            rows.AddRange(rules.StateOf(stored.History, stored.Fold).Attempts.Select(a => rules.Report(a, now)));
        }

        if (json) Output.WriteJson(stdout, rows);
        else Output.WriteTable(stdout, rows);
        await host.StopAsync(cancellationToken);
        return ExitCodes.Ok;
    }

}

/// <summary>One replay of one file: applies its lines and remembers which (learner, course) they touched.</summary>
internal sealed class Replay(string fileName, TimeProvider time, AttemptEventProcessor processor, ICourseCatalogue catalogue, LearnerIds ids)
{
    public SortedSet<(string Email, string CourseId)> Touched { get; } = new();

    /// <summary>Applies one line; returns what is wrong with it, or null.</summary>
    public async Task<string?> ApplyLineAsync(string line, int lineNumber, CancellationToken cancellationToken)
    {
        JsonElement record;
        try
        {
            using var document = JsonDocument.Parse(line);
            record = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return $"not valid JSON ({ex.Message})";
        }
        if (record.ValueKind != JsonValueKind.Object) return "not a JSON object";
        var type = record.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;

        var now = time.GetUtcNow();
        EventEnvelope envelope;
        DeliveryReceipt receipt;
        switch (type)
        {
            case "course":
                var course = CourseIntake.Read(record, null, now);
                if (!course.IsValid) return Describe(course.Errors);
                await catalogue.UpsertAsync(course.Value!, cancellationToken);
                return null;
            case "launch":
                var launch = LaunchIntake.Read(record, now);
                if (!launch.IsValid) return Describe(launch.Errors);
                envelope = EventEnvelope.ForLaunch(launch.Value!, EventIds.Replayed(EventIds.Launch(launch.Value!.AttemptId, launch.Value.LaunchedAt)), now);
                receipt = Receipt(envelope, lineNumber, launch.Value.Email) with { AttemptId = launch.Value.AttemptId };
                Touched.Add((LearnerEmail.Normalize(launch.Value.Email), launch.Value.CourseId));
                break;
            case "completion":
                var completion = ReplayCompletionIntake.Read(record, now);
                if (!completion.IsValid) return Describe(completion.Errors);
                envelope = EventEnvelope.ForCompletion(completion.Value!, EventIds.ReplayedCompletion(completion.Value!.EnrolmentId, completion.Value.CompletedAt!.Value), now);
                receipt = Receipt(envelope, lineNumber, completion.Value.Email!) with { EnrolmentId = completion.Value.EnrolmentId };
                Touched.Add((LearnerEmail.Normalize(completion.Value.Email!), completion.Value.CourseId!));
                break;
            default:
                return "'type' must be one of course, launch, completion.";
        }

        // The receipt rides in the message, as the HTTP edge queues it; the processor writes it with the outcome.
        envelope = envelope.WithReceipt(receipt);
        var outcome = await processor.ProcessAsync(envelope.Id, envelope.ToJson(), cancellationToken);
        return outcome.Kind == OutcomeKind.Parked ? $"the event was parked: {outcome.Reason}" : null;
    }

    /// <summary>Nothing came over HTTP: no signature, no answer; the detail says where the event came from.</summary>
    private DeliveryReceipt Receipt(EventEnvelope envelope, int lineNumber, string email) =>
        new(envelope.Id, envelope.Kind, null, envelope.ReceivedAt, "n/a", 0,
            LearnerHash: ids.Id(email), Detail: $"{fileName} line {lineNumber}", Source: DeliverySources.Replay, LearnerIdKey: ids.CurrentKeyId);

    private static string Describe(FieldErrors errors) =>
        string.Join("; ", errors.ToDictionary().SelectMany(e => e.Value));
}
