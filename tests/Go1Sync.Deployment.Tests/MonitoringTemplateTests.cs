using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Go1Sync.Deployment.Tests;

/// <summary>
/// The alert rules, action group and workbook infra/main.bicep deploys (modules/alerts.bicep,
/// modules/workbook.bicep), read from the compiled ARM JSON.
/// </summary>
public sealed partial class MonitoringTemplateTests(CompiledInfrastructure infra) : IClassFixture<CompiledInfrastructure>
{
    private const string ScheduledQueryRules = "Microsoft.Insights/scheduledQueryRules";
    private const string ActionGroups = "Microsoft.Insights/actionGroups";
    private const string Workbooks = "Microsoft.Insights/workbooks";

    /// <summary>
    /// One expected log alert. <paramref name="Filter"/> is the query text that identifies it (a metric name
    /// or a request filter); the threshold is either wired to a main-template parameter (with its default)
    /// or a literal.
    /// </summary>
    public sealed record ExpectedAlert(
        string Key,
        string Table,
        string Filter,
        int Severity,
        string Operator,
        string TimeAggregation,
        string? ThresholdParameter,
        double Threshold,
        string WindowSize,
        string EvaluationFrequency,
        string[] DescriptionMentions)
    {
        public override string ToString() => Key;
    }

    private static readonly ExpectedAlert[] Alerts =
    [
        new("poison", "customMetrics", "name == 'go1sync.poison.depth'", 1, "GreaterThan", "Maximum", null, 0, "PT15M", "PT5M",
            ["go1sync poison list", "go1sync poison replay"]),
        new("function failures", "requests", "success == false", 2, "GreaterThan", "Total", "failureThreshold", 5, "PT15M", "PT5M",
            ["FunctionName"]),
        new("stale queue", "customMetrics", "name == 'go1sync.queue.oldest_age'", 2, "GreaterThan", "Maximum", "oldestMessageAgeSeconds", 600, "PT15M", "PT5M",
            ["storage"]),
        new("parked", "customMetrics", "name == 'go1sync.parked.count'", 3, "GreaterThan", "Maximum", null, 0, "PT30M", "PT15M",
            ["go1sync parked list"]),
        new("sweep not running", "requests", "name == 'Sweep'", 2, "LessThan", "Total", null, 1, "PT30M", "PT10M",
            ["Sweep", "SweepSchedule"]),
        new("reconciliation stale", "customMetrics", "name == 'go1sync.reconcile.watermark_age'", 2, "GreaterThan", "Maximum", "watermarkAgeSeconds", 3600, "PT30M", "PT15M",
            ["go1sync reconcile --once", "ReconcileSchedule"]),
        new("outbound failing", "customMetrics", "name == 'go1sync.outbound.consecutive_failures'", 2, "GreaterThan", "Maximum", "outboundFailureThreshold", 3, "PT30M", "PT15M",
            ["go1sync outbound list", "Outbound__Url"]),
        new("outbound stopped", "customMetrics", "name == 'go1sync.outbound.stopped'", 1, "GreaterThan", "Maximum", null, 0, "PT30M", "PT15M",
            ["go1sync outbound enable", "go1sync outbound redeliver --from latest", "go1sync outbound redeliver --all-failed"]),
    ];

    public static TheoryData<string> AlertCases() => [.. Alerts.Select(a => a.Key)];

