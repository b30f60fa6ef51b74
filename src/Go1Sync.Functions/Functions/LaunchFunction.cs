using Go1Sync.Core.Attempts;
using Go1Sync.Core.Intake;
using Go1Sync.Core.Processing;
using Go1Sync.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Go1Sync.Functions.Functions;

/// <summary>The LMS reports that a learner clicked START (or continued) on a Go1 course.</summary>
public sealed class LaunchFunction(IEventQueue queue, TimeProvider time, ILogger<LaunchFunction> logger)
{
    [Function("Launches")]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "launches")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var body = await HttpIntake.ReadAsync(request, cancellationToken);
        if (body.Error is not null) return body.Error;
        var json = HttpIntake.ParseObject(body.Bytes);
        if (json.Error is not null) return json.Error;

        var now = time.GetUtcNow();
        var launch = LaunchIntake.Read(json.Value, now);
        if (!launch.IsValid) return HttpIntake.Invalid(launch.Errors);

        var id = $"launch:{launch.Value!.AttemptId}:{Instants.Format(launch.Value.LaunchedAt)}";
        return await HttpIntake.EnqueueAsync(queue, EventEnvelope.ForLaunch(launch.Value, id, now), logger, cancellationToken);
    }
}
