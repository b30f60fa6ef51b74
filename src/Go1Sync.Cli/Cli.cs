using System.CommandLine;
using System.Globalization;
using Go1Sync.Cli.Commands;

namespace Go1Sync.Cli;

/// <summary>The command tree. Tests call <see cref="RunAsync"/> with their own writers.</summary>
public static class Cli
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var storage = new Option<string?>("--storage") { Description = "Storage connection string (default: AzureWebJobsStorage from the environment, else UseDevelopmentStorage=true)." };
        var now = new Option<string?>("--now") { Description = "Report status and progress as of this ISO-8601 instant (default: now)." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };

        var events = new Option<FileInfo>("--events") { Description = "JSON Lines file of course, launch and completion records.", Required = true };
        var replay = new Command("replay", "Apply a JSON Lines file in file order through the processor and tables, then print the attempts it touched.") { events, storage, now, json };
        replay.SetAction((result, ct) => WithNow(result.GetValue(now), stderr, asOf =>
            new ReplayCommand(stdout, stderr).RunAsync(result.GetValue(events)!, result.GetValue(storage), asOf, result.GetValue(json), ct)));

        var course = new Option<string>("--course") { Description = "The Go1 learning-object id.", Required = true };
        var stats = new Command("stats", "Print a course's attempts and summary.") { course, storage, now, json };
        stats.SetAction((result, ct) => WithNow(result.GetValue(now), stderr, asOf =>
            new StatsCommand(stdout, stderr).RunAsync(result.GetValue(course)!, result.GetValue(storage), asOf, result.GetValue(json), ct)));

        var since = new Option<string>("--since") { Description = "ISO-8601 instant: deliveries received since then.", Required = true };
        var enrolment = new Option<string?>("--enrolment") { Description = "Only this Go1 enrolment id." };
        var email = new Option<string?>("--email") { Description = "Only this learner (hashed for the look-up; never stored in clear)." };
        var deliveries = new Command("deliveries", "What happened to a delivery: receipt, signature, HTTP answer and processing outcome.") { since, enrolment, email, storage, json };
        deliveries.SetAction((result, ct) => WithNow(result.GetValue(since), stderr, asOf =>
            new DeliveriesCommand(stdout, stderr).RunAsync(asOf!.Value, result.GetValue(enrolment), result.GetValue(email), result.GetValue(storage), result.GetValue(json), ct)));

        var once = new Option<bool>("--once") { Description = "Run one sweep now (the only mode: the schedule belongs to the Functions app).", Required = true };
        var sweep = new Command("sweep", "Reconcile stale open attempts with Go1 and queue the completions found.") { once, storage, json };
        sweep.SetAction((result, ct) => new SweepCommand(stdout, stderr).RunAsync(result.GetValue(storage), result.GetValue(json), ct));

        var reconcileOnce = new Option<bool>("--once") { Description = "Run one reconciliation now (the only mode: the schedule belongs to the Functions app).", Required = true };
        var reconcile = new Command("reconcile", "Read Go1's completed enrolments changed since the watermark and queue every completion the statistics lack.") { reconcileOnce, storage, json };
        // A flag's Required is not enforced when it is absent; the command checks it itself, so help and behaviour agree.
        reconcile.Validators.Add(r => { if (r.GetResult(reconcileOnce) is null) r.AddError("Option '--once' is required: reconcile runs once (the schedule belongs to the Functions app)."); });
        reconcile.SetAction((result, ct) => new ReconcileCommand(stdout, stderr).ReconcileAsync(result.GetValue(storage), result.GetValue(json), ct));

        var backfillSince = new Option<string>("--since") { Description = "ISO-8601 instant with an offset: Go1 enrolments updated from then.", Required = true };
        var backfillUntil = new Option<string?>("--until") { Description = "ISO-8601 instant with an offset: up to then (default: now)." };
        var backfill = new Command("backfill", "Onboarding: queue every completion Go1 lists in a window that the statistics lack. Resumable; running it again applies nothing twice.") { backfillSince, backfillUntil, storage, json };
        backfill.SetAction((result, ct) => WithNow(result.GetValue(backfillSince), stderr, since => WithNow(result.GetValue(backfillUntil), stderr, until =>
            new ReconcileCommand(stdout, stderr).BackfillAsync(since!.Value, until, result.GetValue(storage), result.GetValue(json), ct))));

        var drain = new Command("drain", "Process the events queue until it is empty, with the queue trigger's processor and poison rules (no Functions host needed).") { storage, json };
        drain.SetAction((result, ct) => new DrainCommand(stdout, stderr).RunAsync(result.GetValue(storage), result.GetValue(json), ct));

        var root = new RootCommand("Go1 course-statistics sync: operator tool.") { replay, stats, deliveries, sweep, reconcile, backfill, drain };
        foreach (var where in new[] { "poison", "parked" })
        {
            var action = new Argument<string>("action") { Description = "list or replay" };
            action.AcceptOnlyFromAmong("list", "replay");
            var id = new Option<string?>("--id") { Description = "Only this message id." };
            var category = new Option<string?>("--category") { Description = "Parked category: unmatched or invalid." };
            var command = new Command(where, where == "poison"
                ? "Messages the queue gave up on after maxDequeueCount: list them, or move them back to the queue."
                : "Messages parked with a reason (unmatched learner, unreadable message): list them, or re-queue them.") { action, id, storage, json };
            if (where == "parked") command.Options.Add(category);
            command.SetAction((result, ct) => new MessagesCommand(stdout, stderr).RunAsync(
                where, result.GetValue(action)!, result.GetValue(id), result.GetValue(category), result.GetValue(storage), result.GetValue(json), ct));
            root.Subcommands.Add(command);
        }
        var parse = root.Parse(args);
        return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr });
    }

    private static async Task<int> WithNow(string? text, TextWriter stderr, Func<DateTimeOffset?, Task<int>> run)
    {
        if (text is null) return await run(null);
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var asOf))
        {
            await stderr.WriteLineAsync($"error: --now '{text}' is not an ISO-8601 instant.");
            return ExitCodes.BadInput;
        }
        return await run(asOf.ToUniversalTime());
    }
}
