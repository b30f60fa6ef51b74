using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Go1Sync.Core.Attempts;
using Go1Sync.Core.Learners;
using Go1Sync.Core.Processing;
using Go1Sync.Functions.Functions;
using Go1Sync.Functions.Http;
using Go1Sync.Infrastructure.Configuration;
using Go1Sync.Infrastructure.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Go1Sync.Testing;

public sealed record HttpAnswer(int Status, string? ContentType, string Body, IHeaderDictionary Headers);

/// <summary>
/// The product as the Functions host would run it, minus the host: the same AddGo1Sync wiring,
/// the function classes, real Azurite storage, and a queue driver that does what the host's
/// queue trigger does (batch, delete on success, retry, poison after maxDequeueCount).
/// </summary>
public sealed class Go1SyncTestHost : IAsyncDisposable
{
    private readonly IHost _host;

    private Go1SyncTestHost(IHost host, string queueName)
    {
        _host = host;
        QueueName = queueName;
        var queues = Get<QueueServiceClient>();
        Queue = queues.GetQueueClient(queueName);
        Poison = queues.GetQueueClient(queueName + "-poison");
    }

    public string QueueName { get; }
    public QueueClient Queue { get; }
    public QueueClient Poison { get; }
    public IServiceProvider Services => _host.Services;
    public StorageTransactionCounter Transactions => Get<StorageTransactionCounter>();
    public AttemptRules Rules => Get<AttemptRules>();
    /// <summary>The learner ids the host makes (the development key unless a test sets Learners:IdKey).</summary>
    public LearnerIds Ids => Get<LearnerIds>();

