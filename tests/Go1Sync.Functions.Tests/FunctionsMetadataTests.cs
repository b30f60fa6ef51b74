namespace Go1Sync.Functions.Tests;

/// <summary>The functions.metadata the build writes is what the Functions host reads: it must say what we mean.</summary>
public sealed class FunctionsMetadataTests
{
    private static readonly Dictionary<string, JsonElement> Functions = Load();

    private static Dictionary<string, JsonElement> Load()
    {
        var path = Path.Combine(RepoPaths.Root, "src", "Go1Sync.Functions", "bin", RepoPaths.Configuration, "net10.0", "functions.metadata");
        Assert.True(File.Exists(path), $"{path} is missing: build src/Go1Sync.Functions first.");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.Clone());
    }

    private static JsonElement Trigger(string function) =>
        Functions[function].GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));

    /// <summary>
    /// Each HTTP function's route, method and key level. Function: Go1 (its URL carries the key, and
    /// the body is signed too) and health. Anonymous: the app itself admits the caller, by the LMS's
    /// launch signature or by an Entra ID token with an app role, so no shared key opens them; and the
    /// OpenAPI document, which describes the API and holds no data.
    /// </summary>
    public static TheoryData<string, string, string, string> HttpFunctions() => new()
    {
        { "Go1Webhook", "go1/webhooks", "post", "Function" },
        { "Health", "health", "get", "Function" },
        { "OpenApiDocument", "openapi.json", "get", "Anonymous" },
        { "Launches", "launches", "post", "Anonymous" },
        { "CreateCourse", "courses", "post", "Anonymous" },
        { "PutCourse", "courses/{courseId}", "put", "Anonymous" },
        { "CourseAttempts", "courses/{courseId}/attempts", "get", "Anonymous" },
        { "CourseSummary", "courses/{courseId}/summary", "get", "Anonymous" },
        { "AttemptChanges", "attempts/changes", "get", "Anonymous" },
        { "LearnerAttempts", "learners/{learner}/attempts", "get", "Anonymous" },
        { "LookupLearnerAttempts", "learners/lookup", "post", "Anonymous" },
        { "ListPoison", "ops/poison", "get", "Anonymous" },
        { "ReplayPoison", "ops/poison/replay", "post", "Anonymous" },
        { "ListParked", "ops/parked", "get", "Anonymous" },
        { "ReplayParked", "ops/parked/replay", "post", "Anonymous" },
        { "ListDeliveries", "ops/deliveries", "get", "Anonymous" },
        { "LookupDeliveries", "ops/deliveries/lookup", "post", "Anonymous" },
        { "ForgetLearner", "ops/forget", "post", "Anonymous" },
    };

    [Theory]
    [MemberData(nameof(HttpFunctions))]
    public void HttpFunction_InTheMetadata_IsDeclaredWithItsRouteMethodAndKeyLevel(string name, string route, string method, string authLevel)
    {
        var trigger = Trigger(name);
        Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal([method], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(authLevel, trigger.GetProperty("authLevel").GetString());
    }

    [Fact]
    public void EveryHttpFunction_IsInTheListAbove_SoNoneIsAnonymousUnnoticed()
    {
        var declared = Functions.Keys.Where(f => Trigger(f).GetProperty("type").GetString() == "httpTrigger").Order(StringComparer.Ordinal);
        var listed = HttpFunctions().Select(row => (string)row[0]).Order(StringComparer.Ordinal);
        Assert.Equal(listed, declared);
    }

    [Fact]
    public void QueueFunction_InTheMetadata_ReadsTheConfiguredQueueThroughTheHostStorageConnection()
    {
        var trigger = Trigger("AttemptEvents");
        Assert.Equal("queueTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("%AttemptEventsQueue%", trigger.GetProperty("queueName").GetString());
        Assert.Equal("AzureWebJobsStorage", trigger.GetProperty("connection").GetString());
    }

    [Theory]
    [InlineData("Sweep", "%SweepSchedule%")]
    [InlineData("Reconcile", "%ReconcileSchedule%")]
    [InlineData("Outbound", "%OutboundSchedule%")]
    [InlineData("Housekeeping", "0 15 3 * * *")]
    public void TimerFunction_InTheMetadata_RunsOnItsScheduleAndNeverOnStartup(string name, string schedule)
    {
        var trigger = Trigger(name);
        Assert.Equal("timerTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(schedule, trigger.GetProperty("schedule").GetString());
        Assert.False(trigger.TryGetProperty("runOnStartup", out var onStartup) && onStartup.GetBoolean());
    }

    [Fact]
    public void PercentSetting_Any_IsInTheSampleSettings()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")));
        var keys = sample.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name).ToHashSet();
        var settings = Functions.Values
            .SelectMany(f => f.GetProperty("bindings").EnumerateArray())
            .SelectMany(b => b.EnumerateObject())
            .Where(p => p.Value.ValueKind == JsonValueKind.String)
            .SelectMany(p => System.Text.RegularExpressions.Regex.Matches(p.Value.GetString()!, "%([^%]+)%").Select(m => m.Groups[1].Value))
            .ToHashSet();
        Assert.NotEmpty(settings);
        Assert.All(settings, s => Assert.Contains(s, keys));
    }

    [Fact]
    public void RequestsHttp_EveryHttpFunction_HasAnExampleRequest()
    {
        var requests = File.ReadAllText(Path.Combine(RepoPaths.Root, "requests.http"));
        var routes = Functions.Values
            .SelectMany(f => f.GetProperty("bindings").EnumerateArray())
            .Where(b => b.GetProperty("type").GetString() == "httpTrigger")
            .SelectMany(b => b.GetProperty("methods").EnumerateArray().Select(m => (Method: m.GetString()!.ToUpperInvariant(), Route: b.GetProperty("route").GetString()!)))
            .ToList();
        Assert.NotEmpty(routes);
        var missing = routes.Where(r =>
        {
            // A route parameter such as {courseId} matches any value, or a {{variable}} of the file.
            var path = System.Text.RegularExpressions.Regex.Replace(System.Text.RegularExpressions.Regex.Escape(r.Route), @"\\\{[^}]+}", @"[^/?\s]+");
            return !System.Text.RegularExpressions.Regex.IsMatch(requests, $@"^{r.Method} \{{\{{base}}}}/{path}(\?\S*)?\r?$", System.Text.RegularExpressions.RegexOptions.Multiline);
        }).Select(r => $"{r.Method} /api/{r.Route}");
        Assert.Empty(missing);
    }
}
