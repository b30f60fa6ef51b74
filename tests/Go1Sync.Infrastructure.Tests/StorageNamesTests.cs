using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Go1Sync.Infrastructure.Configuration;

namespace Go1Sync.Infrastructure.Tests;

/// <summary>
/// infra/storage-names.json is the one list of storage names: infra/main.bicep creates exactly what
/// it names (Go1Sync.Deployment.Tests, StorageNamesTemplateTests), and the app must use exactly
/// those names, or it would write to tables and queues the deployment never made. No Azurite.
/// </summary>
public sealed class StorageNamesTests
{
    private static readonly JsonElement Names =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "infra", "storage-names.json"))).RootElement.Clone();

    private static string Queue => Names.GetProperty("attemptEventsQueue").GetString()!;

    [Fact]
    public void TableNamesAll_ComparedWithStorageNamesJson_IsExactlyItsTables()
    {
        var json = Names.GetProperty("tables").EnumerateArray().Select(t => t.GetString()!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(json, TableNames.All.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TableNamesConstant_Any_IsInTableNamesAll()
    {
        var constants = typeof(TableNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Order(StringComparer.Ordinal);
        Assert.Equal(constants, TableNames.All.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void QueueOptionsDefaults_AreTheQueueAndPoisonSuffixOfStorageNamesJson_AndValid()
    {
        var options = new QueueOptions();
        Assert.Equal(Queue, options.AttemptEventsQueue);
        Assert.Equal(QueueOptions.PoisonQueueSuffix, Names.GetProperty("poisonQueueSuffix").GetString());
        Assert.Equal(Queue + Names.GetProperty("poisonQueueSuffix").GetString(), options.PoisonQueue);
        // The JSON's name passes the app's own validation of the setting.
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
    }

    [Fact]
    public void LocalSampleSettings_QueueSetting_NamesTheQueueOfStorageNamesJson()
    {
        var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json"))).RootElement;
        Assert.Equal(Queue, sample.GetProperty("Values").GetProperty("AttemptEventsQueue").GetString());
    }
}
