using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Go1Sync.Infrastructure.Security;

/// <summary>The app roles of the API's Entra app registration, one per kind of caller.</summary>
public static class AppRoles
{
    /// <summary>Readers: the statistics read API.</summary>
    public const string StatisticsRead = "Statistics.Read";

    /// <summary>Operators: /api/ops/* and the course catalogue writes.</summary>
    public const string OperationsAdmin = "Operations.Admin";
}

public enum TokenOutcome { Valid, Invalid, Unavailable }

/// <param name="Reason">Why a token was refused, in words safe to show the caller and to log (never the token or a claim value).</param>
/// <param name="Caller">The caller's object id (<c>oid</c>), else the client application id (<c>azp</c>/<c>appid</c>): GUIDs, never an email.</param>
public sealed record TokenCheck(TokenOutcome Outcome, string? Reason, IReadOnlySet<string> Roles, string? Caller)
{
    public static TokenCheck Invalid(string reason) => new(TokenOutcome.Invalid, reason, new HashSet<string>(), null);
}

/// <summary>
/// Validates Microsoft Entra ID access tokens: signature against the issuer's keys (read from its
/// OIDC metadata and JWKS, cached, refreshed when a token names a key it does not know), issuer
/// as the metadata states it, audience, lifetime. One instance per app: it holds the metadata cache.
/// </summary>
public sealed class EntraTokenValidator : IDisposable
{
    /// <summary>Entra ID signs access tokens with RS256; no other algorithm is accepted.</summary>
    private static readonly string[] Algorithms = [SecurityAlgorithms.RsaSha256];

    private readonly HttpClient? _http;
    private readonly ConfigurationManager<OpenIdConnectConfiguration>? _metadata;
    private readonly TokenValidationParameters? _parameters;
    private readonly JsonWebTokenHandler _handler = new();

    public EntraTokenValidator(IOptions<AuthOptions> options)
    {
        var auth = options.Value;
        if (!auth.ValidatesTokens) return;

        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = TimeSpan.FromSeconds(10) };
        _metadata = new ConfigurationManager<OpenIdConnectConfiguration>(auth.MetadataAddress, new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(_http) { RequireHttps = auth.RequiresHttps })
        {
            // Also the least time between two refreshes asked for by tokens naming an unknown key.
            RefreshInterval = TimeSpan.FromMinutes(1),
        };
        _parameters = new TokenValidationParameters
        {
            // The issuer and the signing keys come from the metadata (the handler refreshes it once when a key is unknown).
            ConfigurationManager = _metadata,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidAudiences = auth.AcceptedAudiences,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ValidAlgorithms = Algorithms,
            ClockSkew = TimeSpan.FromMinutes(2),
        };
    }

    public async Task<TokenCheck> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        if (_metadata is null || _parameters is null)
            throw new InvalidOperationException("Token validation is off (Auth__AllowUnauthenticated, no Auth__Authority): nothing should ask for it.");

        try
        {
            // Fetched (or served from the cache) up front, so "the issuer cannot be reached" is told
            // apart from "the token is bad": the first is ours to retry, the second the caller's.
            await _metadata.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new TokenCheck(TokenOutcome.Unavailable, "the token issuer's metadata could not be read", new HashSet<string>(), null);
        }

        var result = await _handler.ValidateTokenAsync(token, _parameters).ConfigureAwait(false);
        if (!result.IsValid) return TokenCheck.Invalid(Describe(result.Exception));

        var identity = result.ClaimsIdentity;
        var roles = identity.FindAll("roles").Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var caller = First(identity, "oid") ?? First(identity, "azp") ?? First(identity, "appid");
        return new TokenCheck(TokenOutcome.Valid, null, roles, caller);
    }

    private static string? First(ClaimsIdentity identity, string type) => identity.FindFirst(type)?.Value;

    /// <summary>What was wrong, by exception type only: IdentityModel's messages can carry claim values.</summary>
    private static string Describe(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "the token has expired",
        SecurityTokenNotYetValidException => "the token is not valid yet",
        SecurityTokenInvalidAudienceException => "the token is for another audience",
        SecurityTokenInvalidIssuerException => "the token is from another issuer",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "the token's signature does not verify with the issuer's keys",
        SecurityTokenInvalidAlgorithmException => "the token is signed with an algorithm that is not accepted",
        SecurityTokenNoExpirationException => "the token has no expiry",
        SecurityTokenMalformedException or ArgumentException => "the token is not a well-formed JWT",
        _ => "the token is not valid",
    };

    public void Dispose() => _http?.Dispose();
}
