using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables.Sas;

namespace Go1Sync.Infrastructure.Configuration;

/// <summary>
/// Table requests of a connection string with an account key are signed with an account SAS made
/// once from the key, not with the key on every request. Why: Azure.Data.Tables signs each shared-key
/// request with a new <c>HMACSHA256</c> it never disposes, and on Linux (OpenSSL 3) releasing those
/// contexts on the finalizer thread was 46% of the app's CPU in the pipeline benchmark (dotnet-trace,
/// 2026-12-01). A SAS request carries the signature made at <see cref="Renew"/>; this per-call policy
/// makes a new one when half of its <see cref="Lifetime"/> is gone. The SAS grants what the key
/// grants on the table service (every permission, service, tables and entities) and never leaves
/// the process. Its validity is judged by the storage service's real clock, so it takes the system
/// clock, not the app's (a test's fake clock would make it expired).
/// </summary>
public sealed class TableAccountSas : HttpPipelineSynchronousPolicy
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    /// <summary>The SAS starts this long before it is made, for a storage clock behind ours.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(15);

    private readonly TableServiceClient _keyed;
    private readonly TimeProvider _time;
    private readonly Lock _renewing = new();
    private DateTimeOffset _renewAt;

    public TableAccountSas(string connectionString, TimeProvider time)
    {
        _keyed = new TableServiceClient(connectionString);
        _time = time;
        Credential = new AzureSasCredential(Make(out var expiresOn));
        ExpiresOn = expiresOn;
        _renewAt = _time.GetUtcNow() + Lifetime / 2;
    }

    public Uri Endpoint => _keyed.Uri;

    public AzureSasCredential Credential { get; }

    /// <summary>When the SAS in use expires.</summary>
    public DateTimeOffset ExpiresOn { get; private set; }

    /// <summary>Whether the connection string holds an account key (else it is used as given).</summary>
    public static bool HasAccountKey(IReadOnlyDictionary<string, string> parts) =>
        parts.ContainsKey("AccountKey")
        || (parts.TryGetValue("UseDevelopmentStorage", out var development) && string.Equals(development, "true", StringComparison.OrdinalIgnoreCase));

    public override void OnSendingRequest(HttpMessage message)
    {
        if (_time.GetUtcNow() >= _renewAt) Renew();
    }

    private void Renew()
    {
        lock (_renewing)
        {
            if (_time.GetUtcNow() < _renewAt) return;
            Credential.Update(Make(out var expiresOn));
            ExpiresOn = expiresOn;
            _renewAt = _time.GetUtcNow() + Lifetime / 2;
        }
    }

    private string Make(out DateTimeOffset expiresOn)
    {
        var now = _time.GetUtcNow();
        expiresOn = now + Lifetime;
        var builder = new TableAccountSasBuilder(TableAccountSasPermissions.All, TableAccountSasResourceTypes.All, expiresOn) { StartsOn = now - ClockSkew };
        return _keyed.GenerateSasUri(builder).Query.TrimStart('?');
    }
}
