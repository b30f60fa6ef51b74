using Azure.Data.Tables;
using Azure.Storage.Queues;
using Go1Sync.Infrastructure.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Go1Sync.Cli;

/// <summary>
/// The CLI's container: the same AddGo1Sync as the Functions app. Settings come from the
/// environment (the same names as the app settings), then from command-line options.
/// Failures to start (a bad setting, storage unreachable) are thrown as they are and turned into
/// one line by <see cref="CliFailure"/>.
/// </summary>
internal static class CliHost
{
    public const string StorageOption = "--storage";
    private const string DevelopmentStorage = "UseDevelopmentStorage=true";

    public static async Task<IHost> StartAsync(string? storage, TextWriter diagnostics, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // The CLI receives no webhooks, so it needs no webhook secret.
            ["Webhook:AllowUnsigned"] = "true",
        });
        builder.Configuration.AddEnvironmentVariables();
        if (storage is not null)
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [StorageClients.Setting] = storage });
        // Azurite by default, unless the environment configures storage (a connection string, or identity-based URIs).
        var storageSection = builder.Configuration.GetSection(StorageClients.Setting);
        if (string.IsNullOrWhiteSpace(storageSection.Value) && !storageSection.GetChildren().Any())
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [StorageClients.Setting] = DevelopmentStorage });
        CheckConnectionString(builder.Configuration[StorageClients.Setting], StorageSettingName(storage));

        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new WriterLoggerProvider(diagnostics));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // The development learner-id key is accepted only against Azurite (any other storage needs
        // Learners__IdKey), where the app's warning about it says nothing an operator needs.
        builder.Logging.AddFilter(LearnerOptions.DevelopmentKeyLogCategory, LogLevel.None);
        builder.Services.AddGo1Sync(builder.Configuration);

        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return host;
    }

    /// <summary>Which option or setting gave the storage connection, as a user would look for it.</summary>
    public static string StorageSettingName(string? storageOption)
    {
        if (storageOption is not null) return StorageOption;
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(StorageClients.Setting))) return StorageClients.Setting;
        if (Environment.GetEnvironmentVariable(StorageClients.Setting + "__tableServiceUri") is not null)
            return $"{StorageClients.Setting}__tableServiceUri/__queueServiceUri";
        return $"{StorageClients.Setting} (not set, so {DevelopmentStorage}: Azurite on 127.0.0.1)";
    }

    /// <summary>
    /// A malformed connection string fails here, naming where it came from, instead of deep in the
    /// container. The SDK's messages can quote parts of the string (an account key), so they are not repeated.
    /// </summary>
    private static void CheckConnectionString(string? connectionString, string settingName)
    {
        if (string.IsNullOrWhiteSpace(connectionString)) return;
        try
        {
            _ = new TableServiceClient(connectionString);
            _ = new QueueServiceClient(connectionString);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            var why = ex is FormatException ? "its AccountKey is not valid Base64" : "it cannot be parsed";
            throw new CliException(ExitCodes.Settings,
                $"{settingName} is not a valid storage connection string ({why}); expected {DevelopmentStorage} or DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net.");
        }
    }

    /// <summary>
    /// Warnings and errors of our own code to stderr, one line each, so stdout stays machine-readable.
    /// The Azure SDK (a warning per 404, e.g. every look-up of a row not there yet) and the host
    /// ("Hosting failed to start", "BackgroundService failed" when a command stops early) are not
    /// shown: what fails reaches the user as an exception, which the CLI reports in one line.
    /// </summary>
    internal static bool Shows(string category, LogLevel level) =>
        level is >= LogLevel.Warning and < LogLevel.None
        && (category == "Go1Sync" || category.StartsWith("Go1Sync.", StringComparison.Ordinal));

    private sealed class WriterLoggerProvider(TextWriter writer) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new WriterLogger(writer, categoryName);
        public void Dispose() { }

        private sealed class WriterLogger(TextWriter writer, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => Shows(category, logLevel);
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel)) return;
                lock (writer) writer.WriteLine($"{logLevel}: {formatter(state, exception)}");
            }
        }
    }
}
