using Go1Sync.Infrastructure.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Go1Sync.Cli;

/// <summary>
/// The CLI's container: the same AddGo1Sync as the Functions app. Settings come from the
/// environment (the same names as the app settings), then from command-line options.
/// </summary>
internal static class CliHost
{
    public static async Task<IHost> StartAsync(string? storage, TextWriter diagnostics, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            // The CLI receives no webhooks, so it needs no webhook secret.
            ["Webhook:AllowUnsigned"] = "true",
        });
        builder.Configuration.AddEnvironmentVariables();
        if (storage is not null)
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = storage });

        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new WriterLoggerProvider(diagnostics));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddGo1Sync(builder.Configuration);

        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return host;
    }

    /// <summary>Warnings and errors to stderr, one line each, so stdout stays machine-readable.</summary>
    private sealed class WriterLoggerProvider(TextWriter writer) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new WriterLogger(writer);
        public void Dispose() { }

        private sealed class WriterLogger(TextWriter writer) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (writer) writer.WriteLine($"{logLevel}: {formatter(state, exception)}");
            }
        }
    }
}
