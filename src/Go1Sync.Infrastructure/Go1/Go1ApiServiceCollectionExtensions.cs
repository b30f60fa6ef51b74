using System.ComponentModel.DataAnnotations;
using System.Net.Http.Headers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;

namespace Go1Sync.Infrastructure.Go1;

public static class Go1ApiServiceCollectionExtensions
{
    /// <summary>How long a pooled connection to Go1 lives, so that DNS changes are seen although the clients live long.</summary>
    public static readonly TimeSpan ConnectionLifetime = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The Go1 REST API client (<see cref="IGo1Directory"/>, <see cref="IGo1Enrolments"/>) from settings section
    /// <c>Go1</c>. When <c>Go1__ClientId</c> or <c>Go1__ClientSecret</c> is empty nothing but the options is
    /// registered: the processor then parks thin payloads instead of asking Go1.
    /// </summary>
    public static IServiceCollection AddGo1Api(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        // Twice would chain two resilience handlers on each client.
        if (services.Any(d => d.ServiceType == typeof(Go1ApiRegistered)))
            return services;
        services.AddSingleton<Go1ApiRegistered>();

        var section = configuration.GetSection(Go1Options.Section);
        services.AddOptions<Go1Options>().Bind(section).ValidateDataAnnotations().ValidateOnStart();

        var configured = section.Get<Go1Options>() ?? new Go1Options();
        if (!configured.IsConfigured)
            return services;

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<Go1TokenSource>();

        services.AddHttpClient(Go1TokenSource.HttpClientName, (sp, client) =>
            {
                client.Timeout = Go1(sp).TotalTimeout + TimeSpan.FromSeconds(5);
                client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            })
            .LongLived()
            .AddStandardResilienceHandler()
            .Configure(options => Resilience(options, Unvalidated(section)));

        services.AddHttpClient<Go1ApiClient>(Go1ApiClient.HttpClientName, (sp, client) =>
            {
                var go1 = Go1(sp);
                client.BaseAddress = new Uri(go1.BaseUrl.TrimEnd('/') + "/", UriKind.Absolute);
                client.DefaultRequestHeaders.Add("Api-Version", go1.ApiVersion);
                client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                // The resilience handler's total timeout governs; this one is only a backstop.
                client.Timeout = go1.TotalTimeout + TimeSpan.FromSeconds(5);
            })
            .LongLived()
            .AddStandardResilienceHandler()
            .Configure(options => Resilience(options, Unvalidated(section)));

        services.TryAddSingleton<IGo1Directory>(sp => new CachedGo1Directory(sp.GetRequiredService<Go1ApiClient>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddTransient<IGo1Enrolments>(sp => sp.GetRequiredService<Go1ApiClient>());
        return services;
    }

    private static Go1Options Go1(IServiceProvider services) => services.GetRequiredService<IOptions<Go1Options>>().Value;

    /// <summary>
    /// The settings as they are, for the resilience options: those are validated at start too, and
    /// asking <see cref="IOptions{Go1Options}"/> from there would report an invalid Go1 setting twice.
    /// </summary>
    private static Go1Options Unvalidated(IConfigurationSection section) => section.Get<Go1Options>() ?? new Go1Options();

    /// <summary>
    /// The client ends up held by singletons (the enricher), so its handler is never rotated; pooled
    /// connections are recycled instead. The factory's own request logging is removed: it would write
    /// query strings (an email in /users?email=) in clear. <see cref="Go1Log"/> logs what is needed.
    /// </summary>
    private static IHttpClientBuilder LongLived(this IHttpClientBuilder builder) => builder
        .UseSocketsHttpHandler((handler, _) => handler.PooledConnectionLifetime = ConnectionLifetime)
        .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
        .RemoveAllLoggers();

    /// <summary>
    /// The standard pipeline (total timeout, retry, circuit breaker, attempt timeout) tuned from the settings.
    /// Its retry already handles 408, 429, 5xx, HttpRequestException and attempt timeouts, with
    /// exponential backoff and jitter, and waits as long as a Retry-After header asks.
    /// </summary>
    internal static void Resilience(HttpStandardResilienceOptions options, Go1Options go1)
    {
        // Out-of-range settings are reported by Go1Options' own validation, once, naming the setting.
        if (go1.Validate(new ValidationContext(go1)).Any())
            return;
        options.AttemptTimeout.Timeout = go1.Timeout;
        options.TotalRequestTimeout.Timeout = go1.TotalTimeout;
        options.Retry.MaxRetryAttempts = Go1Options.MaxRetryAttempts;
        options.Retry.Delay = go1.RetryDelay;
        options.Retry.ShouldRetryAfterHeader = true;
        // The library requires the sampling window to be at least twice the attempt timeout.
        var sampling = go1.Timeout * 2;
        options.CircuitBreaker.SamplingDuration = sampling > TimeSpan.FromSeconds(30) ? sampling : TimeSpan.FromSeconds(30);
    }

    private sealed class Go1ApiRegistered;
}
