using Azure.Data.Tables;
using Go1Sync.Functions.Functions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Go1Sync.ContractTests;

[CollectionDefinition(Name)]
public sealed class ContractCollection : ICollectionFixture<ContractScenario>
{
    public const string Name = "contracts";
}

/// <summary>
/// One fixed story, run once through the product as the Functions host runs it (function classes,
/// queue driver, real Azurite), on a fake clock, so every byte it leaves behind is the same on every
/// run: an operator puts a 5-hour course; the LMS launches two attempts of one learner (web, then
/// mobile); Go1 reports one completion, which closes the older attempt; and Go1 reports a completion
/// of another learner with a score out of range, which is accepted without it and parked (no Go1 API
/// to fetch the score from); last, an operator erases a third learner, which leaves a tombstone.
/// The clock starts at a quarter second past the minute so that fractions of a second show in
/// every instant the product writes. The tests read what that left: queue messages (captured as they were
/// queued), table rows, and the answers of the read API and the CLI.
/// </summary>
public sealed class ContractScenario : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = DateTimeOffset.Parse("2025-03-10T12:00:00.250Z", System.Globalization.CultureInfo.InvariantCulture);

    public const string Course = "go1-course-golden";
    public const string Email = "ada.golden@example.com";
    public const string ClosedAttempt = "lms-attempt-1";
    public const string OpenAttempt = "lms-attempt-2";
    public const string Enrolment = "7001";
    public const string WebhookEventId = "evt-golden-7001";

    public const string ParkedCourse = "go1-course-golden-parked";
    public const string ParkedEmail = "grace.golden@example.com";
    public const string ParkedEnrolment = "7002";
    public const string ParkedEventId = "evt-golden-7002";

    public const string ErasedEmail = "erased.golden@example.com";

    public const string CourseBody = """{"durationMinutes":300,"title":"Golden course"}""";
    public const string FirstLaunchBody = """{"attemptId":"lms-attempt-1","email":"Ada.Golden@Example.com","courseId":"go1-course-golden","platform":"web","launchedAt":"2025-03-10T08:00:00Z"}""";
    public const string SecondLaunchBody = """{"attemptId":"lms-attempt-2","email":"ada.golden@example.com","courseId":"go1-course-golden","platform":"mobile","launchedAt":"2025-03-10T10:00:00+01:00"}""";
    public const string CompletionBody = """{"id":"evt-golden-7001","event_type":"enrollment.complete","webhook_version":"3.0.0","data":{"id":"7001","lo_id":"go1-course-golden","email":"ada.golden@example.com","status":"completed","pass":true,"result":85,"start_date":"2025-03-10T08:05:00Z","end_date":"2025-03-10T11:30:00Z"}}""";
    /// <summary>Its <c>result</c> is out of range: dropped at intake, named for Go1 to supply (<c>refetch</c>).</summary>
    public const string ParkedCompletionBody = """{"id":"evt-golden-7002","event_type":"enrollment.complete","webhook_version":"3.0.0","data":{"id":"7002","lo_id":"go1-course-golden-parked","email":"grace.golden@example.com","status":"completed","pass":true,"result":150,"end_date":"2025-03-10T11:40:00Z"}}""";

    private Azurite? _azurite;
    private Go1SyncTestHost? _host;

    public FakeTimeProvider Clock { get; } = new(Start);
    public Azurite Azurite => _azurite ?? throw new InvalidOperationException("Azurite has not started.");
    public Go1SyncTestHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public HttpAnswer CourseAnswer { get; private set; } = null!;
    public HttpAnswer FirstLaunchAnswer { get; private set; } = null!;
    public HttpAnswer CompletionAnswer { get; private set; } = null!;
    public HttpAnswer ParkedCompletionAnswer { get; private set; } = null!;
    public HttpAnswer ForgetAnswer { get; private set; } = null!;

    /// <summary>The queue messages exactly as intake queued them (the queue client decodes the base64 the queue holds).</summary>
    public string FirstLaunchMessage { get; private set; } = "";
    public string CompletionMessage { get; private set; } = "";
    public string ParkedCompletionMessage { get; private set; } = "";

    /// <summary>The instant the read API and the CLI report as of: when the story has ended.</summary>
    public DateTimeOffset ReportAt { get; private set; }

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartInMemoryAsync();
        _host = await StartHostAsync();

        CourseAnswer = await Go1SyncTestHost.InvokeAsync(r => Host.Function<CourseFunction>().Put(r, Course, CancellationToken.None), CourseBody, method: "PUT");
        Expect(200, CourseAnswer);
        Clock.Advance(TimeSpan.FromSeconds(1));

        (FirstLaunchAnswer, FirstLaunchMessage) = await AcceptAndApplyAsync(() => Host.PostLaunchAsync(FirstLaunchBody));
        (_, _) = await AcceptAndApplyAsync(() => Host.PostLaunchAsync(SecondLaunchBody));
        (CompletionAnswer, CompletionMessage) = await AcceptAndApplyAsync(() => Host.PostWebhookAsync(CompletionBody));
        (ParkedCompletionAnswer, ParkedCompletionMessage) = await AcceptAndApplyAsync(() => Host.PostWebhookAsync(ParkedCompletionBody));

        ForgetAnswer = await Go1SyncTestHost.InvokeAsync(r => Host.Function<OperationsFunctions>().ForgetLearner(r, CancellationToken.None),
            $$"""{"email":"{{ErasedEmail}}"}""");
        Expect(200, ForgetAnswer);
        Clock.Advance(TimeSpan.FromSeconds(1));
        ReportAt = Clock.GetUtcNow();
    }

    /// <summary>A host on the scenario's storage and clock; <paramref name="settings"/> changes its configuration (credentials).</summary>
    public Task<Go1SyncTestHost> StartHostAsync(Action<Dictionary<string, string?>>? settings = null) =>
        Go1SyncTestHost.StartAsync(Azurite, settings, services => services.AddSingleton<TimeProvider>(Clock));

    /// <summary>
    /// Received at the clock's instant, applied 2 seconds later by the queue function; the clock
    /// then moves on a second so that the next request has its own instant.
    /// </summary>
    private async Task<(HttpAnswer Answer, string Message)> AcceptAndApplyAsync(Func<Task<HttpAnswer>> post)
    {
        var answer = await post();
        Expect(202, answer);
        var queued = (await Host.Queue.PeekMessagesAsync(maxMessages: 32)).Value;
        if (queued.Length != 1) throw new InvalidOperationException($"Expected one queued message, found {queued.Length}.");
        var message = queued[0].Body.ToString();

        Clock.Advance(TimeSpan.FromSeconds(2));
        var report = await Host.DrainAsync();
        if (report.FailedCount > 0 || report.SucceededCount != 1)
            throw new InvalidOperationException($"The queued message did not apply once: {report.SucceededCount} succeeded, {report.FailedCount} failed.",
                report.Errors.FirstOrDefault());
        Clock.Advance(TimeSpan.FromSeconds(1));
        return (answer, message);
    }

    private static void Expect(int status, HttpAnswer answer)
    {
        if (answer.Status != status)
            throw new InvalidOperationException($"The scenario expected {status} and got {answer.Status}: {answer.Body}");
    }

    /// <summary>Every row of a table partition as stored, in key order.</summary>
    public async Task<IReadOnlyList<TableEntity>> RowsAsync(string table, string partitionKey)
    {
        var client = Host.Get<TableServiceClient>().GetTableClient(table);
        var rows = new List<TableEntity>();
        await foreach (var row in client.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}")))
            rows.Add(row);
        return rows.OrderBy(r => r.RowKey, StringComparer.Ordinal).ToList();
    }

    /// <summary>Every row of a table whose string property <paramref name="property"/> is <paramref name="value"/>.</summary>
    public async Task<IReadOnlyList<TableEntity>> RowsWhereAsync(string table, string property, string value)
    {
        var client = Host.Get<TableServiceClient>().GetTableClient(table);
        var rows = new List<TableEntity>();
        await foreach (var row in client.QueryAsync<TableEntity>($"{property} eq '{value.Replace("'", "''", StringComparison.Ordinal)}'"))
            rows.Add(row);
        return rows.OrderBy(r => r.PartitionKey, StringComparer.Ordinal).ThenBy(r => r.RowKey, StringComparer.Ordinal).ToList();
    }

    /// <summary>The learner id the product gave <see cref="Email"/>, as its stats rows hold it (whatever derives it).</summary>
    public async Task<string> LearnerIdAsync()
    {
        var rows = await RowsAsync(TableNames.AttemptStats, StatsRows.StatsPartition(Course));
        return rows.Select(r => r.GetString("LearnerHash")).OfType<string>().Distinct().Single();
    }

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        if (_azurite is not null) await _azurite.DisposeAsync();
    }
}
