using Go1Sync.Core.Intake;
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
public sealed class Go1WebhookFunction(IEventQueue queue, IOptions<WebhookOptions> options, TimeProvider time, ILogger<Go1WebhookFunction> logger)
{
    [Function("Go1Webhook")]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "go1/webhooks")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var body = await HttpIntake.ReadAsync(request, cancellationToken);
        if (body.Error is not null) return body.Error;

        var now = time.GetUtcNow();
        var secrets = options.Value.ActiveSecrets;
        if (secrets.Count > 0)
        {
            var check = WebhookSignature.Verify(request.Headers[WebhookSignature.HeaderName], body.Bytes, secrets, now, TimeSpan.FromSeconds(options.Value.ToleranceSeconds));
            if (check != SignatureCheck.Valid)
            {
                logger.LogWarning("Refused a webhook delivery: signature {SignatureCheck}", check);
                return JsonResponse.Problem(401, "Invalid signature", $"The {WebhookSignature.HeaderName} header is {Describe(check)}; nothing was queued.",
                    new Dictionary<string, string[]> { [WebhookSignature.HeaderName] = [Describe(check)] });
            }
        }

        var json = HttpIntake.ParseObject(body.Bytes);
        if (json.Error is not null) return json.Error;
        var delivery = Go1WebhookIntake.Read(json.Value, now);
        if (!delivery.IsValid) return HttpIntake.Invalid(delivery.Errors);

        if (delivery.Value!.Completion is not { } completion)
        {
            logger.LogInformation("Acknowledged Go1 {EventType} delivery {DeliveryId} without queueing it", delivery.Value.EventType, delivery.Value.DeliveryId);
            return new JsonResponse(StatusCodes.Status200OK, new { ignored = delivery.Value.EventType });
        }

        var id = $"go1:{delivery.Value.DeliveryId ?? completion.EnrolmentId}";
        return await HttpIntake.EnqueueAsync(queue, EventEnvelope.ForCompletion(completion, id, now), logger, cancellationToken);
    }

    private static string Describe(SignatureCheck check) => check switch
    {
        SignatureCheck.Missing => "missing",
        SignatureCheck.Malformed => "malformed (expected t=<unix seconds>,v1=<hex>)",
        SignatureCheck.Stale => "too old",
        SignatureCheck.Future => "dated in the future",
        _ => "not signed with a configured secret",
    };
}
