using System.Text.Json.Nodes;

namespace Go1Sync.Deployment.Tests;

/// <summary>
/// infra/main.bicepparam, the parameters azd and the Azure CLI deploy with, built with the real Bicep CLI
/// (build-params resolves its readEnvironmentVariable() calls) for a chosen environment.
/// </summary>
public sealed class ParameterFileTests
{
    /// <summary>Every variable main.bicepparam reads, unset unless a test sets it.</summary>
    private static readonly string[] ReadVariables =
    [
        "AZURE_ENV_NAME", "AZURE_LOCATION", "GO1_CLIENT_ID", "GO1_CLIENT_SECRET", "GO1_WEBHOOK_SECRET",
        "LMS_LAUNCH_SECRET", "LEARNER_ID_KEY", "LEARNER_PREVIOUS_ID_KEY", "AUTH_AUDIENCE", "ALERT_EMAIL", "ALERT_ACTION_GROUP_ID", "PRIVATE_NETWORKING",
    ];

    /// <summary>What a deployment cannot start without; the tests below leave out one at a time.</summary>
    private static Dictionary<string, string?> Required() => new()
    {
        ["GO1_WEBHOOK_SECRET"] = CompiledInfrastructure.SampleWebhookSecret,
        ["LMS_LAUNCH_SECRET"] = "lms-launch-secret-for-the-template-tests",
        ["LEARNER_ID_KEY"] = CompiledInfrastructure.SampleLearnerIdKey,
        ["AUTH_AUDIENCE"] = "api://00000000-0000-0000-0000-000000000001",
    };

    [Theory]
    [InlineData("GO1_WEBHOOK_SECRET")]
    [InlineData("LMS_LAUNCH_SECRET")]
    [InlineData("LEARNER_ID_KEY")]
    [InlineData("AUTH_AUDIENCE")]
    public void MainBicepparam_WithoutARequiredVariable_FailsNamingIt(string variable)
    {
        var environment = Required();
        environment.Remove(variable);
        var (result, _) = BuildParams(environment);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(variable, result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void MainBicepparam_WithTheRequiredVariables_BuildsWithPurgeProtectionOnAndPublicEndpoints()
    {
        var (result, parameters) = BuildParams(Required());

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(CompiledInfrastructure.SampleWebhookSecret, parameters!["webhookSecret0"]?["value"]?.GetValue<string>());
        Assert.Equal(CompiledInfrastructure.SampleLearnerIdKey, parameters["learnerIdKey"]?["value"]?.GetValue<string>());
        Assert.Equal("", parameters["learnerPreviousIdKey"]?["value"]?.GetValue<string>());
        Assert.True(parameters["keyVaultEnablePurgeProtection"]?["value"]?.GetValue<bool>() ?? true);
        Assert.False(parameters["privateNetworking"]?["value"]?.GetValue<bool>() ?? false);
    }

    [Fact]
    public void MainBicepparam_PrivateNetworkingVariableTrue_TurnsPrivateNetworkingOn()
    {
        var environment = Required();
        environment["PRIVATE_NETWORKING"] = "true";
        var (result, parameters) = BuildParams(environment);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.True(parameters!["privateNetworking"]?["value"]?.GetValue<bool>());
    }

    private static (BicepCli.Result Result, JsonObject? Parameters) BuildParams(Dictionary<string, string?> environment)
    {
        var outDir = Path.Combine(Path.GetTempPath(), $"go1sync-bicepparam-{Guid.NewGuid():N}");
        Directory.CreateDirectory(outDir);
        try
        {
            var env = ReadVariables.ToDictionary(v => v, v => environment.GetValueOrDefault(v));
            var outFile = Path.Combine(outDir, "main.parameters.json");
            var result = BicepCli.Run(env, "build-params", RepoPaths.InRepo("infra/main.bicepparam"), "--outfile", outFile);
            var parameters = File.Exists(outFile) ? JsonNode.Parse(File.ReadAllText(outFile))?["parameters"] as JsonObject : null;
            return (result, parameters);
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }
}
