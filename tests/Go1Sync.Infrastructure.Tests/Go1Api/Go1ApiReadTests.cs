using Go1Sync.Infrastructure.Go1;
using WireMock.RequestBuilders;

namespace Go1Sync.Infrastructure.Tests.Go1Api;

public sealed class Go1ApiReadTests : IDisposable
{
    private readonly Go1Stub _go1 = new();
    private readonly IGo1Directory _directory;
    private readonly IGo1Enrolments _enrolments;

    public Go1ApiReadTests()
    {
        _go1.GivenToken();
        var services = _go1.Services();
        _directory = services.GetRequiredService<IGo1Directory>();
        _enrolments = services.GetRequiredService<IGo1Enrolments>();
    }

    public void Dispose() => _go1.Dispose();

    [Fact]
    public async Task GetEnrolment_NumericIds_KeepsTheirDigitsAndReturnsDatesInUtc()
    {
        _go1.Server.Given(Request.Create().WithPath("/enrollments/98765432109876543210").UsingGet()).RespondWith(Go1Stub.Json("""
            {"id":98765432109876543210,"user_account_id":42,"lo_id":7001,"parent_enrollment_id":0,
             "status":"completed","pass":true,"result":87,
             "start_date":"2025-03-01T10:00:00+02:00","end_date":"2025-03-02T12:30:00Z",
             "created_time":"2025-02-28T00:00:00Z","something_new":{"nested":[1,2]}}
            """));

        var enrolment = await _directory.GetEnrolmentAsync("98765432109876543210", CancellationToken.None);

        Assert.Equal(new Go1Enrolment("98765432109876543210", "42", "7001", "completed", true, 87,
            new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 3, 2, 12, 30, 0, TimeSpan.Zero)), enrolment);
        Assert.Equal(TimeSpan.Zero, enrolment!.StartDate!.Value.Offset);
    }

    [Fact]
    public async Task GetEnrolment_StringIdsAndNoDatesYet_IsReadWithNulls()
    {
        _go1.Server.Given(Request.Create().WithPath("/enrollments/e-1").UsingGet()).RespondWith(Go1Stub.Json("""
            {"id":"e-1","user_account_id":"u-2","lo_id":"lo-3","status":"in-progress","pass":false,"result":null,"start_date":null}
            """));

        var enrolment = await _directory.GetEnrolmentAsync("e-1", CancellationToken.None);

        Assert.Equal(new Go1Enrolment("e-1", "u-2", "lo-3", "in-progress", false, null, null, null), enrolment);
    }

    [Fact]
    public async Task Get_UnknownEnrolmentUserOrLearningObjectAnswered404_IsNull()
    {
        _go1.Server.Given(Request.Create().UsingGet()).AtPriority(100).RespondWith(Go1Stub.Json("""{"message":"Not found"}""", 404));

        Assert.Null(await _directory.GetEnrolmentAsync("404", CancellationToken.None));
        Assert.Null(await _directory.GetUserEmailAsync("404", CancellationToken.None));
        Assert.Null(await _directory.GetCourseDurationMinutesAsync("404", CancellationToken.None));
        Assert.Equal(3, _go1.Server.LogEntries.Count(e => e.RequestMessage.Path != Go1Stub.TokenPath));
    }

    [Fact]
    public async Task Ids_WithPathCharacters_AreEscapedIntoOnePathSegment()
    {
        _go1.Server.Given(Request.Create().UsingGet()).AtPriority(100).RespondWith(Go1Stub.Json("{}", 404));

        await _directory.GetEnrolmentAsync("../users/1?x=y", CancellationToken.None);

        var request = Assert.Single(_go1.Server.LogEntries, e => e.RequestMessage.Path != Go1Stub.TokenPath).RequestMessage;
        // '/' and '?' stay inside the id: the request neither climbs to /users nor starts a query.
        Assert.Contains("/enrollments/..%2Fusers%2F1%3Fx", request.Url, StringComparison.Ordinal);
        Assert.Empty(request.Query ?? new Dictionary<string, WireMock.Types.WireMockList<string>>());
    }

    [Fact]
    public async Task GetUser_EmailOrElseMail_IsReadAsTheEmail()
    {
        _go1.Server.Given(Request.Create().WithPath("/users/1").UsingGet()).RespondWith(Go1Stub.Json("""{"id":1,"email":"ada@example.com","first_name":"Ada"}"""));
        _go1.Server.Given(Request.Create().WithPath("/users/2").UsingGet()).RespondWith(Go1Stub.Json("""{"id":2,"mail":"grace@example.com"}"""));
        _go1.Server.Given(Request.Create().WithPath("/users/3").UsingGet()).RespondWith(Go1Stub.Json("""{"id":3,"email":""}"""));

        Assert.Equal("ada@example.com", await _directory.GetUserEmailAsync("1", CancellationToken.None));
        Assert.Equal("grace@example.com", await _directory.GetUserEmailAsync("2", CancellationToken.None));
        Assert.Null(await _directory.GetUserEmailAsync("3", CancellationToken.None));
    }

    [Fact]
    public async Task GetLearningObject_RelevanceDuration_IsMinutesAndMissingNullOrZeroIsNull()
    {
        _go1.Server.Given(Request.Create().WithPath("/learning-objects/1").UsingGet()).RespondWith(Go1Stub.Json("""{"id":1,"title":"Fire safety","relevance":{"duration":45}}"""));
        _go1.Server.Given(Request.Create().WithPath("/learning-objects/2").UsingGet()).RespondWith(Go1Stub.Json("""{"id":2,"relevance":{}}"""));
        _go1.Server.Given(Request.Create().WithPath("/learning-objects/3").UsingGet()).RespondWith(Go1Stub.Json("""{"id":3,"relevance":{"duration":null}}"""));
        _go1.Server.Given(Request.Create().WithPath("/learning-objects/4").UsingGet()).RespondWith(Go1Stub.Json("""{"id":4,"relevance":{"duration":0}}"""));
        _go1.Server.Given(Request.Create().WithPath("/learning-objects/5").UsingGet()).RespondWith(Go1Stub.Json("""{"id":5}"""));

        Assert.Equal(45, await _directory.GetCourseDurationMinutesAsync("1", CancellationToken.None));
        foreach (var id in new[] { "2", "3", "4", "5" })
            Assert.Null(await _directory.GetCourseDurationMinutesAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task FindUserByEmail_Hits_IsTheFirstHitsIdOrNullWithoutHits()
    {
        _go1.Server.Given(Request.Create().WithPath("/users").UsingGet().WithParam("email", "ada+go1@example.com"))
            .RespondWith(Go1Stub.Json("""{"total":2,"hits":[{"id":501,"email":"ada+go1@example.com"},{"id":502}]}"""));
        _go1.Server.Given(Request.Create().WithPath("/users").UsingGet().WithParam("email", "nobody@example.com"))
            .RespondWith(Go1Stub.Json("""{"total":0,"hits":[]}"""));

        Assert.Equal("501", await _enrolments.FindUserIdByEmailAsync("ada+go1@example.com", CancellationToken.None));
        Assert.Null(await _enrolments.FindUserIdByEmailAsync("nobody@example.com", CancellationToken.None));
        Assert.Contains("email=ada%2Bgo1%40example.com", _go1.Requests("/users")[0].RequestMessage.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListCompletedEnrolments_ForAUserAndLearningObject_AreReadFromHits()
    {
        _go1.Server.Given(Request.Create().WithPath("/enrollments").UsingGet()
                .WithParam("user_account_id", "42").WithParam("lo_ids", "7001").WithParam("status", "completed").WithParam("limit", "50"))
            .RespondWith(Go1Stub.Json("""
                {"total":2,"hits":[
                  {"id":1,"user_account_id":42,"lo_id":7001,"status":"completed","pass":true,"result":90,"end_date":"2025-01-02T03:04:05Z"},
                  {"id":"2","user_account_id":"42","lo_id":"7001","status":"completed","pass":false,"end_date":"2025-02-02T03:04:05Z"}]}
                """));

        var list = await _enrolments.ListCompletedEnrolmentsAsync("42", "7001", CancellationToken.None);

        Assert.Equal(["1", "2"], list.Select(e => e.Id));
        Assert.Equal(90, list[0].Result);
        Assert.Equal(new DateTimeOffset(2025, 2, 2, 3, 4, 5, TimeSpan.Zero), list[1].EndDate);
        Assert.False(list[1].Pass);
    }

    [Fact]
    public async Task Get_AnyOtherFailureStatus_ThrowsAnHttpRequestExceptionWithTheStatus()
    {
        _go1.Server.Given(Request.Create().WithPath("/enrollments/11").UsingGet()).RespondWith(Go1Stub.Json("{}", 403));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => _directory.GetEnrolmentAsync("11", CancellationToken.None));

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, error.StatusCode);
        Assert.Single(_go1.Requests("/enrollments/11"));
    }
}
