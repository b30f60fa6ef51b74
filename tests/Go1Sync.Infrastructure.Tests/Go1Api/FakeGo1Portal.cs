using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Types;
using WireMock.Util;

namespace Go1Sync.Infrastructure.Tests.Go1Api;

/// <summary>One enrolment in the fake portal. <see cref="Listed"/> false: not in the list's reporting index yet (Go1's lag).</summary>
public sealed record PortalEnrolment(
    string Id,
    string UserId,
    string LoId,
    string Status,
    bool Pass,
    int Result,
    DateTimeOffset StartDate,
    DateTimeOffset? EndDate,
    DateTimeOffset UpdatedTime)
{
    public bool Listed { get; set; } = true;

    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["id"] = Id, ["user_account_id"] = UserId, ["lo_id"] = LoId, ["status"] = Status, ["pass"] = Pass, ["result"] = Result,
            ["start_date"] = FakeGo1Portal.Iso(StartDate), ["created_time"] = FakeGo1Portal.Iso(StartDate), ["updated_time"] = FakeGo1Portal.Iso(UpdatedTime),
        };
        if (EndDate is { } end) json["end_date"] = FakeGo1Portal.Iso(end);
        return json;
    }
}

/// <summary>
/// A Go1 portal behind the <see cref="Go1Stub"/>'s WireMock server, answering as Go1 does: the
/// enrolment list with its filters, sort, offset paging and its refusal of offset + limit over
/// 10,000; single enrolments, users and learning objects; faults injected by list request number.
/// </summary>
public sealed class FakeGo1Portal
{
    public const int MaxDepth = 10_000;

    private readonly Go1Stub _stub;
    private readonly ConcurrentDictionary<string, PortalEnrolment> _enrolments = new();
    private readonly ConcurrentDictionary<string, string> _users = new();
    private readonly ConcurrentDictionary<string, int?> _durations = new();
    private readonly ConcurrentDictionary<int, (int Status, string? RetryAfter)> _faults = new();
    private int _listRequests;

    public FakeGo1Portal(Go1Stub stub)
    {
        _stub = stub;
        stub.GivenToken();
        stub.Server.Given(Request.Create().WithPath("/enrollments").UsingGet()).RespondWith(Response.Create().WithCallback(List));
        stub.Server.Given(Request.Create().WithPath(new WireMock.Matchers.RegexMatcher("^/enrollments/[^/]+$")).UsingGet()).RespondWith(Response.Create().WithCallback(Enrolment));
        stub.Server.Given(Request.Create().WithPath(new WireMock.Matchers.RegexMatcher("^/users/[^/]+$")).UsingGet()).RespondWith(Response.Create().WithCallback(User));
        stub.Server.Given(Request.Create().WithPath(new WireMock.Matchers.RegexMatcher("^/learning-objects/[^/]+$")).UsingGet()).RespondWith(Response.Create().WithCallback(LearningObject));
    }

    /// <summary>Delay added to every list answer (to make concurrent runs overlap).</summary>
    public TimeSpan ListDelay { get; set; }

    public IReadOnlyCollection<PortalEnrolment> Enrolments => _enrolments.Values.ToList();

    public void AddUser(string userId, string email) => _users[userId] = email;

    /// <summary>A learning object; a null duration: Go1 gives none.</summary>
    public void AddCourse(string loId, int? minutes) => _durations[loId] = minutes;

    public PortalEnrolment Add(PortalEnrolment enrolment) => _enrolments[enrolment.Id] = enrolment;

    /// <summary>The <paramref name="listRequest"/>-th list request (1-based, counted over the portal's life) answers this status.</summary>
    public void FailListRequest(int listRequest, int status, string? retryAfter = null) => _faults[listRequest] = (status, retryAfter);

    public void ClearFaults() => _faults.Clear();

    public int ListRequests => Count(p => p == "/enrollments");
    public int EnrolmentRequests => Count(p => p.StartsWith("/enrollments/", StringComparison.Ordinal));
    public int UserRequests => Count(p => p.StartsWith("/users/", StringComparison.Ordinal));
    public int LearningObjectRequests => Count(p => p.StartsWith("/learning-objects/", StringComparison.Ordinal));

