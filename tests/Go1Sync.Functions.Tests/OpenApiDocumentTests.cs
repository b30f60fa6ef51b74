using System.Text;
using System.Text.Json.Nodes;
using Json.Schema;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Go1Sync.Functions.Tests;

/// <summary>
/// The OpenAPI document (src/Go1Sync.Functions/openapi.json) says what the app answers: the same
/// routes as functions.metadata, valid OpenAPI 3.1, examples that fit their schemas, and schemas
/// that the golden answers of the contract tests fit, so the document cannot drift from the API.
/// </summary>
public sealed class OpenApiDocumentTests
{
    private static readonly string DocumentPath = RepoPaths.InRepo("src/Go1Sync.Functions/openapi.json");
    private static readonly string GoldenRoot = RepoPaths.InRepo("tests/Go1Sync.ContractTests/Golden");
    internal static readonly JsonObject Document = JsonNode.Parse(File.ReadAllText(DocumentPath))!.AsObject();
    internal static readonly string[] HttpMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    // ---- 1. Routes: functions.metadata and the document name the same ones -----------------------

    /// <summary>Every HTTP route and method the build declares, as "METHOD /route" (relative to the /api prefix).</summary>
    private static SortedSet<string> MetadataRoutes()
    {
        var path = Path.Combine(RepoPaths.Root, "src", "Go1Sync.Functions", "bin", RepoPaths.Configuration, "net10.0", "functions.metadata");
        Assert.True(File.Exists(path), $"{path} is missing: build src/Go1Sync.Functions first.");
        using var metadata = JsonDocument.Parse(File.ReadAllText(path));
        var routes = metadata.RootElement.EnumerateArray()
            .SelectMany(f => f.GetProperty("bindings").EnumerateArray())
            .Where(b => b.GetProperty("type").GetString() == "httpTrigger")
            .SelectMany(b => b.GetProperty("methods").EnumerateArray().Select(m =>
                // A constraint such as {id:int} or an optional {id?} is still the parameter {id}.
                $"{m.GetString()!.ToUpperInvariant()} /{System.Text.RegularExpressions.Regex.Replace(b.GetProperty("route").GetString()!, @"\{([^}:?]+)[^}]*}", "{$1}")}"));
        return new SortedSet<string>(routes, StringComparer.Ordinal);
    }

    /// <summary>Every path and method of the document, as "METHOD /path" (relative to the servers' /api).</summary>
    private static SortedSet<string> DocumentRoutes() => new(
        Document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Where(o => HttpMethods.Contains(o.Key)).Select(o => $"{o.Key.ToUpperInvariant()} {p.Key}")),
        StringComparer.Ordinal);

    [Fact]
    public void Servers_EveryOne_EndsWithTheApiPrefixTheRoutesAreUnder()
    {
        var servers = Document["servers"]!.AsArray().Select(s => s!["url"]!.GetValue<string>()).ToList();
        Assert.NotEmpty(servers);
        Assert.All(servers, url => Assert.EndsWith("/api", url, StringComparison.Ordinal));
        Assert.All(Document["paths"]!.AsObject().Select(p => p.Key), path => Assert.False(path.StartsWith("/api/", StringComparison.Ordinal), $"{path} repeats the /api prefix the servers carry"));
    }

    [Fact]
    public void FunctionsRoute_Any_IsDescribedInTheDocument()
    {
        var metadata = MetadataRoutes();
        Assert.NotEmpty(metadata);
        Assert.Empty(metadata.Except(DocumentRoutes()));
    }

    [Fact]
    public void DocumentPath_Any_IsAFunctionsRoute()
    {
        var described = DocumentRoutes();
        Assert.NotEmpty(described);
        Assert.Empty(described.Except(MetadataRoutes()));
    }

    [Fact]
    public void PathParameters_OfEveryOperation_AreTheRouteParametersByTheirNames()
    {
        foreach (var (path, item) in Document["paths"]!.AsObject())
        {
            var inRoute = System.Text.RegularExpressions.Regex.Matches(path, @"\{([^}]+)}").Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal);
            foreach (var (method, operation) in item!.AsObject().Where(o => HttpMethods.Contains(o.Key)))
            {
                var declared = (operation!["parameters"]?.AsArray() ?? []).Select(Resolve)
                    .Where(p => p!["in"]!.GetValue<string>() == "path").Select(p => p!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal);
                Assert.True(inRoute.SequenceEqual(declared), $"{method.ToUpperInvariant()} {path} declares path parameters [{string.Join(", ", declared)}]");
            }
        }
    }

    // ---- 2. The document is OpenAPI 3.1 with no errors ----------------------------------------------

    [Fact]
    public void Document_ReadByMicrosoftOpenApi_IsOpenApi31WithNoErrorsOrWarnings()
    {
        var (document, diagnostic) = OpenApiDocument.Parse(File.ReadAllText(DocumentPath), "json", new OpenApiReaderSettings());
        Assert.NotNull(document);
        Assert.NotNull(diagnostic);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, diagnostic.SpecificationVersion);
        Assert.Empty(diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}"));
        Assert.Empty(diagnostic.Warnings.Select(e => $"{e.Pointer}: {e.Message}"));
        Assert.Empty(document.Validate(ValidationRuleSet.GetDefaultRuleSet())?.Select(e => $"{e.Pointer}: {e.Message}") ?? []);
        Assert.Equal(MetadataRoutes().Count, document.Paths.Sum(p => p.Value.Operations?.Count ?? 0));
    }

    /// <summary>
    /// Each operation's credential is the one its function's key level implies: a function key at
    /// AuthorizationLevel.Function, none at Anonymous (where the app admits the caller itself).
    /// </summary>
    [Fact]
    public void Security_OfEveryOperation_NamesAFunctionKeyExactlyWhereTheHostRequiresOne()
    {
        var path = Path.Combine(RepoPaths.Root, "src", "Go1Sync.Functions", "bin", RepoPaths.Configuration, "net10.0", "functions.metadata");
        using var metadata = JsonDocument.Parse(File.ReadAllText(path));
        var triggers = metadata.RootElement.EnumerateArray().SelectMany(f => f.GetProperty("bindings").EnumerateArray()).Where(b => b.GetProperty("type").GetString() == "httpTrigger").ToList();
        Assert.NotEmpty(triggers);
        foreach (var trigger in triggers)
        {
            var route = "/" + trigger.GetProperty("route").GetString();
            var method = trigger.GetProperty("methods")[0].GetString()!;
            var security = Document["paths"]![route]![method]!["security"]!.AsArray();
            var keyed = security.Select(requirement => requirement!.AsObject().Any(s => s.Key.StartsWith("functionKey", StringComparison.Ordinal))).ToList();
            if (trigger.GetProperty("authLevel").GetString() == "Function")
                Assert.True(keyed.Count > 0 && keyed.All(k => k), $"{method} {route} is at AuthorizationLevel.Function: every security requirement needs a function key");
            else
                Assert.True(keyed.All(k => !k), $"{method} {route} is anonymous at the host: no function key opens it");
        }
    }

    [Theory]
    [InlineData("/courses/{courseId}/attempts", "get", "Statistics.Read")]
    [InlineData("/courses/{courseId}/summary", "get", "Statistics.Read")]
    [InlineData("/attempts/changes", "get", "Statistics.Read")]
    [InlineData("/learners/{learner}/attempts", "get", "Statistics.Read")]
    [InlineData("/learners/lookup", "post", "Statistics.Read")]
    [InlineData("/courses", "post", "Operations.Admin")]
    [InlineData("/courses/{courseId}", "put", "Operations.Admin")]
    [InlineData("/ops/forget", "post", "Operations.Admin")]
    public void EntraOperation_Security_NamesTheAppRoleTheCodeRequires(string path, string method, string role)
    {
        var security = Document["paths"]![path]![method]!["security"]!.AsArray();
        var roles = Assert.Single(security)!["entraBearer"]!.AsArray().Select(r => r!.GetValue<string>());
        Assert.Equal([role], roles);
    }

    [Fact]
    public void OpsOperation_Every_RequiresOperationsAdmin()
    {
        var ops = Document["paths"]!.AsObject().Where(p => p.Key.StartsWith("/ops/", StringComparison.Ordinal))
            .SelectMany(p => p.Value!.AsObject().Where(o => HttpMethods.Contains(o.Key)).Select(o => (Route: $"{o.Key} {p.Key}", Operation: o.Value!))).ToList();
        Assert.NotEmpty(ops);
        Assert.All(ops, op => Assert.Equal("[{\"entraBearer\":[\"Operations.Admin\"]}]", op.Operation["security"]!.ToJsonString()));
    }

    // ---- 3. Every example fits its schema --------------------------------------------------------------

    /// <summary>JSON pointers of every example: a schema's <c>examples</c>, and a media type's or parameter's <c>example</c>/<c>examples</c>.</summary>
    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var pointer in ExamplePointers(Document, "")) data.Add(pointer);
        return data;
    }

    private static IEnumerable<string> ExamplePointers(JsonNode? node, string pointer)
    {
        if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
                foreach (var p in ExamplePointers(array[i], $"{pointer}/{i}")) yield return p;
            yield break;
        }
        if (node is not JsonObject obj) yield break;
        var isSchemaHolder = obj.ContainsKey("schema");
        foreach (var (key, value) in obj)
        {
            var child = $"{pointer}/{Escape(key)}";
            if (isSchemaHolder && key == "example") yield return child;
            else if (isSchemaHolder && key == "examples" && value is JsonObject named)
                foreach (var (name, _) in named) yield return $"{child}/{Escape(name)}/value";
            else if (!isSchemaHolder && key == "examples" && value is JsonArray list)
                for (var i = 0; i < list.Count; i++) yield return $"{child}/{i}";
            else
                foreach (var p in ExamplePointers(value, child)) yield return p;
        }
    }

    private static bool IsUnder(string pointer, string prefix) => pointer.StartsWith(prefix + "/", StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_InTheDocument_ValidatesAgainstItsSchema(string pointer)
    {
        var segments = pointer.Split('/').Skip(1).Select(Unescape).ToList();
        var example = Find(segments);
        // The schema: the holder's "schema" for a media type's or parameter's example, else the schema holding "examples".
        var examplesAt = segments.LastIndexOf(segments.Contains("value") ? "examples" : segments.Last(s => s is "example" or "examples"));
        var holder = Find(segments.Take(examplesAt).ToList())!.AsObject();
        var schema = holder.ContainsKey("schema") && !IsUnder(pointer, "/components/schemas") ? holder["schema"]! : holder;
        AssertValid(schema, example, pointer);
    }

    [Fact]
    public void Examples_OfTheDocument_CoverEveryTopLevelSchema()
    {
        var withExamples = Document["components"]!["schemas"]!.AsObject()
            .Where(s => s.Value!["examples"] is JsonArray { Count: > 0 } || s.Value!["type"]?.GetValue<string>() == "array" || s.Key == "OpenApi")
            .Select(s => s.Key);
        Assert.Equal(Document["components"]!["schemas"]!.AsObject().Select(s => s.Key).Order(StringComparer.Ordinal), withExamples.Order(StringComparer.Ordinal));
    }

    // ---- 4. The golden answers fit the schemas the document gives their responses ---------------------

    /// <summary>Which operation each golden answer comes from, by the file name's first word.</summary>
    private static readonly Dictionary<string, (string Method, string Path)> GoldenOperations = new(StringComparer.Ordinal)
    {
        ["course-put"] = ("put", "/courses/{courseId}"),
        ["forget"] = ("post", "/ops/forget"),
        ["launch"] = ("post", "/launches"),
        ["webhook"] = ("post", "/go1/webhooks"),
        ["course-attempts"] = ("get", "/courses/{courseId}/attempts"),
        ["read-api"] = ("get", "/courses/{courseId}/attempts"),
        ["course-summary"] = ("get", "/courses/{courseId}/summary"),
        ["attempt-changes"] = ("get", "/attempts/changes"),
        ["learner-attempts"] = ("get", "/learners/{learner}/attempts"),
        ["learner-route"] = ("get", "/learners/{learner}/attempts"),
    };

    /// <summary>Every golden HTTP answer (status, content type, headers, body) the contract tests pin.</summary>
    public static TheoryData<string> GoldenAnswers()
    {
        var data = new TheoryData<string>();
        foreach (var folder in new[] { "http", "problems", "read-api" })
            foreach (var file in Directory.GetFiles(Path.Combine(GoldenRoot, folder), "*.json").Order(StringComparer.Ordinal))
                data.Add($"{folder}/{Path.GetFileName(file)}");
        return data;
    }

    [Theory]
    [MemberData(nameof(GoldenAnswers))]
    public void GoldenAnswer_Each_FitsTheSchemaTheDocumentGivesItsResponse(string file)
    {
        var golden = JsonNode.Parse(File.ReadAllText(Path.Combine(GoldenRoot, file)))!;
        var word = Path.GetFileName(file).Split('.')[0];
        Assert.True(GoldenOperations.TryGetValue(word, out var operation), $"{file}: say in GoldenOperations which operation answers it");
        var status = golden["status"]!.GetValue<int>().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var responses = Document["paths"]![operation.Path]![operation.Method]!["responses"]!;
        Assert.True(responses[status] is not null, $"{file}: {operation.Method.ToUpperInvariant()} {operation.Path} documents no {status}");
        var response = Resolve(responses[status])!;
        var contentType = golden["contentType"]!.GetValue<string>();
        var media = response["content"]?[contentType];
        Assert.True(media is not null, $"{file}: the {status} of {operation.Method.ToUpperInvariant()} {operation.Path} has no {contentType}");
        foreach (var (header, _) in golden["headers"]!.AsObject())
            Assert.True(response["headers"]?[header] is not null, $"{file}: the {status} answer's {header} header is not documented");
        AssertValid(media["schema"]!, golden["body"], file);
    }

    [Fact]
    public void CsvExample_OfCourseAttempts_IsTheGoldenCsv()
    {
        var example = Document["paths"]!["/courses/{courseId}/attempts"]!["get"]!["responses"]!["200"]!["content"]!["text/csv"]!["examples"]!["course-attempts"]!["value"]!.GetValue<string>();
        Assert.Equal(File.ReadAllText(Path.Combine(GoldenRoot, "read-api", "course-attempts.csv")).ReplaceLineEndings("\n"), example.ReplaceLineEndings("\n"));
    }

    // ---- 5. The function serves the document -------------------------------------------------------

    [Fact]
    public async Task OpenApiDocumentFunction_Get_AnswersTheCheckedInFileAsJson()
    {
        var answer = await Go1SyncTestHost.GetAsync(r => Task.FromResult(new OpenApiDocumentFunction().Run(r)));
        Assert.Equal(200, answer.Status);
        Assert.Equal("application/json", answer.ContentType);
        Assert.Equal(File.ReadAllBytes(DocumentPath), Encoding.UTF8.GetBytes(answer.Body));
        Assert.Equal(File.ReadAllBytes(DocumentPath).Length.ToString(System.Globalization.CultureInfo.InvariantCulture), answer.Headers.ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    // ---- Helpers -------------------------------------------------------------------------------------

    /// <summary>
    /// An answer the app gave (status, content type, headers, body) fits what the document says
    /// <paramref name="method"/> <paramref name="path"/> answers with that status: documented status,
    /// media type and headers, and a body that fits the media type's schema.
    /// </summary>
    internal static void AssertAnswerFits(string method, string path, HttpAnswer answer)
    {
        var what = $"{method.ToUpperInvariant()} {path} {answer.Status}";
        var responses = Document["paths"]?[path]?[method]?["responses"];
        Assert.True(responses is not null, $"{method.ToUpperInvariant()} {path} is not in the document");
        var status = answer.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(responses[status] is not null, $"{what}: the status is not documented");
        var response = Resolve(responses[status])!;
        var mediaType = (answer.ContentType ?? "").Split(';')[0].Trim();
        var media = response["content"]?[mediaType];
        Assert.True(media is not null, $"{what}: {mediaType} is not documented");
        foreach (var header in answer.Headers.Keys.Where(h => h is not ("Content-Type" or "Content-Length")))
            Assert.True(response["headers"]?[header] is not null, $"{what}: the {header} header is not documented");
        var body = mediaType.EndsWith("json", StringComparison.Ordinal) ? JsonNode.Parse(answer.Body) : JsonValue.Create(answer.Body);
        AssertValid(media["schema"]!, body, what);
    }

    /// <summary>A request body fits the schema of the operation's requestBody.</summary>
    internal static void AssertRequestFits(string method, string path, string json)
    {
        var schema = Document["paths"]![path]![method]!["requestBody"]!["content"]!["application/json"]!["schema"]!;
        AssertValid(schema, JsonNode.Parse(json), $"the request body of {method.ToUpperInvariant()} {path}");
    }

    private static JsonNode? Find(IEnumerable<string> segments)
    {
        JsonNode? node = Document;
        foreach (var segment in segments)
            node = node is JsonArray array ? array[int.Parse(segment, System.Globalization.CultureInfo.InvariantCulture)] : node![segment];
        return node;
    }

    /// <summary>A <c>$ref</c> within the document (components/responses, parameters) followed to its target.</summary>
    private static JsonNode? Resolve(JsonNode? node) =>
        node?["$ref"] is JsonValue reference && reference.GetValue<string>() is var target && target.StartsWith("#/", StringComparison.Ordinal)
            ? Resolve(Find(target[2..].Split('/').Select(Unescape)))
            : node;

    private static string Escape(string segment) => segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
    private static string Unescape(string segment) => segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);

    /// <summary>
    /// Validates <paramref name="instance"/> against <paramref name="schema"/> as JSON Schema 2020-12 (the
    /// OpenAPI 3.1 dialect), formats (date-time, uri) checked, with the document's components/schemas
    /// reachable as <c>$defs</c> so its <c>$ref</c>s resolve.
    /// </summary>
    private static void AssertValid(JsonNode schema, JsonNode? instance, string what)
    {
        const string components = "#/components/schemas/";
        var root = JsonNode.Parse(schema.ToJsonString().Replace(components, "#/$defs/", StringComparison.Ordinal))!.AsObject();
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        root["$defs"] = JsonNode.Parse(Document["components"]!["schemas"]!.ToJsonString().Replace(components, "#/$defs/", StringComparison.Ordinal));
        var evaluation = JsonSchema.FromText(root.ToJsonString()).Evaluate(instance, new EvaluationOptions
        {
            OutputFormat = OutputFormat.List,
            RequireFormatValidation = true,
        });
        var errors = evaluation.Details.Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Key}: {e.Value}"));
        Assert.True(evaluation.IsValid, $"{what} does not fit its schema:\n{string.Join("\n", errors)}");
    }
}

