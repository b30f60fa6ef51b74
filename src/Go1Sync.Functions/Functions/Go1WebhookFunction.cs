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
/// Go1 webhook deliveries. The function key keeps out casual callers; the signature over the raw
/// body is what proves the delivery came from Go1.
/// </summary>
public sealed class Go1WebhookFunction(EventIntake intake, IOptions<WebhookOptions> options, LearnerIds ids, TimeProvider time, ILogger<Go1WebhookFunction> logger)
{
    [Function("Go1Webhook")]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "go1/webhooks")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var body = await HttpIntake.ReadAsync(request, cancellationToken);
        if (body.Error is not null) return await RefuseAsync(body.Error, "unchecked", now, cancellationToken);

        var (signature, check, refusal) = RequestSignature.Check(request, WebhookSignature.HeaderName, body.Bytes, options.Value.ActiveSecrets, now, TimeSpan.FromSeconds(options.Value.ToleranceSeconds));
        if (refusal is not null)
        {
            logger.LogWarning("Refused a webhook delivery: signature {SignatureCheck}", check);
            return await RefuseAsync(refusal, signature, now, cancellationToken);
        }

        var json = HttpIntake.ParseObject(body.Bytes);
        if (json.Error is not null) return await RefuseAsync(json.Error, signature, now, cancellationToken);
        var delivery = Go1WebhookIntake.Read(json.Value, now);
        if (!delivery.IsValid) return await RefuseAsync(HttpIntake.Invalid(delivery.Errors), signature, now, cancellationToken);

        var value = delivery.Value!;
        // Malformed optional fields were left out (a completion fetches them from Go1 instead):
        // the delivery log says which and why, never their values.
        var dropped = value.DroppedDetail();
        if (value.Completion is not { } completion)
        {
            logger.LogInformation("Acknowledged Go1 {EventType} delivery {DeliveryId} without queueing it", LogValue.Of(value.EventType), LogValue.Of(value.DeliveryId));
            await intake.RecordUnqueuedAsync(new DeliveryReceipt(EventIds.IgnoredWebhook(value.DeliveryId), DeliveryOutcomes.Ignored, value.EventType, now, signature, 200,
                Detail: dropped), cancellationToken);
            return new JsonResponse(StatusCodes.Status200OK, new { ignored = value.EventType });
        }

        var id = EventIds.Webhook(value.DeliveryId, completion.EnrolmentId);
        if (dropped is not null)
            logger.LogWarning("Go1 delivery {DeliveryId} of enrolment {EnrolmentId} had malformed optional fields {DroppedFields}; they were left out and {RefetchFields} will be fetched from Go1",
                LogValue.Of(id), LogValue.Of(completion.EnrolmentId), LogValue.Of(value.Dropped.Keys.Order(StringComparer.Ordinal)), LogValue.Of(completion.Refetch ?? []));
        var receipt = new DeliveryReceipt(id, EventKinds.Completion, value.EventType, now, signature, 0,
            EnrolmentId: completion.EnrolmentId, LearnerHash: ids.IdOfValid(completion.Email), Detail: dropped, LearnerIdKey: ids.CurrentKeyId);
        return HttpIntake.ToResult(await intake.AcceptAsync(EventEnvelope.ForCompletion(completion, id, now), receipt, cancellationToken));
    }

    private async Task<IActionResult> RefuseAsync(IActionResult refusal, string signature, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await intake.RecordUnqueuedAsync(new DeliveryReceipt(EventIds.Refused(now), "webhook", null, now, signature,
            HttpIntake.StatusOf(refusal), Detail: HttpIntake.FieldsOf(refusal)), cancellationToken);
        return refusal;
    }
}
