using Go1Sync.Core.Learners;
using Go1Sync.Core.Processing;
using Go1Sync.Functions.Http;
using Go1Sync.Infrastructure.Security;
using Go1Sync.Infrastructure.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Go1Sync.Functions.Functions;

/// <summary>
/// Operators' endpoints: messages that did not apply, and their replay. Operators present an Entra ID
/// token with the app role Operations.Admin (<see cref="CallerAuthorizer"/>); the master key no longer
/// opens them. Routes live under /api/ops because /admin is reserved by the Functions host.
/// </summary>
public sealed class OperationsFunctions(MessageOperations operations, IDeliveryLog deliveries, CallerAuthorizer authorizer, TimeProvider time)
{
    /// <summary>"What happened to this completion?": deliveries since an instant (default 24 h), by enrolment id or learner email (hashed for the look-up).</summary>
    [Function("ListDeliveries")]
    public async Task<IActionResult> ListDeliveries(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "ops/deliveries")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (await Refuse(request, cancellationToken) is { } refusal) return refusal;
        var sinceText = request.Query["since"].FirstOrDefault();
        var since = time.GetUtcNow().AddDays(-1);
        if (sinceText is not null && !DateTimeOffset.TryParse(sinceText, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out since))
            return JsonResponse.Problem(400, "Invalid query", "'since' must be an ISO-8601 instant.", new Dictionary<string, string[]> { ["since"] = ["must be an ISO-8601 instant"] });
        // The learner: ?learner=<SHA-256 of the normalised email> keeps the email out of request logs; ?email= is accepted too.
        var learner = request.Query["learner"].FirstOrDefault() ?? request.Query["email"].FirstOrDefault();
        var hash = learner is null ? null : LearnerEmail.IsHash(learner) ? learner : LearnerEmail.Hash(learner);
        var query = new DeliveryQuery(since, request.Query["enrolment"].FirstOrDefault(), hash);
        return new JsonResponse(200, await deliveries.FindAsync(query, cancellationToken));
    }

    private const int MaxMessages = 500;

    [Function("ListPoison")]
    public async Task<IActionResult> ListPoison(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "ops/poison")] HttpRequest request,
        CancellationToken cancellationToken) =>
        await Refuse(request, cancellationToken) ?? new JsonResponse(200, await operations.ListPoisonAsync(MaxMessages, cancellationToken));

    [Function("ReplayPoison")]
    public async Task<IActionResult> ReplayPoison(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "ops/poison/replay")] HttpRequest request,
        CancellationToken cancellationToken) =>
        await Refuse(request, cancellationToken) ?? new JsonResponse(200, new { replayed = await operations.ReplayPoisonAsync(request.Query["id"].FirstOrDefault(), MaxMessages, cancellationToken) });

    [Function("ListParked")]
    public async Task<IActionResult> ListParked(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "ops/parked")] HttpRequest request,
        CancellationToken cancellationToken) =>
        await Refuse(request, cancellationToken) ?? new JsonResponse(200, await operations.ListParkedAsync(request.Query["category"].FirstOrDefault(), cancellationToken));

    [Function("ReplayParked")]
    public async Task<IActionResult> ReplayParked(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "ops/parked/replay")] HttpRequest request,
        CancellationToken cancellationToken) =>
        await Refuse(request, cancellationToken) ?? new JsonResponse(200, new { replayed = await operations.ReplayParkedAsync(request.Query["category"].FirstOrDefault(), request.Query["id"].FirstOrDefault(), cancellationToken) });

    private Task<IActionResult?> Refuse(HttpRequest request, CancellationToken cancellationToken) =>
        authorizer.RefuseAsync(request, AppRoles.OperationsAdmin, cancellationToken);
}
