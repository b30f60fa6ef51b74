using System.Text.Json.Nodes;

namespace Go1Sync.Deployment.Tests;

/// <summary>
/// The learner-id key as deployed (README, "Rotating the learner-id key"): Learners__IdKey a Key
/// Vault reference to LearnerIdKey, written from a required secure parameter; Learners__PreviousIdKey
/// a reference to LearnerPreviousIdKey only during a rotation, and empty otherwise.
/// </summary>
public sealed class LearnerIdKeyTemplateTests(CompiledInfrastructure infra) : IClassFixture<CompiledInfrastructure>
{
    private static string Unmarked(JsonNode? node)
    {
        var text = node?.GetValue<string>() ?? "";
        return text.Length > 0 && text[0] == ArmEvaluator.OpaqueMarker ? text[1..] : text;
    }

    [Fact]
    public void LearnersIdKey_InAzure_IsAKeyVaultReferenceToLearnerIdKeyInTheAppVault()
    {
        infra.AssertAppVaultReference("Learners__IdKey", "LearnerIdKey");
    }

    [Fact]
    public void LearnerIdKeyParameter_Declared_IsARequiredSecureStringOfAtLeast44Base64CharactersWrittenOnlyToTheVault()
    {
        var parameter = infra.Main.Parameters.Single(p => p.Key == "learnerIdKey").Value!;
        Assert.Equal("securestring", parameter["type"]?.GetValue<string>());
        Assert.Null(parameter["defaultValue"]);
        Assert.Equal(44, parameter["minLength"]?.GetValue<int>());

        var secret = Assert.Single(infra.DeployedResourcesOfType(infra.Evaluator(), "Microsoft.KeyVault/vaults/secrets"), x => x.Name.EndsWith("/LearnerIdKey", StringComparison.Ordinal));
        Assert.Equal("learnerIdKey", secret.Template.MainParameterName(secret.Resource["properties"]?["value"]));
        Assert.DoesNotContain(infra.Main.Template["outputs"]?.ToJsonString() ?? "", "learnerIdKey", StringComparison.Ordinal);
    }

    [Fact]
    public void LearnersPreviousIdKey_WithoutARotation_IsEmptyAndNoVaultEntryIsWritten()
    {
        var evaluator = infra.Evaluator();

        Assert.Equal("", infra.EvaluatedAppSettings(evaluator)["Learners__PreviousIdKey"]?.GetValue<string>());
        Assert.DoesNotContain(infra.DeployedResourcesOfType(evaluator, "Microsoft.KeyVault/vaults/secrets"), x => x.Name.EndsWith("/LearnerPreviousIdKey", StringComparison.Ordinal));
    }

    [Fact]
    public void LearnersPreviousIdKey_DuringARotation_IsWrittenToTheVaultAndReferenced()
    {
        var evaluator = infra.Evaluator(new Dictionary<string, JsonNode?> { ["learnerPreviousIdKey"] = JsonValue.Create(CompiledInfrastructure.SampleLearnerIdKey) });

        Assert.StartsWith("@Microsoft.KeyVault(SecretUri=", Unmarked(infra.EvaluatedAppSettings(evaluator)["Learners__PreviousIdKey"]), StringComparison.Ordinal);
        var secret = Assert.Single(infra.DeployedResourcesOfType(evaluator, "Microsoft.KeyVault/vaults/secrets"), x => x.Name.EndsWith("/LearnerPreviousIdKey", StringComparison.Ordinal));
        Assert.Equal("learnerPreviousIdKey", secret.Template.MainParameterName(secret.Resource["properties"]?["value"]));
        Assert.Equal("securestring", infra.Main.Parameters.Single(p => p.Key == "learnerPreviousIdKey").Value!["type"]?.GetValue<string>());
    }
}
