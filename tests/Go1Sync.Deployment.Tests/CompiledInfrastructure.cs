using System.Text.Json.Nodes;

namespace Go1Sync.Deployment.Tests;

/// <summary>
/// infra/main.bicep compiled once (per test class) with the restored Bicep CLI into a temporary folder.
/// </summary>
public sealed class CompiledInfrastructure : IDisposable
{
    private readonly string _outputDirectory;

    public CompiledInfrastructure()
    {
        _outputDirectory = Path.Combine(Path.GetTempPath(), $"go1sync-bicep-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_outputDirectory);
        var outFile = Path.Combine(_outputDirectory, "main.json");

        Build = BicepCli.Run("build", RepoPaths.InRepo("infra/main.bicep"), "--outfile", outFile);
        if (Build.ExitCode != 0 || !File.Exists(outFile))
        {
            throw new InvalidOperationException($"bicep build infra/main.bicep failed (exit {Build.ExitCode}):\n{Build.Output}");
        }

        var json = JsonNode.Parse(File.ReadAllText(outFile)) as JsonObject
            ?? throw new InvalidOperationException($"{outFile} is not a JSON object.");
        Main = ArmTemplate.Root(json);
    }

    internal BicepCli.Result Build { get; }

    internal ArmTemplate Main { get; }

    internal IEnumerable<ArmTemplate> AllTemplates => Main.SelfAndModules();

    /// <summary>Every declared resource of a type, in any template, with the template that declares it.</summary>
    internal IReadOnlyList<(ArmTemplate Template, JsonObject Resource)> ResourcesOfType(string type) =>
        AllTemplates
            .SelectMany(t => t.Resources.Select(r => (Template: t, Resource: r)))
            .Where(x => string.Equals(ArmTemplate.TypeOf(x.Resource), type, StringComparison.OrdinalIgnoreCase))
            .ToList();

    internal (ArmTemplate Template, JsonObject Resource) Single(string type)
    {
        var found = ResourcesOfType(type);
        Assert.True(found.Count == 1, $"Expected exactly one {type}, found {found.Count}.");
        return found[0];
    }

    /// <summary>A webhook secret of the length the template requires, for evaluations that need one.</summary>
    internal const string SampleWebhookSecret = "sample-webhook-secret-0123456789";

    /// <summary>A learner-id key of the length the template requires (base64 of 32 bytes).</summary>
    internal const string SampleLearnerIdKey = "c2FtcGxlLWxlYXJuZXItaWQta2V5LWZvci10aGUtdGVzdHM=";

    /// <summary>
    /// An evaluator of this template for main-template parameter values: the required ones get sample values
    /// unless given, every other parameter keeps its default unless given.
    /// </summary>
    internal ArmEvaluator Evaluator(IReadOnlyDictionary<string, JsonNode?>? parameters = null)
    {
        var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["environmentName"] = JsonValue.Create("dev"),
            ["webhookSecret0"] = JsonValue.Create(SampleWebhookSecret),
            ["launchSecret0"] = JsonValue.Create(SampleWebhookSecret),
            ["learnerIdKey"] = JsonValue.Create(SampleLearnerIdKey),
            ["authAudience"] = JsonValue.Create("api://00000000-0000-0000-0000-000000000001"),
        };
        foreach (var (name, value) in parameters ?? new Dictionary<string, JsonNode?>())
        {
            Assert.True(Main.Template["parameters"]?[name] is not null, $"main.bicep has no parameter {name}.");
            values[name] = value;
        }

        return new ArmEvaluator(values);
    }

    /// <summary>
    /// Every instance of a resource type that a deployment with these parameter values creates (a copy loop
    /// gives one per iteration), with the evaluator of that instance.
    /// </summary>
    internal IReadOnlyList<DeployedResource> DeployedResourcesOfType(ArmEvaluator evaluator, string type) =>
        ResourcesOfType(type)
            .SelectMany(x => evaluator.Instances(x.Template, x.Resource).Select(e => new DeployedResource(x.Template, x.Resource, e)))
            .Where(x => x.Evaluator.IsDeployed(x.Template, x.Resource))
            .ToList();

    /// <summary>The function app's app settings evaluated for these parameter values (Azure-only parts opaque).</summary>
    internal IReadOnlyDictionary<string, JsonNode?> EvaluatedAppSettings(ArmEvaluator evaluator)
    {
        var (template, site) = Single("Microsoft.Web/sites");
        var settings = evaluator.Evaluate(template, site["properties"]?["siteConfig"]?["appSettings"]) as JsonArray
            ?? throw new InvalidOperationException("The function app's siteConfig.appSettings does not evaluate to a list.");
        return settings.OfType<JsonObject>().ToDictionary(s => s["name"]!.GetValue<string>(), s => s["value"], StringComparer.Ordinal);
    }

    /// <summary>
    /// Holds app setting <paramref name="setting"/> to being a Key Vault reference to the secret
    /// <paramref name="secretName"/> in the app's vault (the keyVault module's output), and returns
    /// it expanded, for a test's further checks.
    /// </summary>
    internal string AssertAppVaultReference(string setting, string secretName)
    {
        var value = Main.ExpandStringVariables(FunctionAppSettings().Single(s => s.Key == setting).Value!.GetValue<string>());
        Assert.Contains("@Microsoft.KeyVault(SecretUri=", value, StringComparison.Ordinal);
        Assert.Contains($"'{secretName}'", value, StringComparison.Ordinal);
        Assert.Contains("resourceId('Microsoft.Resources/deployments', 'keyVault')", value, StringComparison.Ordinal);
        return value;
    }

    /// <summary>The function app's app settings, name to (unresolved expression) value, in declaration order.</summary>
    internal IReadOnlyList<KeyValuePair<string, JsonNode?>> FunctionAppSettings()
    {
        var (template, site) = Single("Microsoft.Web/sites");
        var settings = template.Resolve(site["properties"]?["siteConfig"]?["appSettings"]) as JsonArray
            ?? throw new InvalidOperationException("The function app's siteConfig.appSettings is not a list the tests can read.");
        return settings
            .Select(s => s as JsonObject ?? throw new InvalidOperationException($"App setting {s} is not an object."))
            .Select(s => new KeyValuePair<string, JsonNode?>(
                s["name"] is JsonValue n && n.TryGetValue<string>(out var name) && !name.StartsWith('[')
                    ? name
                    : throw new InvalidOperationException($"App setting name {s["name"]} is not a literal string."),
                s["value"]))
            .ToList();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_outputDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}

/// <summary>One instance of a declared resource, and the evaluator that sees its copyIndex().</summary>
internal sealed record DeployedResource(ArmTemplate Template, JsonObject Resource, ArmEvaluator Evaluator)
{
    public JsonNode? Evaluate(string property) => Evaluator.Evaluate(Template, Resource[property]);

    /// <summary>The evaluated name, without the opaque marker of its Azure-only parts.</summary>
    public string Name
    {
        get
        {
            var node = Evaluate("name");
            var text = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node?.ToJsonString() ?? "";
            return text.Length > 0 && text[0] == ArmEvaluator.OpaqueMarker ? text[1..] : text;
        }
    }
}
