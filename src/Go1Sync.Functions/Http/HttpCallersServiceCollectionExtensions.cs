using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Go1Sync.Functions.Http;

public static class HttpCallersServiceCollectionExtensions
{
    /// <summary>
    /// The credentials of the HTTP callers other than Go1 (whose webhook secret AddGo1Sync binds):
    /// the LMS's launch secrets and the Entra ID token check for readers and operators. Only the
    /// HTTP entry points need them (the Functions app and the test host), so the CLI, which takes
    /// no requests, starts without them.
    /// </summary>
    public static IServiceCollection AddGo1SyncHttp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LaunchOptions>().Bind(configuration.GetSection(LaunchOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var localOnly = new LocalOnlySettings(AzureHosting.From(configuration));
        services.AddSingleton<IValidateOptions<LaunchOptions>>(localOnly);
        services.AddSingleton<IValidateOptions<AuthOptions>>(localOnly);
        services.AddSingleton<EntraTokenValidator>();
        services.AddSingleton<CallerAuthorizer>();
        return services;
    }
}
