using Go1Sync.Functions.Http;
using Go1Sync.Infrastructure.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Go1Sync.Functions.Functions;

/// <summary>
/// Operators' endpoints (master key only): messages that did not apply, and their replay.
/// Routes live under /api/ops because /admin is reserved by the Functions host.
/// </summary>
public sealed class OperationsFunctions(MessageOperations operations)
{
    private const int MaxMessages = 500;

    [Function("ListPoison")]
    public async Task<IActionResult> ListPoison(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "ops/poison")] HttpRequest request,
        CancellationToken cancellationToken) =>
        new JsonResponse(200, await operations.ListPoisonAsync(MaxMessages, cancellationToken));

    [Function("ReplayPoison")]
    public async Task<IActionResult> ReplayPoison(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "ops/poison/replay")] HttpRequest request,
        CancellationToken cancellationToken) =>
        new JsonResponse(200, new { replayed = await operations.ReplayPoisonAsync(request.Query["id"].FirstOrDefault(), MaxMessages, cancellationToken) });

    [Function("ListParked")]
    public async Task<IActionResult> ListParked(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "ops/parked")] HttpRequest request,
        CancellationToken cancellationToken) =>
        new JsonResponse(200, await operations.ListParkedAsync(request.Query["category"].FirstOrDefault(), cancellationToken));

    [Function("ReplayParked")]
    public async Task<IActionResult> ReplayParked(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "ops/parked/replay")] HttpRequest request,
        CancellationToken cancellationToken) =>
        new JsonResponse(200, new { replayed = await operations.ReplayParkedAsync(request.Query["category"].FirstOrDefault(), request.Query["id"].FirstOrDefault(), cancellationToken) });
}
