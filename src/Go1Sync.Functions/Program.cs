using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;

var builder = FunctionsApplication.CreateBuilder(args);

builder.ConfigureFunctionsWebApplication();

builder.Services.AddGo1Sync(builder.Configuration);
// Launch secrets and the Entra ID token check (read API, course writes, /api/ops).
builder.Services.AddGo1SyncHttp(builder.Configuration);

// Telemetry to Application Insights through OpenTelemetry, authenticated with the app's identity
// (local auth is off on the Application Insights resource). Nothing is exported locally.
var telemetry = builder.Services.AddOpenTelemetry()
    .UseFunctionsWorkerDefaults()
    .WithMetrics(metrics => metrics.AddGo1SyncMetrics());
if (!string.IsNullOrEmpty(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
{
    var clientId = builder.Configuration["AzureWebJobsStorage:clientId"];
    telemetry.UseAzureMonitorExporter(options =>
    {
        if (!string.IsNullOrEmpty(clientId))
            options.Credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
    });
}

builder.Build().Run();
