using System.Text.Json;
using Go1Sync.Core.Attempts;
using Go1Sync.Core.Intake;
using Go1Sync.Core.Learners;
using Go1Sync.Core.Processing;
using Go1Sync.Core.Reporting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Go1Sync.Cli.Commands;

/// <summary>
/// Applies a JSON Lines file of courses, launches and completions in file order through the
/// processor and tables the Functions app uses. Idempotent: re-running a file changes nothing,
/// so a file that stopped at a bad line can be fixed and run again.
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
        var now = asOf ?? services.GetRequiredService<TimeProvider>().GetUtcNow();
        var processor = services.GetRequiredService<AttemptEventProcessor>();
        var catalogue = services.GetRequiredService<ICourseCatalogue>();
        var touched = new SortedSet<(string Email, string CourseId)>();

        var lineNumber = 0;
        foreach (var line in await File.ReadAllLinesAsync(events.FullName, cancellationToken))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var error = await ApplyLineAsync(line, lineNumber, now, processor, catalogue, touched, cancellationToken);
            if (error is not null)
            {
                await stderr.WriteLineAsync($"error: line {lineNumber}: {error}");
                await stderr.WriteLineAsync($"Lines before {lineNumber} were applied; fix the line and run the file again (applying it twice changes nothing).");
                return ExitCodes.BadInput;
            }
        }

        var store = services.GetRequiredService<IAttemptStore>();
        var rules = services.GetRequiredService<AttemptRules>();
        var rows = new List<AttemptRow>();
        foreach (var (email, courseId) in touched)
        {
            var stored = await store.GetAsync(LearnerCourseKey.For(email, courseId), cancellationToken);
            if (stored is null) continue;
            rows.AddRange(rules.Fold(stored.History).Select(a => AttemptRow.From(rules.Report(a, now))));
        }

        if (json) Output.WriteJson(stdout, rows);
        else Output.WriteTable(stdout, rows);
        await host.StopAsync(cancellationToken);
        return ExitCodes.Ok;
    }

    private static async Task<string?> ApplyLineAsync(
        string line, int lineNumber, DateTimeOffset now, AttemptEventProcessor processor, ICourseCatalogue catalogue,
        SortedSet<(string, string)> touched, CancellationToken cancellationToken)
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

        EventEnvelope envelope;
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
                envelope = EventEnvelope.ForLaunch(launch.Value!, $"replay:launch:{launch.Value!.AttemptId}:{Instants.Format(launch.Value.LaunchedAt)}", now);
                touched.Add((LearnerEmail.Normalize(launch.Value.Email), launch.Value.CourseId));
                break;
            case "completion":
                var completion = ReplayCompletionIntake.Read(record, now);
                if (!completion.IsValid) return Describe(completion.Errors);
                envelope = EventEnvelope.ForCompletion(completion.Value!, $"replay:completion:{completion.Value!.EnrolmentId}:{Instants.Format(completion.Value.CompletedAt!.Value)}", now);
                touched.Add((LearnerEmail.Normalize(completion.Value.Email!), completion.Value.CourseId!));
                break;
            default:
                return "'type' must be one of course, launch, completion.";
        }

        var outcome = await processor.ProcessAsync(envelope.Id, envelope.ToJson(), cancellationToken);
        return outcome.Kind == OutcomeKind.Parked ? $"the event was parked: {outcome.Reason}" : null;
    }

    private static string Describe(FieldErrors errors) =>
        string.Join("; ", errors.ToDictionary().SelectMany(e => e.Value));
}

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int BadInput = 1;
    /// <summary>The work failed (Go1 or storage answered an error); running it again is safe.</summary>
    public const int Failed = 2;
    /// <summary>Another run holds the reconciliation lease; try again later.</summary>
    public const int Busy = 3;
}
