using System.Globalization;
using Go1Sync.Infrastructure.Reconciliation;
using Spectre.Console;

namespace Go1Sync.Cli.Commands;

/// <summary>
/// <c>reconcile --once</c> (one scheduled run now, from the watermark) and <c>backfill --since [--until]</c>
/// (an explicit window, resumable): the same reading of Go1's completed enrolments as the timer.
/// </summary>
internal sealed class ReconcileCommand(TextWriter stdout, TextWriter stderr)
{
    public async Task<int> ReconcileAsync(string? storage, bool json, CancellationToken cancellationToken) =>
        await RunAsync(storage, json, (r, _) => r.RunOnceAsync(cancellationToken), cancellationToken);

    public async Task<int> BackfillAsync(DateTimeOffset since, DateTimeOffset? until, string? storage, bool json, CancellationToken cancellationToken) =>
        await RunAsync(storage, json, async (r, time) =>
        {
            var end = until ?? time.GetUtcNow();
            if (end < since)
                throw new ArgumentException($"--until {Format(end)} is before --since {Format(since)}.");
            if (json || !IsTerminal(stdout))
                return await r.BackfillAsync(since, end, null, cancellationToken);
            return await WithProgressAsync(p => r.BackfillAsync(since, end, p, cancellationToken), time);
        }, cancellationToken);

    private async Task<int> RunAsync(string? storage, bool json, Func<Go1Reconciliation, TimeProvider, Task<ReconcileResult>> run, CancellationToken cancellationToken)
    {
        using var host = await CliHost.StartAsync(storage, stderr, cancellationToken);
        var reconciliation = host.Services.GetRequiredService<Go1Reconciliation>();
        if (!reconciliation.IsConfigured)
        {
            await stderr.WriteLineAsync("error: no Go1 API is configured: set Go1__ClientId and Go1__ClientSecret (and Go1__BaseUrl, Go1__TokenUrl for a non-default Go1).");
            return ExitCodes.BadInput;
        }

        ReconcileResult result;
        try
        {
            result = await run(reconciliation, host.Services.GetRequiredService<TimeProvider>());
        }
        catch (ArgumentException ex)
        {
            await stderr.WriteLineAsync($"error: {ex.Message}");
            return ExitCodes.BadInput;
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or ReconciliationLeaseLostException or Azure.RequestFailedException)
        {
            // Already logged with its trace; the operator needs the cause and what happens next.
            var what = ex is HttpRequestException ? "reading Go1 failed: " : "";
            await stderr.WriteLineAsync($"error: {what}{ex.Message.Split('\n')[0]}");
            await stderr.WriteLineAsync("Nothing was lost: what was queued applies once, the watermark did not move past unread pages, and running the command again resumes.");
            return ExitCodes.Failed;
        }

        if (json) Output.WriteJson(stdout, result);
        else Write(result);
        await host.StopAsync(cancellationToken);
        return result.Outcome == "skipped" ? ExitCodes.Busy : ExitCodes.Ok;
    }

    private void Write(ReconcileResult r)
    {
        if (r.Outcome == "skipped")
        {
            stdout.WriteLine($"{r.Mode} skipped: {r.Detail}");
            return;
        }
        stdout.WriteLine($"{r.Mode} {r.Outcome}: window {Format(r.From)} .. {Format(r.To)}; {r.Pages} list page(s), {r.Listed} completed enrolment(s) listed, " +
            $"{r.AlreadyApplied} already applied, {r.Queued} queued, {r.Ignored} ignored, {r.UsersResolved} user(s) resolved" +
            (r.Watermark is { } w ? $"; watermark {Format(w)}" : ""));
        if (r.Detail is not null) stdout.WriteLine(r.Detail);
        if (r.Queued > 0) stdout.WriteLine("Queued completions apply when the queue is processed: by the Functions host, or here with `go1sync drain`.");
    }

    /// <summary>Pages, enrolments, rate and ETA on stderr while a backfill reads (stdout keeps the summary).</summary>
    private static async Task<ReconcileResult> WithProgressAsync(Func<IProgress<ScanProgress>, Task<ReconcileResult>> run, TimeProvider time)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        ReconcileResult? result = null;
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("reading Go1's completed enrolments", maxValue: 1);
                var started = time.GetTimestamp();
                result = await run(new Inline<ScanProgress>(p =>
                {
                    var rate = p.Listed / Math.Max(0.001, time.GetElapsedTime(started).TotalSeconds);
                    task.MaxValue = Math.Max(1, p.Listed + p.Remaining);
                    task.Value = p.Listed;
                    task.Description = string.Create(CultureInfo.InvariantCulture, $"pages {p.Pages}, enrolments {p.Listed}, queued {p.Queued}, {rate:F0}/s");
                }));
                task.Value = task.MaxValue;
            });
        return result!;
    }

    private static bool IsTerminal(TextWriter writer) => ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected && !Console.IsErrorRedirected;

    private static string Format(DateTimeOffset instant) => Core.Attempts.Instants.Format(instant);

    /// <summary>Reports on the caller's thread, in order (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
