using Go1Sync.Infrastructure.Erasure;
using Go1Sync.Infrastructure.Storage;

namespace Go1Sync.Functions.Functions;

/// <summary>
/// Operators' endpoints: messages that did not apply, and their replay. Operators present an Entra ID
/// token with the app role Operations.Admin (<see cref="CallerAuthorizer"/>); the master key no longer
/// opens them. Routes live under /api/ops because /admin is reserved by the Functions host.
/// </summary>
public sealed class OperationsFunctions(MessageOperations operations, IDeliveryLog deliveries, LearnerErasure erasure, CallerAuthorizer authorizer, LearnerIds ids, TimeProvider time)
{
    public const string DeliveriesLookupRoute = "/api/ops/deliveries/lookup";

    /// <summary>"What happened to this completion?": deliveries since an instant (default 24 h), by enrolment id or learner id (<see cref="LearnerIds"/>; an email is refused).</summary>
    [Function("ListDeliveries")]
    public async Task<IActionResult> ListDeliveries(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "ops/deliveries")] HttpRequest request,
        CancellationToken cancellationToken) =>
        await authorizer.AnswerAsync(request, AppRoles.OperationsAdmin, () => ListDeliveriesAsync(request, cancellationToken), cancellationToken);

    private async Task<IActionResult> ListDeliveriesAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.Query.ContainsKey("email")) return LearnerLookup.EmailInUrl("email", DeliveriesLookupRoute);
        var learner = request.Query["learner"].FirstOrDefault();
        if (learner is not null && LearnerLookup.RefuseUnlessHash(learner, "learner", DeliveriesLookupRoute) is { } invalid) return invalid;
        var errors = new Go1Sync.Core.Intake.FieldErrors();
        var since = Since(request.Query["since"].FirstOrDefault(), errors);
        if (errors.Any) return JsonResponse.Problem(400, "Invalid query", "One or more query parameters are wrong.", errors.ToDictionary());
        var query = new DeliveryQuery(since, request.Query["enrolment"].FirstOrDefault(), learner);
        return new JsonResponse(200, await deliveries.FindAsync(query, cancellationToken));
    }

    /// <summary>The same answer as <see cref="ListDeliveries"/> for a learner named by email, in the body <c>{"email": "...", "since": "...", "enrolment": "..."}</c> (since and enrolment optional).</summary>
    [Function("LookupDeliveries")]
    public async Task<IActionResult> LookupDeliveries(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "ops/deliveries/lookup")] HttpRequest request,
        CancellationToken cancellationToken) =>
        await authorizer.AnswerLookupAsync(request, AppRoles.OperationsAdmin, async body =>
        {
            var errors = new Go1Sync.Core.Intake.FieldErrors();
            var sinceText = Text(body.Value, "since", errors);
            var enrolment = Text(body.Value, "enrolment", errors);
            var since = Since(sinceText, errors);
            if (errors.Any) return LearnerLookup.Invalid(errors);
            var query = new DeliveryQuery(since, enrolment, ids.Id(body.Email));
            return new JsonResponse(200, await deliveries.FindAsync(query, cancellationToken));
        }, cancellationToken);

    /// <summary>An optional string field of a look-up body.</summary>
    private static string? Text(System.Text.Json.JsonElement body, string name, Go1Sync.Core.Intake.FieldErrors errors)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == System.Text.Json.JsonValueKind.Null) return null;
        if (value.ValueKind == System.Text.Json.JsonValueKind.String) return value.GetString();
        errors.Add(name, "must be a string");
        return null;
    }

    /// <summary>"since": absent means the last 24 hours; otherwise an ISO-8601 instant with its offset, read as every input's instants are.</summary>
    private DateTimeOffset Since(string? text, Go1Sync.Core.Intake.FieldErrors errors) =>
        Go1Sync.Core.Intake.InstantText.ReadOptional(text, "since", errors) ?? time.GetUtcNow().AddDays(-1);

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

    /// <summary>
    /// Erases one learner everywhere (body <c>{"email": "..."}</c>, never a URL) and leaves a
    /// tombstone so their later events are dropped; answers the counts per place.
    /// </summary>
    [Function("ForgetLearner")]
    public async Task<IActionResult> ForgetLearner(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "ops/forget")] HttpRequest request,
        CancellationToken cancellationToken) =>
        await authorizer.AnswerLookupAsync(request, AppRoles.OperationsAdmin,
            async body => new JsonResponse(200, await erasure.EraseAsync(body.Email, cancellationToken)), cancellationToken);

    private Task<IActionResult?> Refuse(HttpRequest request, CancellationToken cancellationToken) =>
        authorizer.RefuseAsync(request, AppRoles.OperationsAdmin, cancellationToken);
}