    [Fact]
    public void LogAlertRules_Deployed_AreExactlyTheListedLogAlertsOnAppInsightsThatAutoResolve()
    {
        var rules = infra.ResourcesOfType(ScheduledQueryRules);
        Assert.Equal(Alerts.Length, rules.Count);

        foreach (var (template, rule) in rules)
        {
            var name = rule["name"]?.ToString();
            Assert.True(rule["kind"]?.GetValue<string>() == "LogAlert", $"{name}: kind {rule["kind"]}");
            var properties = rule["properties"]!;
            Assert.True(properties["autoMitigate"]?.GetValue<bool>(), $"{name}: autoMitigate is not true.");
            Assert.True(properties["enabled"]?.GetValue<bool>(), $"{name}: not enabled.");

            var scopes = template.Resolve(properties["scopes"]) as JsonArray;
            Assert.True(scopes is { Count: 1 }, $"{name}: expected one scope, got {scopes?.ToJsonString()}");
            Assert.StartsWith("[resourceId('Microsoft.Insights/components', ", scopes![0]?.GetValue<string>(), StringComparison.Ordinal);

            var conditions = properties["criteria"]?["allOf"] as JsonArray;
            Assert.True(conditions is { Count: 1 }, $"{name}: expected one condition.");
        }
    }

    [Theory]
    [MemberData(nameof(AlertCases))]
    public void Alert_EachRule_QueriesTheRightTableAndMetricWithTheExpectedThresholdAndSchedule(string alert)
    {
        var expected = Alerts.Single(a => a.Key == alert);
        var (template, rule) = FindAlert(expected);
        var properties = rule["properties"]!;
        var condition = properties["criteria"]!["allOf"]![0]!;
        var query = condition["query"]!.GetValue<string>();

        Assert.Equal(expected.Table, query.TrimStart().Split('\n')[0].Trim());
        Assert.Equal(expected.Severity, properties["severity"]?.GetValue<int>());
        Assert.Equal(expected.Operator, condition["operator"]?.GetValue<string>());
        Assert.Equal(expected.TimeAggregation, condition["timeAggregation"]?.GetValue<string>());
        Assert.Equal(expected.WindowSize, properties["windowSize"]?.GetValue<string>());
        Assert.Equal(expected.EvaluationFrequency, properties["evaluationFrequency"]?.GetValue<string>());

        // The measure column the rule aggregates must be one the query produces.
        var measure = condition["metricMeasureColumn"]?.GetValue<string>();
        Assert.False(string.IsNullOrEmpty(measure), $"{expected}: no metricMeasureColumn.");
        Assert.Contains($"{measure} = ", query, StringComparison.Ordinal);

        var threshold = condition["threshold"];
        if (expected.ThresholdParameter is null)
        {
            Assert.Equal(expected.Threshold, threshold?.GetValue<double>());
        }
        else
        {
            Assert.Equal(expected.ThresholdParameter, template.MainParameterName(threshold));
            Assert.Equal(expected.Threshold, template.Resolve(threshold)?.GetValue<double>());
            var parameter = infra.Main.Template["parameters"]?[expected.ThresholdParameter];
            Assert.False(string.IsNullOrWhiteSpace(parameter?["metadata"]?["description"]?.GetValue<string>()),
                $"main.bicep parameter {expected.ThresholdParameter} has no @description.");
        }
    }

