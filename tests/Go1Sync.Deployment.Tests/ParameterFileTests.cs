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
        "ALERT_EMAIL", "ALERT_ACTION_GROUP_ID", "PRIVATE_NETWORKING",
    ];

    [Fact]
    public void MainBicepparam_WithoutWebhookSecret_FailsNamingTheVariable()
    {
        var (result, _) = BuildParams(new Dictionary<string, string?>());

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("GO1_WEBHOOK_SECRET", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void MainBicepparam_WithTheWebhookSecret_BuildsWithPurgeProtectionOnAndPublicEndpoints()
    {
        var (result, parameters) = BuildParams(new Dictionary<string, string?> { ["GO1_WEBHOOK_SECRET"] = CompiledInfrastructure.SampleWebhookSecret });

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(CompiledInfrastructure.SampleWebhookSecret, parameters!["webhookSecret0"]?["value"]?.GetValue<string>());
        Assert.True(parameters["keyVaultEnablePurgeProtection"]?["value"]?.GetValue<bool>() ?? true);
        Assert.False(parameters["privateNetworking"]?["value"]?.GetValue<bool>() ?? false);
    }

    [Fact]
    public void MainBicepparam_PrivateNetworkingVariableTrue_TurnsPrivateNetworkingOn()
    {
        var (result, parameters) = BuildParams(new Dictionary<string, string?>
        {
            ["GO1_WEBHOOK_SECRET"] = CompiledInfrastructure.SampleWebhookSecret,
            ["PRIVATE_NETWORKING"] = "true",
        });

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