    public static async Task<Go1SyncTestHost> StartAsync(
        Azurite azurite,
        Action<Dictionary<string, string?>>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var queueName = "events-" + Guid.NewGuid().ToString("N")[..12];
        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["AttemptEventsQueue"] = queueName,
            ["Webhook:AllowUnsigned"] = "true",
            // Like a local run: launches unsigned, the read API, course writes and /api/ops without
            // a token. The security tests set secrets, an authority and an audience instead.
            ["Launch:AllowUnsigned"] = "true",
            ["Auth:AllowUnauthenticated"] = "true",
            // The pipeline tests post the article's 2024 examples over HTTP; LaunchSecurityTests
            // holds the production default (7 days) to its word.
            ["Launch:MaxAge"] = "3650.00:00:00",
        };
        settings?.Invoke(values);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(values);
        services?.Invoke(builder.Services);
        builder.Services.AddGo1Sync(builder.Configuration);
        builder.Services.AddGo1SyncHttp(builder.Configuration);
        var host = builder.Build();
        await host.StartAsync();
        // The backlog monitor samples storage once at start; let that finish so tests that count
        // storage requests count only their own (the next sample is a minute away).
        var monitor = host.Services.GetRequiredService<Go1Sync.Infrastructure.Health.BacklogMonitor>();
        for (var i = 0; i < 100 && monitor.Latest is null; i++) await Task.Delay(50);
        return new Go1SyncTestHost(host, values["AttemptEventsQueue"]!);
    }

    public T Get<T>() where T : notnull => _host.Services.GetRequiredService<T>();

    /// <summary>A function class, activated from the container as the Functions host does.</summary>
    public T Function<T>() => ActivatorUtilities.CreateInstance<T>(_host.Services);

    public static async Task<HttpAnswer> InvokeAsync(
        Func<HttpRequest, Task<IActionResult>> function,
        string body,
        string? contentType = "application/json",
        IDictionary<string, string>? headers = null,
        string method = "POST")
    {
        var context = new DefaultHttpContext();
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Request.Method = method;
        context.Request.ContentType = contentType;
        context.Request.ContentLength = bytes.Length;
        context.Request.Body = new MemoryStream(bytes);
        return await ExecuteAsync(context, function, headers);
    }

    /// <summary>A GET with a query string (e.g. "?pageSize=10") and optional headers.</summary>
    public static async Task<HttpAnswer> GetAsync(Func<HttpRequest, Task<IActionResult>> function, string queryString = "", IDictionary<string, string>? headers = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("go1sync.example");
        context.Request.Path = "/api/test";
        context.Request.QueryString = new QueryString(queryString);
        return await ExecuteAsync(context, function, headers);
    }

    /// <summary>Runs the function and its IActionResult as the host would, and reads the response back. Headers (Authorization, signatures) go on the request as given.</summary>
    private static async Task<HttpAnswer> ExecuteAsync(DefaultHttpContext context, Func<HttpRequest, Task<IActionResult>> function, IDictionary<string, string>? headers)
    {
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) context.Request.Headers[name] = value;
        var responseBody = new MemoryStream();
        context.Response.Body = responseBody;
        var result = await function(context.Request);
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
        return new HttpAnswer(context.Response.StatusCode, context.Response.ContentType, Encoding.UTF8.GetString(responseBody.ToArray()), context.Response.Headers);
    }

    public Task<HttpAnswer> PostLaunchAsync(string json, IDictionary<string, string>? headers = null) =>
        InvokeAsync(r => Function<LaunchFunction>().Run(r, CancellationToken.None), json, headers: headers);
    public Task<HttpAnswer> PostWebhookAsync(string json, IDictionary<string, string>? headers = null) =>
        InvokeAsync(r => Function<Go1WebhookFunction>().Run(r, CancellationToken.None), json, headers: headers);
    public Task<HttpAnswer> PostCourseAsync(string json, IDictionary<string, string>? headers = null) =>
        InvokeAsync(r => Function<CourseFunction>().Create(r, CancellationToken.None), json, headers: headers);
    public Task<HttpAnswer> PutCourseAsync(string courseId, string json, IDictionary<string, string>? headers = null) =>
        InvokeAsync(r => Function<CourseFunction>().Put(r, courseId, CancellationToken.None), json, headers: headers, method: "PUT");

    public Task<HttpAnswer> PostLaunchAsync(string attemptId, string email, string courseId, string platform, string launchedAt) =>
        PostLaunchAsync($$"""{"attemptId":"{{attemptId}}","email":"{{email}}","courseId":"{{courseId}}","platform":"{{platform}}","launchedAt":"{{launchedAt}}"}""");

    public Task<HttpAnswer> PostCompletionAsync(string enrolmentId, string email, string courseId, string completedAt, bool passed, int? score = null, string? startedAt = null)
    {
        var data = new System.Text.Json.Nodes.JsonObject
        {
            ["id"] = enrolmentId,
            ["lo_id"] = courseId,
            ["email"] = email,
            ["status"] = "completed",
            ["pass"] = passed,
            ["end_date"] = completedAt,
        };
        if (score is not null) data["result"] = score;
        if (startedAt is not null) data["start_date"] = startedAt;
        var envelope = new System.Text.Json.Nodes.JsonObject
        {
            ["id"] = "evt-" + enrolmentId,
            ["event_type"] = "enrollment.complete",
            ["webhook_version"] = "3.0.0",
            ["data"] = data,
        };
        return PostWebhookAsync(envelope.ToJsonString());
    }

    /// <summary>Runs the queue function until the queue is empty, as the host's queue trigger would.</summary>
    public async Task<DrainReport> DrainAsync(int parallelism = 0, int maxRounds = 200)
    {
        var report = new DrainReport();
        var function = Function<AttemptEventsFunction>();
        var batch = parallelism > 0 ? parallelism : HostJson.BatchSize;
        for (var round = 0; round < maxRounds; round++)
        {
            QueueMessage[] messages = (await Queue.ReceiveMessagesAsync(Math.Min(batch, 32), TimeSpan.FromMinutes(1))).Value;
            if (messages.Length == 0) return report;
            await Task.WhenAll(messages.Select(m => DeliverAsync(function, m, report)));
        }
        throw new InvalidOperationException($"The queue {QueueName} did not drain in {maxRounds} rounds.");
    }

    /// <summary>One delivery of one message, with the host's success, retry and poison handling.</summary>
    public async Task DeliverAsync(AttemptEventsFunction function, QueueMessage message, DrainReport report)
    {
        try
        {
            await function.Run(message, CancellationToken.None);
            await Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            report.Succeeded();
        }
        catch (Exception ex)
        {
            report.Failed(ex);
            if (message.DequeueCount >= HostJson.MaxDequeueCount)
            {
                await Poison.SendMessageAsync(message.Body);
                await Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                report.Poisoned();
            }
            else
            {
                await Queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
            }
        }
    }

    public async Task<IReadOnlyList<Attempt>> AttemptsAsync(string email, string courseId)
    {
        var stored = await Get<IAttemptStore>().GetAsync(LearnerCourseKey.For(Ids, email, courseId), CancellationToken.None);
        return stored is null ? [] : Rules.Fold(stored.History);
    }

    public async Task<IReadOnlyList<TableEntity>> StatsRowsAsync(string courseId)
    {
        var table = Get<TableServiceClient>().GetTableClient(TableNames.AttemptStats);
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {KeyEncoding.Escape(courseId)} and RowKey lt {CourseRows.StatsEnd}")))
            rows.Add(row);
        return rows;
    }

    /// <summary>The open-index rows of every course (a scan of the key range, fine in a test).</summary>
    public async Task<IReadOnlyList<TableEntity>> OpenIndexRowsAsync()
    {
        var table = Get<TableServiceClient>().GetTableClient(TableNames.AttemptStats);
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey ge {CourseRows.OpenPrefix} and RowKey lt {CourseRows.OpenEnd}")))
            rows.Add(row);
        return rows;
    }

    public async Task<int> QueueLengthAsync(QueueClient? queue = null)
    {
        var properties = await (queue ?? Queue).GetPropertiesAsync();
        return properties.Value.ApproximateMessagesCount;
    }

    public IOptions<T> Options<T>() where T : class => Get<IOptions<T>>();

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

public sealed class DrainReport
{
    private int _succeeded, _failed, _poisoned;
    private readonly List<Exception> _errors = [];

    public int SucceededCount => _succeeded;
    public int FailedCount => _failed;
    public int PoisonedCount => _poisoned;
    public IReadOnlyList<Exception> Errors { get { lock (_errors) return _errors.ToList(); } }

    public void Succeeded() => Interlocked.Increment(ref _succeeded);
    public void Poisoned() => Interlocked.Increment(ref _poisoned);
    public void Failed(Exception ex)
    {
        Interlocked.Increment(ref _failed);
        lock (_errors) _errors.Add(ex);
    }
}
