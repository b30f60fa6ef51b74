using Go1Sync.Core.Attempts;
using Go1Sync.Core.Intake;
using Go1Sync.Core.Processing;
using Go1Sync.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Go1Sync.Functions.Functions;

/// <summary>The LMS reports that a learner clicked START (or continued) on a Go1 course.</summary>
public sealed class LaunchFunction(EventIntake intake, TimeProvider time)
{
    [Function("Launches")]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "launches")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var body = await HttpIntake.ReadAsync(request, cancellationToken);
        var json = body.Error is null ? HttpIntake.ParseObject(body.Bytes) : null;
        var launch = json is { Error: null } ? LaunchIntake.Read(json.Value, now) : null;
        var refusal = body.Error ?? json?.Error ?? (launch!.IsValid ? null : HttpIntake.Invalid(launch.Errors));
        if (refusal is not null)
        {
            await intake.RecordUnqueuedAsync(new DeliveryReceipt(HttpIntake.RefusedId(now), "launch", null, now, "n/a",
                HttpIntake.StatusOf(refusal), Detail: HttpIntake.FieldsOf(refusal)), cancellationToken);
            return refusal;
        }

        var value = launch!.Value!;
        var id = $"launch:{value.AttemptId}:{Instants.Format(value.LaunchedAt)}";
        var receipt = new DeliveryReceipt(id, "launch", null, now, "n/a", 0, AttemptId: value.AttemptId, LearnerHash: EventIntake.HashOf(value.Email));
        return HttpIntake.ToResult(await intake.AcceptAsync(EventEnvelope.ForLaunch(value, id, now), receipt, cancellationToken));
    }
}
