using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Go1Sync.Deployment.Tests;

/// <summary>
/// One template of a compiled Bicep deployment: the main template or the inline template of a module
/// (a Microsoft.Resources/deployments resource). Resolves parameters('x') and variables('x') references
/// to the values they stand for, following module parameters out to the calling template.
/// </summary>
internal sealed partial class ArmTemplate
{
    private ArmTemplate(JsonObject template, ArmTemplate? parent, JsonObject? deployment, string path)
    {
        Template = template;
        Parent = parent;
        Deployment = deployment;
        Path = path;
    }

    public JsonObject Template { get; }

    /// <summary>The template that holds the module deployment of this one; null for the main template.</summary>
    public ArmTemplate? Parent { get; }

    /// <summary>The Microsoft.Resources/deployments resource that embeds this template; null for the main template.</summary>
    public JsonObject? Deployment { get; }

    /// <summary>"main", "main/storage", ...: for messages.</summary>
    public string Path { get; }

    public static ArmTemplate Root(JsonObject template) => new(template, null, null, "main");

    /// <summary>Resources declared (not merely referenced as existing) in this template.</summary>
    public IEnumerable<JsonObject> Resources =>
        (Template["resources"] switch
        {
            JsonArray array => array.OfType<JsonObject>(),
            JsonObject symbolic => symbolic.Select(p => p.Value).OfType<JsonObject>(), // languageVersion 2.0
            _ => [],
        }).Where(r => r["existing"]?.GetValue<bool>() != true);

    /// <summary>This template and every module template below it.</summary>
    public IEnumerable<ArmTemplate> SelfAndModules()
    {
        yield return this;
        foreach (var deployment in Resources.Where(r => TypeOf(r) == "Microsoft.Resources/deployments"))
        {
            if (deployment["properties"]?["template"] is JsonObject inner)
            {
                var child = new ArmTemplate(inner, this, deployment, $"{Path}/{deployment["name"]}");
                foreach (var descendant in child.SelfAndModules())
                {
                    yield return descendant;
                }
            }
        }
    }

    public static string TypeOf(JsonObject resource) => resource["type"]?.GetValue<string>() ?? "";

    public IEnumerable<KeyValuePair<string, JsonNode?>> Parameters =>
        Template["parameters"] as JsonObject ?? [];

    public IEnumerable<KeyValuePair<string, JsonNode?>> Outputs =>
        Template["outputs"] as JsonObject ?? [];

    /// <summary>
    /// The value a node stands for: "[parameters('x')]" becomes the value the calling template passes
    /// (or the default), "[variables('x')]" the variable's value, recursively. Any other node is returned as is.
    /// </summary>
    public JsonNode? Resolve(JsonNode? node)
    {
        if (node is not JsonValue value || !value.TryGetValue<string>(out var text))
        {
            return node;
        }

        var parameter = WholeParameterReference().Match(text);
        if (parameter.Success)
        {
            var name = parameter.Groups[1].Value;
            if (Deployment?["properties"]?["parameters"]?[name] is JsonObject passed && passed.ContainsKey("value"))
            {
                return Parent!.Resolve(passed["value"]);
            }

            return Template["parameters"]?[name]?["defaultValue"] is { } defaultValue ? Resolve(defaultValue) : node;
        }

        var variable = WholeVariableReference().Match(text);
        if (variable.Success && Template["variables"] is JsonObject variables && variables.ContainsKey(variable.Groups[1].Value))
        {
            return Resolve(variables[variable.Groups[1].Value]);
        }

        return node;
    }

    /// <summary>
    /// The main-template parameter a node is wired to: "[parameters('x')]" followed out through the module
    /// deployments that pass "[parameters('y')]" down. Null when the chain ends at anything else (a literal,
    /// a variable, a computed expression).
    /// </summary>
    public string? MainParameterName(JsonNode? node)
    {
        if (node is not JsonValue value || !value.TryGetValue<string>(out var text))
        {
            return null;
        }

        var parameter = WholeParameterReference().Match(text);
        if (!parameter.Success)
        {
            return null;
        }

        var name = parameter.Groups[1].Value;
        if (Parent is null)
        {
            return name;
        }

        return Deployment?["properties"]?["parameters"]?[name] is JsonObject passed && passed.ContainsKey("value")
            ? Parent.MainParameterName(passed["value"])
            : null;
    }

    /// <summary>An expression string with every variables('x') of a literal string variable replaced by 'value'.</summary>
    public string ExpandStringVariables(string expression) =>
        AnyVariableReference().Replace(expression, match =>
            Template["variables"]?[match.Groups[1].Value] is JsonValue v && v.TryGetValue<string>(out var literal)
                ? $"'{literal}'"
                : match.Value);

    [GeneratedRegex(@"^\[parameters\('([^']+)'\)\]$")]
    private static partial Regex WholeParameterReference();

    [GeneratedRegex(@"^\[variables\('([^']+)'\)\]$")]
    private static partial Regex WholeVariableReference();

    [GeneratedRegex(@"variables\('([^']+)'\)")]
    private static partial Regex AnyVariableReference();
}