    private int Count(Func<string, bool> path) => _stub.Server.LogEntries.Count(e => path(e.RequestMessage.Path));

    public static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private async Task<IResponseMessage> List(IRequestMessage request)
    {
        var number = Interlocked.Increment(ref _listRequests);
        if (ListDelay > TimeSpan.Zero) await Task.Delay(ListDelay);
        if (_faults.TryGetValue(number, out var fault))
            return Answer(fault.Status, new JsonObject { ["message"] = "injected fault" }, fault.RetryAfter);

        string? Query(string name) => request.Query is { } q && q.TryGetValue(name, out var v) ? v.FirstOrDefault() : null;
        var offset = int.Parse(Query("offset") ?? "0", CultureInfo.InvariantCulture);
        var limit = int.Parse(Query("limit") ?? "20", CultureInfo.InvariantCulture);
        if (limit is < 1 or > 50 || offset < 0 || offset + limit > MaxDepth)
            return Answer(400, new JsonObject { ["message"] = $"offset + limit must not exceed {MaxDepth}; limit 1-50" });

        IEnumerable<PortalEnrolment> hits = _enrolments.Values.Where(e => e.Listed);
        if (Query("status") is { } status) hits = hits.Where(e => e.Status == status);
        if (Query("user_account_id") is { } user) hits = hits.Where(e => e.UserId == user);
        if (Query("lo_ids") is { } los) hits = hits.Where(e => los.Split(',').Contains(e.LoId));
        if (Query("update_time_gte") is { } gte) hits = hits.Where(e => e.UpdatedTime >= DateTimeOffset.Parse(gte, CultureInfo.InvariantCulture));
        if (Query("update_time_lte") is { } lte) hits = hits.Where(e => e.UpdatedTime <= DateTimeOffset.Parse(lte, CultureInfo.InvariantCulture));
        var sorted = (Query("sort") == "updated_time" ? hits.OrderBy(e => e.UpdatedTime) : hits.OrderBy(e => e.StartDate)).ThenBy(e => e.Id, StringComparer.Ordinal).ToList();
        if (Query("order") != "asc") sorted.Reverse();
        var page = sorted.Skip(offset).Take(limit).Select(e => (JsonNode)e.ToJson()).ToArray();
        return Answer(200, new JsonObject { ["total"] = sorted.Count, ["hits"] = new JsonArray(page) });
    }

    private IResponseMessage Enrolment(IRequestMessage request) =>
        _enrolments.TryGetValue(Uri.UnescapeDataString(request.Path["/enrollments/".Length..]), out var e) ? Answer(200, e.ToJson()) : Answer(404, new JsonObject());

    private IResponseMessage User(IRequestMessage request)
    {
        var id = Uri.UnescapeDataString(request.Path["/users/".Length..]);
        return _users.TryGetValue(id, out var email) ? Answer(200, new JsonObject { ["id"] = id, ["email"] = email }) : Answer(404, new JsonObject());
    }

    private IResponseMessage LearningObject(IRequestMessage request)
    {
        var id = Uri.UnescapeDataString(request.Path["/learning-objects/".Length..]);
        if (!_durations.TryGetValue(id, out var minutes)) return Answer(404, new JsonObject());
        var json = new JsonObject { ["id"] = id, ["title"] = "Course " + id };
        if (minutes is { } m) json["relevance"] = new JsonObject { ["duration"] = m };
        return Answer(200, json);
    }

    private static ResponseMessage Answer(int status, JsonNode body, string? retryAfter = null)
    {
        var headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new("application/json") };
        if (retryAfter is not null) headers["Retry-After"] = new(retryAfter);
        return new ResponseMessage
        {
            StatusCode = status,
            Headers = headers,
            BodyData = new BodyData { BodyAsString = body.ToJsonString(), DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 },
        };
    }
}
