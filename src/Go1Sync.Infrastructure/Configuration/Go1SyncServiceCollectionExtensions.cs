using Go1Sync.Infrastructure.Go1;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Go1Sync.Infrastructure.Configuration;

public static class Go1SyncServiceCollectionExtensions
{
    /// <summary>
    /// The whole wiring of the product. The Functions app, the CLI and the tests all call this,
    /// so every entry point runs the same code against the same tables.
    /// </summary>
    public static IServiceCollection AddGo1Sync(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();

        services.AddOptions<QueueOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SweepOptions>().Bind(configuration.GetSection(SweepOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ProcessingOptions>().Bind(configuration.GetSection(ProcessingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DeliveryLogOptions>().Bind(configuration.GetSection(DeliveryLogOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ParkedOptions>().Bind(configuration.GetSection(ParkedOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PoisonOptions>().Bind(configuration.GetSection(PoisonOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SummaryOptions>().Bind(configuration.GetSection(SummaryOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<FeedOptions>().Bind(configuration.GetSection(FeedOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<HealthOptions>().Bind(configuration.GetSection(HealthOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Reconciliation.ReconcileOptions>().Bind(configuration.GetSection(Reconciliation.ReconcileOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<OutboundOptions>().Bind(configuration.GetSection(OutboundOptions.Section)).ValidateDataAnnotations()
            // The retry schedule runs about 3 days 4 hours before it parks a change; a shorter feed
            // retention would age the cursor out first and stop delivery instead (needs resynchronisation).
            .Validate<IOptions<FeedOptions>>((outbound, feed) => !outbound.Enabled || feed.Value.RetentionDays >= OutboundOptions.MinFeedRetentionDays,
                $"The setting Feed__RetentionDays must be at least {OutboundOptions.MinFeedRetentionDays} when Outbound__Url is set: the outbound retry schedule takes about 3 days 4 hours before it parks a change.")
            .ValidateOnStart();
        services.AddOptions<CutoverOptions>().Bind(configuration.GetSection(CutoverOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<CutoverOptions>>(new CutoverSettingsValidation(configuration.GetSection(CutoverOptions.Section)));
        services.AddOptions<LearnerOptions>().Bind(configuration.GetSection(LearnerOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<LearnerOptions>>(new LearnerKeySettings(AzureHosting.From(configuration), StorageClients.IsLocal(configuration)));
        services.AddSingleton(sp =>
        {
            var learners = sp.GetRequiredService<IOptions<LearnerOptions>>().Value;
            var ids = learners.ToLearnerIds();
            if (learners.UsesDevelopmentKey)
                sp.GetRequiredService<ILoggerFactory>().CreateLogger(LearnerOptions.DevelopmentKeyLogCategory).LogWarning(
                    "Learners__IdKey is not set: learner ids are made with the published development key {KeyId}, which is for local runs against Azurite only (README, Security)",
                    ids.CurrentKeyId);
            return ids;
        });

        services.AddSingleton(sp => new AttemptRules(sp.GetRequiredService<IOptions<CutoverOptions>>().Value.ToCutovers()));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ProcessingOptions>>().Value);

        StorageClients.Add(services, configuration);
        services.AddSingleton<IAttemptStore, TableAttemptStore>();
        services.AddSingleton<OpenAttemptIndex>();
        services.AddOptions<CourseCacheOptions>().Bind(configuration.GetSection(CourseCacheOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TableCourseCatalogue>();
        services.AddSingleton<ICourseCatalogue, CachedCourseCatalogue>();
        services.AddSingleton<IParkedStore, TableParkedStore>();
        services.AddSingleton<IEventQueue, QueueEventQueue>();
        services.AddSingleton<IAttemptStatsReader, TableAttemptStatsReader>();
        services.AddSingleton<Go1Sync.Core.Reporting.IAttemptChangeFeed, TableAttemptChangeFeed>();
        services.AddSingleton(sp =>
        {
            var feed = sp.GetRequiredService<IOptions<FeedOptions>>().Value;
            return new Go1Sync.Core.Reporting.ChangeFeed(
                sp.GetRequiredService<Go1Sync.Core.Reporting.IAttemptChangeFeed>(),
                sp.GetRequiredService<AttemptRules>(),
                sp.GetRequiredService<TimeProvider>(),
                feed.SafeLag,
                TimeSpan.FromDays(feed.RetentionDays));
        });
        services.AddSingleton<IDeliveryLog, TableDeliveryLog>();
        services.AddSingleton<EventIntake>();
        services.AddSingleton<MessageOperations>();
        services.AddSingleton<Retention>();
        services.AddSingleton<Erasure.TableLearnerTombstones>();
        services.AddSingleton<ILearnerTombstones>(sp => sp.GetRequiredService<Erasure.TableLearnerTombstones>());
        services.AddSingleton<Erasure.LearnerErasure>();
        services.AddSingleton<Learners.LearnerIdMigration>();
        services.AddSingleton<StorageMigration>();
        services.AddSingleton<StorageInitializer>();
        services.AddHostedService(sp => sp.GetRequiredService<StorageInitializer>());

        services.AddGo1Api(configuration);
        services.AddSingleton<ICompletionEnricher>(sp => new CompletionEnricher(
            sp.GetRequiredService<ICourseCatalogue>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IGo1Directory>()));
        services.AddSingleton<ProcessingMetrics>();
        services.AddSingleton<Parking>();
        services.AddSingleton<HistoryWriter>();
        services.AddSingleton<ApplyLaunch>();
        services.AddSingleton<ApplyCompletion>();
        services.AddSingleton<AttemptEventProcessor>();
        services.AddSingleton<Go1Sync.Core.Reporting.CourseStatistics>();
        services.AddSingleton(sp => new Go1Sync.Core.Reporting.CourseSummaries(
            sp.GetRequiredService<Go1Sync.Core.Reporting.CourseStatistics>(),
            sp.GetRequiredService<IOptions<SummaryOptions>>().Value.MaxAge,
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<Reconciliation.Go1CompletionQueue>();
        services.AddSingleton<Sweep.ReconciliationSweep>();
        services.AddSingleton<Reconciliation.ReconciliationStateStore>();
        services.AddSingleton<Reconciliation.Go1Reconciliation>();
        services.AddSingleton<QueueDrain>();
        AddOutbound(services);
        services.AddSingleton<Health.BacklogProbe>();
        services.AddSingleton<Health.BacklogMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<Health.BacklogMonitor>());
        services.AddHealthChecks()
            .AddCheck<Health.StorageHealthCheck>("storage")
            .AddCheck<Health.BacklogHealthCheck>("backlog")
            .AddCheck<Health.SweepHealthCheck>("sweep")
            .AddCheck<Health.ReconciliationHealthCheck>("reconciliation")
            .AddCheck<Health.OutboundHealthCheck>("outbound");
        return services;
    }

    /// <summary>The outbound webhooks (issue #15): the dispatcher over the change feed, its HTTP endpoint and its state table.</summary>
    private static void AddOutbound(IServiceCollection services)
    {
        // No resilience handler: the dispatcher's own schedule retries; one POST is one attempt. No
        // redirects (a 3xx is a failure), and no request logging by the factory.
        services.AddHttpClient(Outbound.HttpWebhookEndpoint.HttpClientName, (sp, client) =>
                client.Timeout = sp.GetRequiredService<IOptions<OutboundOptions>>().Value.Timeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .RemoveAllLoggers();
        services.AddSingleton<Core.Outbound.IWebhookEndpoint, Outbound.HttpWebhookEndpoint>();
        services.AddSingleton<Core.Outbound.IOutboundStore, Outbound.TableOutboundStore>();
        services.TryAddSingleton(new Core.Outbound.RetrySchedule());
        services.AddSingleton(sp =>
        {
            var outbound = sp.GetRequiredService<IOptions<OutboundOptions>>().Value;
            return new Core.Outbound.OutboundLimits(outbound.Parallelism, outbound.MaxPerRun);
        });
        services.AddSingleton<Core.Outbound.OutboundMetrics>();
        services.AddSingleton<Core.Outbound.OutboundDispatcher>();
        services.AddSingleton<Core.Outbound.OutboundOperations>();
    }
}