    [Theory]
    [MemberData(nameof(AlertCases))]
    public void AlertDescription_EachRule_SaysWhatItMeansAndWhatToDo(string alert)
    {
        var expected = Alerts.Single(a => a.Key == alert);
        var (_, rule) = FindAlert(expected);
        var description = rule["properties"]?["description"]?.GetValue<string>() ?? "";
        var displayName = rule["properties"]?["displayName"]?.GetValue<string>() ?? "";

        Assert.False(string.IsNullOrWhiteSpace(displayName), $"{expected}: no displayName.");
        Assert.True(description.Length >= 80, $"{expected}: description too short to say what to do: '{description}'");
        foreach (var mention in expected.DescriptionMentions)
        {
            Assert.Contains(mention, description, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void FunctionFailuresAlert_Dimensions_SplitByFunctionName()
    {
        var (_, rule) = FindAlert(Alerts.Single(a => a.Key == "function failures"));
        var condition = rule["properties"]!["criteria"]!["allOf"]![0]!;

        Assert.Contains("by FunctionName = name", condition["query"]!.GetValue<string>(), StringComparison.Ordinal);
        var dimension = Assert.Single(condition["dimensions"]!.AsArray());
        Assert.Equal("FunctionName", dimension?["name"]?.GetValue<string>());
        Assert.Equal("Include", dimension?["operator"]?.GetValue<string>());
        Assert.Equal("*", Assert.Single(dimension!["values"]!.AsArray())?.GetValue<string>());
    }

    [Fact]
    public void AlertNotificationParameters_ByDefault_AreEmptyAndDescribed()
    {
        foreach (var name in new[] { "alertEmail", "alertActionGroupId" })
        {
            var parameter = infra.Main.Template["parameters"]?[name];
            Assert.True(parameter is not null, $"main.bicep has no parameter {name}.");
            Assert.Equal("", parameter!["defaultValue"]?.GetValue<string>());
            Assert.False(string.IsNullOrWhiteSpace(parameter["metadata"]?["description"]?.GetValue<string>()));
        }
    }

    [Fact]
    public void EmailActionGroup_OnlyWhenAlertEmailIsGiven_IsCreatedAndSendsToIt()
    {
        var (template, group) = infra.Single(ActionGroups);

        var condition = group["condition"]?.GetValue<string>() ?? "";
        var guarded = NotEmptyParameterCondition().Match(condition);
        Assert.True(guarded.Success, $"The action group's condition is not \"not(empty(parameters(...)))\": '{condition}'");
        Assert.Equal("alertEmail", template.MainParameterName(JsonValue.Create($"[parameters('{guarded.Groups[1].Value}')]")));

        Assert.Equal("global", group["location"]?.GetValue<string>());
        var properties = group["properties"]!;
        Assert.InRange(properties["groupShortName"]?.GetValue<string>()?.Length ?? 0, 1, 12);
        var receiver = Assert.Single(properties["emailReceivers"]!.AsArray());
        Assert.Equal("alertEmail", template.MainParameterName(receiver?["emailAddress"]));
    }

    [Fact]
    public void EveryAlert_WithActionGroups_NotifiesTheEmailGroupWhenItExistsAndTheExistingGroupWhenGiven()
    {
        var (groupTemplate, group) = infra.Single(ActionGroups);
        var groupName = Unbracket(group["name"]!.GetValue<string>());
        var groupCondition = group["condition"]!.GetValue<string>();
        var emailParameter = NotEmptyParameterCondition().Match(groupCondition).Groups[1].Value;

        foreach (var (template, rule) in infra.ResourcesOfType(ScheduledQueryRules))
        {
            Assert.Same(groupTemplate.Template, template.Template);
            var actionGroups = template.Resolve(rule["properties"]?["actions"]?["actionGroups"])?.GetValue<string>() ?? "";
            var name = rule["name"];

            // The e-mail group's id, under the same condition as the group itself.
            Assert.True(
                actionGroups.Contains($"if(empty(parameters('{emailParameter}')), createArray(), createArray(resourceId('{ActionGroups}', {groupName})))", StringComparison.Ordinal),
                $"{name}: actionGroups does not reference the e-mail action group under its condition: {actionGroups}");

            // The existing group, when its id is given.
            var existing = Regex.Match(actionGroups, @"if\(empty\(parameters\('([^']+)'\)\), createArray\(\), createArray\(parameters\('\1'\)\)\)");
            Assert.True(existing.Success, $"{name}: actionGroups does not add an existing action group id: {actionGroups}");
            Assert.Equal("alertActionGroupId", template.MainParameterName(JsonValue.Create($"[parameters('{existing.Groups[1].Value}')]")));
        }
    }

    [Fact]
    public void Workbook_Deployed_IsASharedWorkbookWithAGuidNameOnAppInsights()
    {
        var (_, workbook) = infra.Single(Workbooks);

        Assert.StartsWith("[guid(", workbook["name"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("shared", workbook["kind"]?.GetValue<string>());

        var properties = workbook["properties"]!;
        Assert.Equal("workbook", properties["category"]?.GetValue<string>());
        Assert.Equal("Notebook/1.0", properties["version"]?.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(properties["displayName"]?.ToString()));
        Assert.StartsWith("[resourceId('Microsoft.Insights/components', ", properties["sourceId"]?.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("go1sync.events.received")]
    [InlineData("go1sync.events.processed")]
    [InlineData("go1sync.events.lag")]
    [InlineData("go1sync.poison.depth")]
    [InlineData("go1sync.parked.count")]
    [InlineData("go1sync.concurrency.conflicts")]
    [InlineData("success == false")]
    public void Workbook_EachMetric_HasAQueryChartingIt(string queryText)
    {
        var queries = WorkbookQueries();
        Assert.True(queries.Any(q => q.Contains(queryText, StringComparison.Ordinal)), $"No workbook query mentions {queryText}.");
    }

    [Fact]
    public void WorkbookLagChart_Percentiles_ShowP50P95AndP99()
    {
        var lag = Assert.Single(WorkbookQueries(), q => q.Contains("go1sync.events.lag", StringComparison.Ordinal));
        Assert.Matches(@"\(p50, p95, p99\) = percentiles\w*\([^)]*50, 95, 99\)", lag);
    }

    [Fact]
    public void WorkbookSerializedData_Parsed_IsTheStringOfANotebookObject()
    {
        var (template, workbook) = infra.Single(Workbooks);
        var serialized = workbook["properties"]?["serializedData"]?.GetValue<string>() ?? "";
        var variable = Regex.Match(serialized, @"^\[string\(variables\('([^']+)'\)\)\]$");
        Assert.True(variable.Success, $"serializedData is not string(<variable>): {serialized}");

        var content = template.Resolve(JsonValue.Create($"[variables('{variable.Groups[1].Value}')]")) as JsonObject;
        Assert.NotNull(content);
        Assert.Equal("Notebook/1.0", content["version"]?.GetValue<string>());
        var text = content.ToJsonString();
        Assert.Contains("go1sync.events.lag", text, StringComparison.Ordinal);
        Assert.Contains("go1sync.poison.depth", text, StringComparison.Ordinal);
    }

    private (ArmTemplate Template, JsonObject Rule) FindAlert(ExpectedAlert expected)
    {
        var matches = infra.ResourcesOfType(ScheduledQueryRules)
            .Where(x => (x.Resource["properties"]?["criteria"]?["allOf"]?[0]?["query"]?.GetValue<string>() ?? "")
                .Contains(expected.Filter, StringComparison.Ordinal))
            .ToList();
        Assert.True(matches.Count == 1, $"Expected one alert rule whose query contains \"{expected.Filter}\", found {matches.Count}.");
        return matches[0];
    }

    /// <summary>The KQL of every query item (type 3) of the workbook.</summary>
    private List<string> WorkbookQueries()
    {
        var (template, workbook) = infra.Single(Workbooks);
        var serialized = workbook["properties"]?["serializedData"]?.GetValue<string>() ?? "";
        var variable = Regex.Match(serialized, @"^\[string\(variables\('([^']+)'\)\)\]$");
        Assert.True(variable.Success, $"serializedData is not string(<variable>): {serialized}");
        var content = template.Resolve(JsonValue.Create($"[variables('{variable.Groups[1].Value}')]")) as JsonObject
            ?? throw new InvalidOperationException("The workbook content variable is not an object.");

        return (content["items"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Where(i => i["type"]?.GetValue<int>() == 3)
            .Select(i => i["content"]?["query"]?.GetValue<string>() ?? "")
            .ToList();
    }

    /// <summary>"[format(...)]" to "format(...)"; a literal name to a quoted ARM string.</summary>
    private static string Unbracket(string name) =>
        name.StartsWith('[') && name.EndsWith(']') ? name[1..^1] : $"'{name}'";

    [GeneratedRegex(@"^\[not\(empty\(parameters\('([^']+)'\)\)\)\]$")]
    private static partial Regex NotEmptyParameterCondition();
}