/// <summary>
/// The answers the app really gives, route by route, on Azurite: each fits the document (status,
/// media type, headers, schema), and so does each request body sent; every operation of the
/// document is exercised, so a route whose answers change without the document fails here.
/// </summary>
public sealed class OpenApiLiveAnswerTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task LiveAnswer_OfEveryOperation_FitsTheDocument()
    {
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite, s => s["Processing:OnlyKnownLearners"] = "true");
        const string course = "openapi-course";
        const string email = "openapi.learner@example.com";
        var learner = host.Ids.Id(email);
        var ct = CancellationToken.None;
        var covered = new SortedSet<string>(StringComparer.Ordinal);

        async Task<HttpAnswer> Answer(string method, string path, Task<HttpAnswer> call, int expected, string? request = null)
        {
            if (request is not null) OpenApiDocumentTests.AssertRequestFits(method, path, request);
            var answer = await call;
            Assert.True(expected == answer.Status, $"{method.ToUpperInvariant()} {path}: expected {expected}, got {answer.Status}: {answer.Body}");
            OpenApiDocumentTests.AssertAnswerFits(method, path, answer);
            covered.Add($"{method.ToUpperInvariant()} {path}");
            return answer;
        }
        Task<HttpAnswer> Post(Func<HttpRequest, Task<IActionResult>> function, string body) => Go1SyncTestHost.InvokeAsync(function, body);
        Task<HttpAnswer> Get(Func<HttpRequest, Task<IActionResult>> function, string query = "", IDictionary<string, string>? headers = null) => Go1SyncTestHost.GetAsync(function, query, headers);

        var newCourse = $$"""{"courseId":"{{course}}","durationMinutes":120,"title":"OpenAPI course"}""";
        await Answer("post", "/courses", host.PostCourseAsync(newCourse), 200, newCourse);
        await Answer("put", "/courses/{courseId}", host.PutCourseAsync(course, """{"durationMinutes":240}"""), 200, """{"durationMinutes":240}""");
        foreach (var (attempt, at) in new[] { ("openapi-a1", "2025-03-10T08:00:00Z"), ("openapi-a2", "2025-03-11T08:00:00Z") })
        {
            var launch = $$"""{"attemptId":"{{attempt}}","email":"{{email}}","courseId":"{{course}}","platform":"web","launchedAt":"{{at}}"}""";
            await Answer("post", "/launches", host.PostLaunchAsync(launch), 202, launch);
        }
        await Answer("post", "/launches", Go1SyncTestHost.InvokeAsync(r => host.Function<LaunchFunction>().Run(r, ct), "attemptId=1", "text/plain"), 415);
        await Answer("post", "/launches", host.PostLaunchAsync($$"""{"pad":"{{new string('x', 40_000)}}"}"""), 413);
        await Answer("post", "/launches", host.PostLaunchAsync("""{"attemptId":"x"}"""), 400);
        var completion = $$$"""{"id":"evt-openapi-1","event_type":"enrollment.complete","data":{"id":"openapi-enr-1","lo_id":"{{{course}}}","email":"{{{email}}}","status":"completed","pass":true,"result":90,"end_date":"2025-03-11T09:00:00Z"}}""";
        await Answer("post", "/go1/webhooks", host.PostWebhookAsync(completion), 202, completion);
        var stranger = $$$"""{"id":"evt-openapi-2","event_type":"enrollment.complete","data":{"id":"openapi-enr-2","lo_id":"{{{course}}}","email":"stranger@example.com","pass":false,"end_date":"2025-03-11T09:00:00Z"}}""";
        await Answer("post", "/go1/webhooks", host.PostWebhookAsync(stranger), 202, stranger);
        const string other = """{"id":"evt-openapi-3","event_type":"enrollment.create","data":{"id":"openapi-enr-3"}}""";
        await Answer("post", "/go1/webhooks", host.PostWebhookAsync(other), 200, other);
        await Answer("post", "/go1/webhooks", host.PostWebhookAsync("""{"event_type":"enrollment.complete","data":{}}"""), 400);
        await host.DrainAsync();

        var statistics = host.Function<StatisticsFunctions>();
        await Answer("get", "/courses/{courseId}/attempts", Get(r => statistics.CourseAttempts(r, course, ct)), 200);
        var firstPage = await Answer("get", "/courses/{courseId}/attempts", Get(r => statistics.CourseAttempts(r, course, ct), "?pageSize=1"), 200);
        Assert.True(firstPage.Headers.ContainsKey("Link"), "two attempts a page of one: the Link header is checked too");
        await Answer("get", "/courses/{courseId}/attempts", Get(r => statistics.CourseAttempts(r, course, ct), "", new Dictionary<string, string> { ["Accept"] = "text/csv" }), 200);
        await Answer("get", "/courses/{courseId}/attempts", Get(r => statistics.CourseAttempts(r, course, ct), "?status=closed"), 400);
        await Answer("get", "/courses/{courseId}/summary", Get(r => statistics.CourseSummary(r, course, ct)), 200);
        await Answer("get", "/attempts/changes", Get(r => statistics.AttemptChanges(r, ct), "?cursor=latest&limit=10"), 200);
        await Answer("get", "/attempts/changes", Get(r => statistics.AttemptChanges(r, ct), "?limit=0"), 400);
        var expired = Go1Sync.Core.Reporting.ChangeCursor.Encode(Go1Sync.Core.Reporting.ChangePosition.At(DateTimeOffset.UtcNow.AddDays(-400)));
        await Answer("get", "/attempts/changes", Get(r => statistics.AttemptChanges(r, ct), "?cursor=" + expired), 410);
        await Answer("get", "/learners/{learner}/attempts", Get(r => statistics.LearnerAttempts(r, learner, ct)), 200);
        await Answer("get", "/learners/{learner}/attempts", Get(r => statistics.LearnerAttempts(r, email, ct)), 400);
        var lookup = $$"""{"email":"{{email}}"}""";
        await Answer("post", "/learners/lookup", Post(r => statistics.LookupLearnerAttempts(r, ct), lookup), 200, lookup);

        var operations = host.Function<OperationsFunctions>();
        await Answer("get", "/ops/deliveries", Get(r => operations.ListDeliveries(r, ct), "?since=2000-01-01T00:00:00Z"), 200);
        await Answer("get", "/ops/deliveries", Get(r => operations.ListDeliveries(r, ct), "?email=" + Uri.EscapeDataString(email)), 400);
        var deliveries = $$"""{"email":"{{email}}","since":"2000-01-01T00:00:00Z"}""";
        await Answer("post", "/ops/deliveries/lookup", Post(r => operations.LookupDeliveries(r, ct), deliveries), 200, deliveries);
        var parked = await Answer("get", "/ops/parked", Get(r => operations.ListParked(r, ct)), 200);
        Assert.NotEqual("[]", parked.Body); // the stranger's completion: a held message is checked, not only an empty list
        await Answer("get", "/ops/poison", Get(r => operations.ListPoison(r, ct)), 200);
        await Answer("post", "/ops/parked/replay", Get(r => operations.ReplayParked(r, ct), "?category=unmatched&id=none"), 200);
        await Answer("post", "/ops/poison/replay", Get(r => operations.ReplayPoison(r, ct), "?id=none"), 200);
        await Answer("post", "/ops/forget", Post(r => operations.ForgetLearner(r, ct), lookup), 200, lookup);

        var health = await Get(r => host.Function<HealthFunction>().Run(r, ct));
        Assert.Contains(health.Status, new[] { 200, 503 });
        await Answer("get", "/health", Task.FromResult(health), health.Status);
        await Answer("get", "/openapi.json", Get(r => Task.FromResult(new OpenApiDocumentFunction().Run(r))), 200);

        var documented = OpenApiDocumentTests.Document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Where(o => OpenApiDocumentTests.HttpMethods.Contains(o.Key)).Select(o => $"{o.Key.ToUpperInvariant()} {p.Key}"));
        Assert.Equal(documented.Order(StringComparer.Ordinal), covered);
    }
}
