using Go1Sync.Core.Reporting;

namespace Go1Sync.Cli.Commands;

/// <summary>A course's attempts and summary, through the same query code as the read API.</summary>
internal sealed class StatsCommand(TextWriter stdout, TextWriter stderr)
{
    public async Task<int> RunAsync(string courseId, string? storage, DateTimeOffset? asOf, bool json, CancellationToken cancellationToken)
    {
        using var host = await CliHost.StartAsync(storage, stderr, cancellationToken);
        var services = host.Services;
        var now = asOf ?? services.GetRequiredService<TimeProvider>().GetUtcNow();
        var (reports, summary) = await services.GetRequiredService<CourseStatistics>().CourseAsync(courseId, now, cancellationToken);
        // A course with no attempts is known if it is in the catalogue; otherwise the id is probably mistyped.
        if (reports.Count == 0 && await services.GetRequiredService<ICourseCatalogue>().GetAsync(courseId, cancellationToken) is null)
        {
            await stderr.WriteLineAsync($"error: no course '{courseId}': it has no attempts and is not in the course catalogue.");
            await host.StopAsync(cancellationToken);
            return ExitCodes.NotFound;
        }

        if (json)
        {
            Output.WriteJson(stdout, new { attempts = reports, summary });
        }
        else
        {
            Output.WriteTable(stdout, reports);
            stdout.WriteLine();
            stdout.WriteLine($"attempts {summary.Attempts}, learners {summary.Learners}, open {summary.Open}, completed {summary.Completed} " +
                $"(success {summary.Success}, failed {summary.Failed}, legacy-closed {summary.LegacyClosed}), completion rate {summary.CompletionRate:P1}, " +
                $"success rate {summary.SuccessRate:P1}, mean time {TimeSpan.FromMilliseconds(summary.MeanTimeSpentMs):g}, median {TimeSpan.FromMilliseconds(summary.MedianTimeSpentMs):g}, as of {summary.ComputedAt}");
        }
        await host.StopAsync(cancellationToken);
        return ExitCodes.Ok;
    }
}
