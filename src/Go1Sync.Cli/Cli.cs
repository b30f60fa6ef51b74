using System.CommandLine;
using Go1Sync.Cli.Commands;

namespace Go1Sync.Cli;

/// <summary>The command tree. Tests call <see cref="RunAsync"/> with their own writers.</summary>
public static class Cli
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var storage = new Option<string?>("--storage") { Description = "Storage connection string (default: AzureWebJobsStorage from the environment, else UseDevelopmentStorage=true)." };
        var now = InstantOption.Create("--now", "Report status and progress as of this instant (default: now).");
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };

        var events = new Option<FileInfo>("--events") { Description = "JSON Lines file of course, launch and completion records.", Required = true };
        var reportAsOf = InstantOption.Create("--now", "Print the attempts as of this instant (default: now). Only the report: the lines are validated, and logged as received, with the real clock.");
        var replay = new Command("replay", "Apply a JSON Lines file in file order through the processor and tables, then print the attempts it touched.") { events, storage, reportAsOf, json };
        replay.SetAction((result, ct) =>
            new ReplayCommand(stdout, stderr).RunAsync(result.GetValue(events)!, result.GetValue(storage), result.GetValue(reportAsOf), result.GetValue(json), ct));

        var course = new Option<string>("--course") { Description = "The Go1 learning-object id.", Required = true };
        var stats = new Command("stats", "Print a course's attempts and summary.") { course, storage, now, json };
        stats.SetAction((result, ct) =>
            new StatsCommand(stdout, stderr).RunAsync(result.GetValue(course)!, result.GetValue(storage), result.GetValue(now), result.GetValue(json), ct));

        var since = InstantOption.Create("--since", "Deliveries received since this instant.", required: true);
        var enrolment = new Option<string?>("--enrolment") { Description = "Only this Go1 enrolment id." };
        var email = new Option<string?>("--email") { Description = "Only this learner (hashed for the look-up; never stored in clear)." };
        var deliveries = new Command("deliveries", "What happened to a delivery: receipt, signature, HTTP answer and processing outcome.") { since, enrolment, email, storage, json };
        deliveries.SetAction((result, ct) =>
            new DeliveriesCommand(stdout, stderr).RunAsync(result.GetValue(since)!.Value, result.GetValue(enrolment), result.GetValue(email), result.GetValue(storage), result.GetValue(json), ct));

        var once = new Option<bool>("--once") { Description = "Run one sweep now (the only mode: the schedule belongs to the Functions app).", Required = true };
        var sweep = new Command("sweep", "Reconcile stale open attempts with Go1 and queue the completions found.") { once, storage, json };
        // A flag has a default (false), which the parser takes as given: enforce what the help says.
        sweep.Validators.Add(result =>
        {
            if (result.GetResult(once) is not { Implicit: false }) result.AddError("Option '--once' is required: `go1sync sweep --once` runs one sweep now.");
        });
        sweep.SetAction((result, ct) => new SweepCommand(stdout, stderr).RunAsync(result.GetValue(storage), result.GetValue(json), ct));

        var reconcileOnce = new Option<bool>("--once") { Description = "Run one reconciliation now (the only mode: the schedule belongs to the Functions app).", Required = true };
        var reconcile = new Command("reconcile", "Read Go1's completed enrolments changed since the watermark and queue every completion the statistics lack.") { reconcileOnce, storage, json };
        reconcile.Validators.Add(result =>
        {
            if (result.GetResult(reconcileOnce) is not { Implicit: false }) result.AddError("Option '--once' is required: `go1sync reconcile --once` runs one reconciliation now.");
        });
        reconcile.SetAction((result, ct) => new ReconcileCommand(stdout, stderr).ReconcileAsync(result.GetValue(storage), result.GetValue(json), ct));

        var backfillSince = InstantOption.Create("--since", "Go1 enrolments updated from this instant.", required: true);
        var backfillUntil = InstantOption.Create("--until", "Up to this instant (default: now).");
        var backfill = new Command("backfill", "Onboarding: queue every completion Go1 lists in a window that the statistics lack. Resumable; running it again applies nothing twice.") { backfillSince, backfillUntil, storage, json };
        backfill.SetAction((result, ct) => new ReconcileCommand(stdout, stderr).BackfillAsync(
            result.GetValue(backfillSince)!.Value, result.GetValue(backfillUntil), result.GetValue(storage), result.GetValue(json), ct));

        var drain = new Command("drain", "Process the events queue until it is empty, with the queue trigger's processor and poison rules (no Functions host needed).") { storage, json };
        drain.SetAction((result, ct) => new DrainCommand(stdout, stderr).RunAsync(result.GetValue(storage), result.GetValue(json), ct));

        var forgetEmail = new Option<string>("--email") { Description = "The learner to erase (never printed or logged in clear).", Required = true };
        var forget = new Command("forget", "Erase one learner from every table and from parked and poison messages, and drop their later events.") { forgetEmail, storage, json };
        forget.SetAction((result, ct) => new ForgetCommand(stdout, stderr).RunAsync(result.GetValue(forgetEmail)!, result.GetValue(storage), result.GetValue(json), ct));

        var learnerIds = new Command("learner-ids", "Move every row keyed by an older learner id (legacy SHA-256, or Learners__PreviousIdKey) to the current Learners__IdKey. Safe to run again; a second run changes nothing.") { storage, json };
        learnerIds.SetAction((result, ct) => new MigrateCommand(stdout, stderr).LearnerIdsAsync(result.GetValue(storage), result.GetValue(json), ct));
        var storageLayout = new Command("storage", "Move every aggregate still in the layout before storage v3 into its course partition, with its read side, and delete the legacy open-attempt index. Safe while the app runs and to run again; a second run changes nothing.") { storage, json };
        storageLayout.SetAction((result, ct) => new MigrateCommand(stdout, stderr).StorageAsync(result.GetValue(storage), result.GetValue(json), ct));
        var migrate = new Command("migrate", "Migrations of stored data.") { learnerIds, storageLayout };

        var cursor = new Option<string?>("--cursor") { Description = "Go on from this cursor (one printed by follow or GET /api/attempts/changes), or 'latest' for changes from now on (default: the oldest change kept)." };
        var followOnce = new Option<bool>("--once") { Description = "Stop once caught up instead of polling." };
        var interval = new Option<int>("--interval") { Description = "Seconds between polls once caught up (1 to 3600).", DefaultValueFactory = _ => 5 };
        interval.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 3600) result.AddError("Option '--interval' must be between 1 and 3600 seconds.");
        });
        var follow = new Command("follow", "Tail the change feed (every attempt's new state with its version), printing the cursor to go on from after every page.") { cursor, followOnce, interval, storage, json };
        follow.SetAction((result, ct) => new FollowCommand(stdout, stderr).RunAsync(
            result.GetValue(cursor), result.GetValue(followOnce), TimeSpan.FromSeconds(result.GetValue(interval)), result.GetValue(storage), result.GetValue(json), ct));

        var outboundList = new Command("list", "The outbound endpoint's state (status, cursor, failures, next attempt) and the parked changes.") { storage, json };
        outboundList.SetAction((result, ct) => new OutboundCommand(stdout, stderr).ListAsync(result.GetValue(storage), result.GetValue(json), ct));
        var webhookId = new Argument<string?>("webhook-id") { Description = "The parked change to send again (its webhook-id, from outbound list).", Arity = ArgumentArity.ZeroOrOne };
        var allFailed = new Option<bool>("--all-failed") { Description = "Send every parked change again." };
        var from = new Option<string?>("--from") { Description = "Move the cursor: the next run sends every change after this cursor, or after now with 'latest' (also clears a needed resynchronisation)." };
        var redeliver = new Command("redeliver", "Send parked changes again with their webhook-id, or move the cursor (--from).") { webhookId, allFailed, from, storage, json };
        redeliver.SetAction((result, ct) => new OutboundCommand(stdout, stderr).RedeliverAsync(
            result.GetValue(webhookId), result.GetValue(allFailed), result.GetValue(from), result.GetValue(storage), result.GetValue(json), ct));
        var enable = new Command("enable", "Enable the endpoint again after it answered 410 Gone (and clear any wait): the next run sends from the cursor.") { storage, json };
        enable.SetAction((result, ct) => new OutboundCommand(stdout, stderr).EnableAsync(result.GetValue(storage), result.GetValue(json), ct));
        var outboundRun = new Command("run", "One run of the outbound webhooks now (the timer's), with Outbound__Url and Outbound__Secret from the environment.") { storage, json };
        outboundRun.SetAction((result, ct) => new OutboundCommand(stdout, stderr).RunAsync(result.GetValue(storage), result.GetValue(json), ct));
        var outbound = new Command("outbound", "The outbound webhooks (attempt.updated to Outbound__Url).") { outboundList, redeliver, enable, outboundRun };

        var root = new RootCommand("Go1 course-statistics sync: operator tool.") { replay, stats, deliveries, sweep, reconcile, backfill, drain, forget, migrate, follow, outbound };
        foreach (var where in new[] { "poison", "parked" })
        {
            var action = new Argument<string>("action") { Description = "list or replay" };
            action.AcceptOnlyFromAmong("list", "replay");
            var id = new Option<string?>("--id") { Description = "Only this message id." };
            var category = new Option<string?>("--category") { Description = "Parked category: unmatched or invalid." };
            category.AcceptOnlyFromAmong(ParkCategories.Unmatched, ParkCategories.Invalid);
            var command = new Command(where, where == "poison"
                ? "Messages the queue gave up on after maxDequeueCount: list them, or move them back to the queue."
                : "Messages parked with a reason (unmatched learner, unreadable message): list them, or re-queue them.") { action, id, storage, json };
            if (where == "parked") command.Options.Add(category);
            command.SetAction((result, ct) => new MessagesCommand(stdout, stderr).RunAsync(
                where, result.GetValue(action)!, result.GetValue(id), result.GetValue(category), result.GetValue(storage), result.GetValue(json), ct));
            root.Subcommands.Add(command);
        }
        var parse = root.Parse(args);
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex)
        {
            // One place for every command: one line naming what failed, no stack trace (CliFailure).
            var (exitCode, message) = CliFailure.Describe(ex, CliHost.StorageSettingName(parse.GetResult(storage) is { Implicit: false } ? parse.GetValue(storage) : null));
            await stderr.WriteLineAsync(message);
            return exitCode;
        }
    }
}
