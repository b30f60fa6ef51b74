using Azure;

namespace Go1Sync.Functions.Functions;

/// <summary>
/// The course catalogue: theoretical durations that cap time spent. Written straight to its table.
/// Operators' writes (app role Operations.Admin): Go1 supplies durations itself (the enricher keeps
/// them), so a write here corrects the cap of every attempt on the course, which is an audited
/// person's decision, not something the LMS's launch secret should be able to do.
/// </summary>
public sealed class CourseFunction(ICourseCatalogue catalogue, CallerAuthorizer authorizer, TimeProvider time, ILogger<CourseFunction> logger)
{
    [Function("CreateCourse")]
    public Task<IActionResult> Create(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "courses")] HttpRequest request,
        CancellationToken cancellationToken) => SaveAsync(request, null, cancellationToken);

    [Function("PutCourse")]
    public Task<IActionResult> Put(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "courses/{courseId}")] HttpRequest request,
        string courseId,
        CancellationToken cancellationToken) => SaveAsync(request, courseId, cancellationToken);

    private async Task<IActionResult> SaveAsync(HttpRequest request, string? routeCourseId, CancellationToken cancellationToken)
    {
        if (await authorizer.RefuseAsync(request, AppRoles.OperationsAdmin, cancellationToken) is { } refusal) return refusal;
        var body = await HttpIntake.ReadAsync(request, cancellationToken);
        if (body.Error is not null) return body.Error;
        var json = HttpIntake.ParseObject(body.Bytes);
        if (json.Error is not null) return json.Error;

        var course = CourseIntake.Read(json.Value, routeCourseId, time.GetUtcNow());
        if (!course.IsValid) return HttpIntake.Invalid(course.Errors);

        try
        {
            await catalogue.UpsertAsync(course.Value!, cancellationToken);
        }
        catch (RequestFailedException ex)
        {
            logger.LogError(ex, "Could not save course {CourseId}", Go1Sync.Core.Security.LogValue.Of(course.Value!.CourseId));
            return HttpIntake.Unavailable();
        }
        return new JsonResponse(StatusCodes.Status200OK, course.Value);
    }
}
