using Go1Sync.Core.Attempts;
using Go1Sync.Core.Intake;
using Go1Sync.Core.Learners;
using Go1Sync.Core.Processing;
using Go1Sync.Core.Security;
using Go1Sync.Functions.Http;
using Go1Sync.Infrastructure.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Go1Sync.Functions.Functions;

/// <summary>
/// The LMS reports that a learner clicked START (or continued) on a Go1 course. The LMS signs each
/// launch (<c>Lms-Signature</c>, HMAC-SHA256 over the raw body with a launch secret, the webhook's
/// verifier and tolerance), so the function is AuthorizationLevel.Anonymous: the signature, not a
/// shared function key, admits it. Launches older than <c>Launch__MaxAge</c> are refused: history
/// goes through <c>go1sync replay</c> or a backfill.
/// </summary>
public sealed class LaunchFunction(EventIntake intake, IOptions<LaunchOptions> options, IOptions<WebhookOptions> signatures, LearnerIds ids, TimeProvider time, ILogger<LaunchFunction> logger)
{
    [Function("Launches")]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "launches")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var body = await HttpIntake.ReadAsync(request, cancellationToken);
        if (body.Error is not null) return await RefuseAsync(body.Error, "unchecked", now, cancellationToken);

        var (signature, check, unsigned) = RequestSignature.Check(request, LaunchSignature.HeaderName, body.Bytes, options.Value.ActiveSecrets, now,
            TimeSpan.FromSeconds(signatures.Value.ToleranceSeconds));
        if (unsigned is not null)
        {
            logger.LogWarning("Refused a launch: signature {SignatureCheck}", check);
            return await RefuseAsync(unsigned, signature, now, cancellationToken);
        }

        var json = HttpIntake.ParseObject(body.Bytes);
        var launch = json.Error is null ? LaunchIntake.Read(json.Value, now, options.Value.MaxAge) : null;
        var refusal = json.Error ?? (launch!.IsValid ? null : HttpIntake.Invalid(launch.Errors));
        if (refusal is not null) return await RefuseAsync(refusal, signature, now, cancellationToken);

        var value = launch!.Value!;
        var id = EventIds.Launch(value.AttemptId, value.LaunchedAt);
        var receipt = new DeliveryReceipt(id, "launch", null, now, signature, 0, AttemptId: value.AttemptId, LearnerHash: ids.IdOfValid(value.Email), LearnerIdKey: ids.CurrentKeyId);
        return HttpIntake.ToResult(await intake.AcceptAsync(EventEnvelope.ForLaunch(value, id, now), receipt, cancellationToken));
    }

    private async Task<IActionResult> RefuseAsync(IActionResult refusal, string signature, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await intake.RecordUnqueuedAsync(new DeliveryReceipt(EventIds.Refused(now), "launch", null, now, signature,
            HttpIntake.StatusOf(refusal), Detail: HttpIntake.FieldsOf(refusal)), cancellationToken);
        return refusal;
    }
}
