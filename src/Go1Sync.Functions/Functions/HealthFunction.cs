using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Go1Sync.Functions.Functions;

/// <summary>
/// 200 when every check passes (or is only degraded), 503 naming the failing checks otherwise.
/// The answer holds each check's own description, never exception text: exceptions go to the log.
/// </summary>
public sealed class HealthFunction(HealthCheckService health, ILogger<HealthFunction> logger)
{
    [Function("Health")]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(cancellationToken);
        foreach (var (name, entry) in report.Entries.Where(e => e.Value.Exception is not null || e.Value.Status == HealthStatus.Unhealthy))
            logger.LogWarning(entry.Exception, "Health check {Check} is {Status}: {Description}", name, entry.Status, entry.Description);
        var body = new
        {
            status = report.Status.ToString(),
            failing = report.Entries.Where(e => e.Value.Status == HealthStatus.Unhealthy).Select(e => e.Key).ToArray(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                data = e.Value.Data,
            }),
        };
        return new JsonResponse(report.Status == HealthStatus.Unhealthy ? 503 : 200, body);
    }
}
