using System.Reflection;
using Go1Sync.Functions.Http;
using Go1Sync.Infrastructure.Configuration;
using Go1Sync.Infrastructure.Go1;
using Microsoft.Extensions.Configuration;

namespace Go1Sync.Functions.Tests;

/// <summary>
/// Configuration kept in step: every option the app binds is in local.settings.sample.json (and the
/// deployment tests check that every sample setting is an app setting of the compiled template),
/// so a missing setting fails CI instead of production; and every setting the app refuses at
/// start-up, in one table, refused naming the setting.
/// </summary>
public sealed class SettingsTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
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
        { typeof(SummaryOptions), SummaryOptions.Section },
        { typeof(FeedOptions), FeedOptions.Section },
        { typeof(Go1Sync.Infrastructure.Reconciliation.ReconcileOptions), Go1Sync.Infrastructure.Reconciliation.ReconcileOptions.Section },
        { typeof(Go1Options), Go1Options.Section },
        { typeof(LearnerOptions), LearnerOptions.Section },
        { typeof(CourseCacheOptions), CourseCacheOptions.Section },
        { typeof(OutboundOptions), OutboundOptions.Section },
    };

    private static HashSet<string> SampleKeys()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")));
        return sample.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BoundOptions))]
    public void BoundOption_Any_IsInTheSampleSettings(Type options, string section)
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
    public void BoundOptionsList_ComparedWithRegistrations_CoversEveryOptionsTypeAddGo1SyncAndAddGo1SyncHttpRegister()
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

    /// <summary>
    /// The settings the app refuses at start-up, one at a time: the setting, its value, what the
    /// refusal must name, and whether the value is a secret the message must not repeat.
    /// </summary>
    [Theory]
    // A development escape hatch turned off without what it stands in for.
    [InlineData("Auth:AllowUnauthenticated", "false", "Auth__Authority", false)]
    [InlineData("Launch:AllowUnsigned", "false", "Launch__Secrets__0", false)]
    [InlineData("Webhook:AllowUnsigned", "false", "Webhook__Secrets__0", false)]
    // Launches.
    [InlineData("Launch:Secrets:0", "only-23-characters-long", "shorter than 24 characters", false)]
    [InlineData("Launch:Secrets:0", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/LaunchSecret0)", "unresolved Key Vault reference", false)]
    [InlineData("Launch:MaxAge", "00:30:00", "Launch__MaxAge", false)]
    [InlineData("Launch:MaxAge", "3651.00:00:00", "Launch__MaxAge", false)]
    // Webhooks, the queue, the sweep and the processing.
    [InlineData("AttemptEventsQueue", "Bad_Queue", "AttemptEventsQueue", false)]
    [InlineData("Sweep:StaleAfter", "00:00:05", "Sweep__StaleAfter", false)]
    [InlineData("Processing:MaxConflictRetries", "0", "Processing__MaxConflictRetries", false)]
    [InlineData("Webhook:ToleranceSeconds", "0", "Webhook__ToleranceSeconds", false)]
    [InlineData("Webhook:Secrets:0", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/WebhookSecret0)", "unresolved Key Vault reference", false)]
    [InlineData("Sweep:GiveUpAfter", "00:10:00", "Sweep__GiveUpAfter", false)]
    [InlineData("Processing:MaxAttemptsPerLearnerCourse", "0", "Processing__MaxAttemptsPerLearnerCourse", false)]
    // Retention.
    [InlineData("Parked:RetentionDays", "0", "Parked__RetentionDays", false)]
    [InlineData("Parked:RetentionDays", "3651", "Parked__RetentionDays", false)]
    [InlineData("Poison:RetentionDays", "0", "Poison__RetentionDays", false)]
    [InlineData("Poison:RetentionDays", "3651", "Poison__RetentionDays", false)]
    // The change feed.
    [InlineData("Feed:RetentionDays", "0", "Feed__RetentionDays", false)]
    [InlineData("Feed:RetentionDays", "366", "Feed__RetentionDays", false)]
    [InlineData("Feed:SafeLag", "00:10:01", "Feed__SafeLag", false)]
    [InlineData("Feed:SafeLag", "-00:00:01", "Feed__SafeLag", false)]
    // Outbound webhooks (the URL alone: the secret is then missing).
    [InlineData("Outbound:Url", "https://lms.example/hooks", "Outbound__Secret", false)]
    [InlineData("Outbound:TimeoutSeconds", "0", "Outbound__TimeoutSeconds", false)]
    [InlineData("Outbound:TimeoutSeconds", "61", "Outbound__TimeoutSeconds", false)]
    [InlineData("Outbound:Parallelism", "0", "Outbound__Parallelism", false)]
    [InlineData("Outbound:MaxPerRun", "0", "Outbound__MaxPerRun", false)]
    // Learner-id keys: named, never repeated.
    [InlineData("Learners:IdKey", "c2hvcnQta2V5LW9mLTIzLWJ5dGVzLi4u", "Learners__IdKey", true)]
    [InlineData("Learners:IdKey", "not base64 at all!", "Learners__IdKey", true)]
    [InlineData("Learners:IdKey", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/LearnerIdKey)", "Learners__IdKey", true)]
    [InlineData("Learners:PreviousIdKey", "c2hvcnQta2V5LW9mLTIzLWJ5dGVzLi4u", "Learners__PreviousIdKey", true)]
    [InlineData("Learners:PreviousIdKey", "%%%", "Learners__PreviousIdKey", true)]
    public async Task Startup_InvalidSetting_IsRefusedNamingIt(string key, string value, string named, bool valueIsSecret)
    {
        var message = await StartupRefusal.MessageAsync(storage.Azurite, key, value);
        Assert.Contains(named, message, StringComparison.Ordinal);
        if (valueIsSecret) Assert.DoesNotContain(value, message, StringComparison.Ordinal);
    }

    /// <summary>A valid outbound secret (whsec_ + base64 of 32 bytes), for the refusals of the URL.</summary>
    private const string OutboundSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3cP4Ao1ZGLA=";

    [Theory]
    [InlineData("not a url", OutboundSecret, "Outbound__Url")]
    [InlineData("ftp://lms.example/hooks", OutboundSecret, "Outbound__Url")]
    [InlineData("http://lms.example/hooks", OutboundSecret, "Outbound__Url")]
    [InlineData("http://10.0.0.5/hooks", OutboundSecret, "Outbound__Url")]
    [InlineData("https://user:pass@lms.example/hooks", OutboundSecret, "Outbound__Url")]
    [InlineData("https://lms.example/hooks", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3cP4Ao1ZGLA=", "Outbound__Secret")]
    [InlineData("https://lms.example/hooks", "whsec_not-base64-at-all!", "Outbound__Secret")]
    [InlineData("https://lms.example/hooks", "whsec_QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=", "Outbound__Secret")]
    [InlineData("https://lms.example/hooks", "whsec_QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=", "Outbound__Secret")]
    [InlineData("https://lms.example/hooks", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/OutboundSecret)", "Outbound__Secret")]
    public async Task Startup_InvalidOutboundUrlOrSecret_IsRefusedNamingTheSettingNeverTheSecret(string url, string secret, string named)
    {
        var message = await StartupRefusal.MessageAsync(storage.Azurite, s =>
        {
            s["Outbound:Url"] = url;
            s["Outbound:Secret"] = secret;
        });

        Assert.Contains(named, message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_OutboundOnWithAFeedRetentionShorterThanItsRetrySchedule_IsRefusedNamingFeedRetentionDays()
    {
        var message = await StartupRefusal.MessageAsync(storage.Azurite, s =>
        {
            s["Outbound:Url"] = "https://lms.example/hooks";
            s["Outbound:Secret"] = OutboundSecret;
            s["Feed:RetentionDays"] = "3";
        });

        Assert.Contains("Feed__RetentionDays must be at least 4 when Outbound__Url is set", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:7071/hooks")]
    [InlineData("http://localhost:5000/hooks")]
    [InlineData("http://[::1]:5000/hooks")]
    [InlineData("https://lms.example/hooks")]
    public void OutboundOptions_HttpsOrLoopbackHttpWithAWhsecSecret_IsValid(string url)
    {
        var options = new OutboundOptions { Url = url, Secret = OutboundSecret };

        Assert.Empty(options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)));
    }
}
