using Go1Sync.Core.Reporting;

namespace Go1Sync.Cli.Commands;

/// <summary>
/// <c>follow</c>: tails the change feed with the same code as <c>GET /api/attempts/changes</c>
/// (<see cref="ChangeFeed"/>): every page as it comes, then, once caught up, a new page every
/// <c>--interval</c> until stopped (Ctrl+C), or stops at once with <c>--once</c>. The cursor to go
/// on from is printed after every page, so a consumer that stops resumes where it was.
/// </summary>
internal sealed class FollowCommand(TextWriter stdout, TextWriter stderr)
{
    public async Task<int> RunAsync(string? cursor, bool once, TimeSpan interval, string? storage, bool json, CancellationToken cancellationToken)
    {
        using var host = await CliHost.StartAsync(storage, stderr, cancellationToken);
        var feed = host.Services.GetRequiredService<ChangeFeed>();
        var time = host.Services.GetRequiredService<TimeProvider>();
        var after = cursor switch
        {
            null => null,
            ChangeCursor.Latest => feed.Latest(),
            _ => ChangeCursor.TryDecode(cursor) ?? throw new CliException(ExitCodes.BadInput, "--cursor must be a cursor that follow or GET /api/attempts/changes printed, or 'latest'."),
        };
        var read = 0;
        try
        {
            while (true)
            {
                var (page, refusal) = await feed.ReadAsync(after, ChangeFeed.MaxLimit, cancellationToken);
                if (page is null || refusal == ChangeFeedRefusal.Expired)
                    throw new CliException(ExitCodes.NotFound, "The cursor is older than the changes kept (Feed__RetentionDays): resynchronise from `go1sync stats` (or GET /api/courses/{courseId}/attempts) and follow again with --cursor latest.");
                foreach (var change in page.Changes) Write(change, json);
                read += page.Changes.Count;
                WriteCursor(page.Cursor, json);
                after = ChangeCursor.TryDecode(page.Cursor);
                if (page.Full) continue;
                if (once) break;
                await Task.Delay(interval, time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped by the operator: the last cursor printed is where to go on from.
        }
        if (!json) await stderr.WriteLineAsync($"{read} change(s) read");
        return ExitCodes.Ok;
    }

    private void Write(AttemptChange change, bool json)
    {
        if (json)
        {
            Output.WriteJsonLine(stdout, change);
            return;
        }
        var a = change.Report.Attempt;
        stdout.WriteLine($"{Core.Attempts.Instants.Format(change.ChangedAt)}  v{change.Version}  {change.Change}  {a.CourseId}  {a.AttemptId}  {Core.Attempts.WireNames.Of(a.Status)} {a.Progress}%" +
            (a.Result == Core.Attempts.AttemptResult.None ? "" : $"  {Core.Attempts.WireNames.Of(a.Result)}"));
    }

    private void WriteCursor(string cursor, bool json)
    {
        if (json) Output.WriteJsonLine(stdout, new { cursor });
        else stdout.WriteLine($"cursor {cursor}");
    }
}
