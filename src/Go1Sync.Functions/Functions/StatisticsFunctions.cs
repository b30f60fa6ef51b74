using System.Globalization;
using Go1Sync.Core.Reporting;
using Microsoft.AspNetCore.Http.Extensions;

namespace Go1Sync.Functions.Functions;

/// <summary>
/// The statistics the way the LMS's own stats API gives them: pages of 500 with a Link header, a summary, CSV.
/// Readers present an Entra ID token with the app role Statistics.Read (<see cref="CallerAuthorizer"/>).
/// </summary>
public sealed class StatisticsFunctions(CourseStatistics statistics, CourseSummaries summaries, ChangeFeed changes, CallerAuthorizer authorizer, TimeProvider time)
{
    [Function("CourseAttempts")]
    public async Task<IActionResult> CourseAttempts(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "courses/{courseId}/attempts")] HttpRequest request,
        string courseId,
        CancellationToken cancellationToken) =>
        await AsReader(request, () => CourseAttemptsAsync(request, courseId, cancellationToken), cancellationToken);

    private async Task<IActionResult> CourseAttemptsAsync(HttpRequest request, string courseId, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var range = new AttemptRange(Instant(request, "from", errors), Instant(request, "to", errors));
        var status = Status(request, errors);
        var pageSize = PageSize(request, errors);
        if (errors.Any) return JsonResponse.Problem(400, "Invalid query", "One or more query parameters are wrong.", errors.ToDictionary());

        var asOf = time.GetUtcNow();
        if (request.Headers.Accept.Any(a => a is not null && a.Contains("text/csv", StringComparison.OrdinalIgnoreCase)))
            return new CsvAttemptsResult(statistics.StreamAsync(courseId, range, status, asOf, cancellationToken), $"{courseId}-attempts.csv");

        var page = await statistics.PageAsync(courseId, range, status, asOf, request.Query["continuation"].FirstOrDefault(), pageSize, cancellationToken);
        var response = new JsonResponse(200, page.Rows);
        if (page.Continuation is not null)
        {
            var next = new QueryBuilder(request.Query.Where(q => q.Key != "continuation").SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? ""))))
            {
                { "continuation", page.Continuation },
            };
            response.Headers["Link"] = $"<{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{next}>; rel=\"next\"";
        }
        return response;
    }

    [Function("CourseSummary")]
    public async Task<IActionResult> CourseSummary(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "courses/{courseId}/summary")] HttpRequest request,
        string courseId,
        CancellationToken cancellationToken) =>
        await AsReader(request, async () => WithFreshness(await summaries.GetAsync(courseId, cancellationToken)), cancellationToken);

    /// <summary>The summary, saying for how much longer a client may keep it.</summary>
    private JsonResponse WithFreshness(CourseSummary summary)
    {
        var fresh = summaries.FreshFor(summary, time.GetUtcNow());
        var response = new JsonResponse(200, summary);
        response.Headers["Cache-Control"] = $"private, max-age={(int)fresh.TotalSeconds}";
        return response;
    }

    public const string CourseAttemptsRoute = "/api/courses/{courseId}/attempts";

    /// <summary>
    /// The change feed: every attempt change of every course, oldest first, from an opaque cursor
    /// (<see cref="ChangeCursor"/>; none: from the oldest kept; <c>latest</c>: from now). A consumer keeps
    /// the highest <c>version</c> per attempt. Expired cursors get 410 and resynchronise from the course attempts.
    /// </summary>
    [Function("AttemptChanges")]
    public async Task<IActionResult> AttemptChanges(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "attempts/changes")] HttpRequest request,
        CancellationToken cancellationToken) =>
        await AsReader(request, () => AttemptChangesAsync(request, cancellationToken), cancellationToken);

    private async Task<IActionResult> AttemptChangesAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var limit = Limit(request, errors);
        var text = request.Query["cursor"].FirstOrDefault();
        ChangePosition? after = null;
        if (text == ChangeCursor.Latest)
            after = changes.Latest();
        else if (!string.IsNullOrEmpty(text) && (after = ChangeCursor.TryDecode(text)) is null)
            errors.Add("cursor", "'cursor' must be a cursor this API returned, or 'latest'.");
        if (errors.Any) return JsonResponse.Problem(400, "Invalid query", "One or more query parameters are wrong.", errors.ToDictionary());

        var (page, refusal) = await changes.ReadAsync(after, limit, cancellationToken);
        if (page is null || refusal == ChangeFeedRefusal.Expired)
            return JsonResponse.Problem(410, "Cursor expired",
                $"The cursor is older than the changes kept (Feed__RetentionDays): resynchronise every course from GET {CourseAttemptsRoute}, then follow the changes from cursor=latest.");
        var response = new JsonResponse(200, page);
        if (page.Full)
        {
            var next = new QueryBuilder { { "cursor", page.Cursor }, { "limit", limit.ToString(CultureInfo.InvariantCulture) } };
            response.Headers["Link"] = $"<{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{next}>; rel=\"next\"";
        }
        return response;
    }

    private static int Limit(HttpRequest request, FieldErrors errors)
    {
        var text = request.Query["limit"].FirstOrDefault();
        if (string.IsNullOrEmpty(text)) return ChangeFeed.MaxLimit;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= ChangeFeed.MaxLimit) return limit;
        errors.Add("limit", $"'limit' must be between 1 and {ChangeFeed.MaxLimit}.");
        return ChangeFeed.MaxLimit;
    }

    public const string LearnerLookupRoute = "/api/learners/lookup";

    /// <summary>The path takes the learner's id (<see cref="Go1Sync.Core.Learners.LearnerIds"/>, a keyed hash of the email); an email is refused (it would sit in request logs).</summary>
    [Function("LearnerAttempts")]
    public async Task<IActionResult> LearnerAttempts(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "learners/{learner}/attempts")] HttpRequest request,
        string learner,
        CancellationToken cancellationToken) =>
        await AsReader(request, () => LearnerByIdAsync(learner, cancellationToken), cancellationToken);

    /// <summary>The same answer as <see cref="LearnerAttempts"/>, for a learner named by email in the body <c>{"email": "..."}</c>.</summary>
    [Function("LookupLearnerAttempts")]
    public async Task<IActionResult> LookupLearnerAttempts(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "learners/lookup")] HttpRequest request,
        CancellationToken cancellationToken) =>
        await authorizer.AnswerLookupAsync(request, AppRoles.StatisticsRead, body => LearnerAsync(body.Email, cancellationToken), cancellationToken);

    private Task<IActionResult> AsReader(HttpRequest request, Func<Task<IActionResult>> answer, CancellationToken cancellationToken) =>
        authorizer.AnswerAsync(request, AppRoles.StatisticsRead, answer, cancellationToken);

    private async Task<IActionResult> LearnerByIdAsync(string learner, CancellationToken cancellationToken)
    {
        var hash = Uri.UnescapeDataString(learner).Trim();
        return LearnerLookup.RefuseUnlessHash(hash, "learner", LearnerLookupRoute) ?? await LearnerAsync(hash, cancellationToken);
    }

    /// <summary>A learner's attempts, named by learner id (GET) or email (look-up): the statistics accept either.</summary>
    private async Task<IActionResult> LearnerAsync(string learner, CancellationToken cancellationToken) =>
        new JsonResponse(200, await statistics.LearnerAsync(learner, time.GetUtcNow(), cancellationToken));

    private static DateTimeOffset? Instant(HttpRequest request, string name, FieldErrors errors) =>
        InstantText.ReadOptional(request.Query[name].FirstOrDefault(), name, errors);

    private static StatusFilter Status(HttpRequest request, FieldErrors errors)
    {
        switch (request.Query["status"].FirstOrDefault())
        {
            case null or "": return StatusFilter.Any;
            case "open": return StatusFilter.Open;
            case "completed": return StatusFilter.Completed;
            default:
                errors.Add("status", "'status' must be 'open' or 'completed'.");
                return StatusFilter.Any;
        }
    }

    private static int PageSize(HttpRequest request, FieldErrors errors)
    {
        var text = request.Query["pageSize"].FirstOrDefault();
        if (string.IsNullOrEmpty(text)) return CourseStatistics.MaxPageSize;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= CourseStatistics.MaxPageSize) return size;
        errors.Add("pageSize", $"'pageSize' must be between 1 and {CourseStatistics.MaxPageSize}.");
        return CourseStatistics.MaxPageSize;
    }
}
