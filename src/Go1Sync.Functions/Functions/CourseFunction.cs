using Azure;
using Go1Sync.Core.Intake;
using Go1Sync.Core.Processing;
using Go1Sync.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Go1Sync.Functions.Functions;

/// <summary>The course catalogue: theoretical durations that cap time spent. Written straight to its table.</summary>
public sealed class CourseFunction(ICourseCatalogue catalogue, TimeProvider time, ILogger<CourseFunction> logger)
{
    [Function("CreateCourse")]
    public Task<IActionResult> Create(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "courses")] HttpRequest request,
        CancellationToken cancellationToken) => SaveAsync(request, null, cancellationToken);

    [Function("PutCourse")]
    public Task<IActionResult> Put(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "courses/{courseId}")] HttpRequest request,
        string courseId,
        CancellationToken cancellationToken) => SaveAsync(request, courseId, cancellationToken);

    private async Task<IActionResult> SaveAsync(HttpRequest request, string? routeCourseId, CancellationToken cancellationToken)
    {
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
