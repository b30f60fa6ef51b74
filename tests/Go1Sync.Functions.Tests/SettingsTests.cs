using System.Reflection;
using Go1Sync.Functions.Http;
using Go1Sync.Infrastructure.Configuration;
using Go1Sync.Infrastructure.Go1;
using Microsoft.Extensions.Configuration;

namespace Go1Sync.Functions.Tests;

/// <summary>
/// Configuration kept in step: every option the app binds is in local.settings.sample.json (and the
/// deployment tests check that every sample setting is an app setting of the compiled template),
/// so a missing setting fails CI instead of production.
/// </summary>
public sealed class SettingsTests
{
    /// <summary>Options types and the configuration section each is bound from ("" = the root).</summary>
    public static TheoryData<Type, string> BoundOptions() => new()
    {
        { typeof(QueueOptions), "" },
        { typeof(SweepOptions), SweepOptions.Section },
        { typeof(ProcessingOptions), ProcessingOptions.Section },
        { typeof(CutoverOptions), CutoverOptions.Section },
        { typeof(WebhookOptions), WebhookOptions.Section },
        { typeof(LaunchOptions), LaunchOptions.Section },
        { typeof(AuthOptions), AuthOptions.Section },
        { typeof(DeliveryLogOptions), DeliveryLogOptions.Section },
        { typeof(ParkedOptions), ParkedOptions.Section },
        { typeof(PoisonOptions), PoisonOptions.Section },
        { typeof(HealthOptions), HealthOptions.Section },
        { typeof(Go1Sync.Infrastructure.Reconciliation.ReconcileOptions), Go1Sync.Infrastructure.Reconciliation.ReconcileOptions.Section },
        { typeof(Go1Options), Go1Options.Section },
        { typeof(LearnerOptions), LearnerOptions.Section },
        { typeof(CourseCacheOptions), CourseCacheOptions.Section },
    };

    private static HashSet<string> SampleKeys()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")));
        return sample.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BoundOptions))]
    public void EveryBoundOption_IsInTheSampleSettings(Type options, string section)
    {
        var keys = SampleKeys();
        foreach (var property in options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var name = section.Length == 0 ? property.Name : $"{section}__{property.Name}";
            // Lists bind from indexed settings: the first element documents them.
            if (property.PropertyType != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(property.PropertyType)) name += "__0";
            Assert.True(keys.Contains(name), $"{name} (bound to {options.Name}.{property.Name}) is missing from local.settings.sample.json");
        }
    }

    [Fact]
    public void TheListAbove_CoversEveryOptionsTypeAddGo1SyncAndAddGo1SyncHttpRegister()
    {
        var services = new ServiceCollection();
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" }).Build();
        services.AddGo1Sync(configuration);
        services.AddGo1SyncHttp(configuration);
        var registered = services
            .Where(d => d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(IConfigureOptions<>))
            .Select(d => d.ServiceType.GetGenericArguments()[0])
            .Where(t => t.Namespace?.StartsWith("Go1Sync", StringComparison.Ordinal) == true)
            .ToHashSet();
        var listed = BoundOptions().Select(row => (Type)row[0]).ToHashSet();
        Assert.Equal(listed.Select(t => t.Name).Order(), registered.Select(t => t.Name).Order());
    }
}
