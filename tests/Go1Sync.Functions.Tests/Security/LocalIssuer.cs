using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Go1Sync.Functions.Tests.Security;

/// <summary>
/// A token issuer shaped like an Entra ID tenant, over real HTTP on loopback (WireMock): OIDC
/// metadata at <c>{Authority}/.well-known/openid-configuration</c> naming the issuer and a JWKS
/// holding the public half of an RSA key this test creates. Mints signed access tokens with
/// <c>roles</c>, as Entra does for app roles.
/// </summary>
public sealed class LocalIssuer : IDisposable
{
    public const string TenantId = "7d1b5c1e-0000-4000-8000-00000000a11d";
    public const string ClientId = "0c6e2b84-1d3a-4c55-9f11-4a8d2f5e9b70";
    public const string Audience = "api://" + ClientId;

    private readonly RsaSecurityKey _key;

    public LocalIssuer()
    {
        Server = WireMockServer.Start();
        _key = NewKey("issuer-key-1");
        Server.Given(Request.Create().WithPath($"/{TenantId}/v2.0/.well-known/openid-configuration").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(Metadata()));
        Server.Given(Request.Create().WithPath($"/{TenantId}/discovery/v2.0/keys").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(Jwks(_key)));
    }

    public WireMockServer Server { get; }

    /// <summary>What Auth__Authority holds: the tenant's v2.0 authority.</summary>
    public string Authority => $"{Server.Url}/{TenantId}/v2.0";

    /// <summary>The issuer the metadata names (and Entra's v2 tokens carry).</summary>
    public string Issuer => Authority;

    public Dictionary<string, string?> Settings() => new()
    {
        ["Auth:Authority"] = Authority,
        ["Auth:Audience"] = Audience,
        ["Auth:AllowUnauthenticated"] = "false",
    };

    /// <summary>A token as Entra would issue it to a caller holding <paramref name="roles"/>; each part can be made wrong.</summary>
    public string Token(
        string[] roles,
        string? audience = null,
        string? issuer = null,
        DateTimeOffset? expires = null,
        RsaSecurityKey? signedWith = null,
        string objectId = "3f2a9c4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b")
    {
        var now = DateTimeOffset.UtcNow;
        var expiry = expires ?? now.AddHours(1);
        var claims = new Dictionary<string, object>
        {
            ["oid"] = objectId,
            ["azp"] = "5e0f4d3c-2b1a-4987-8765-43210fedcba9",
            ["tid"] = TenantId,
            ["preferred_username"] = "reader.person@example.com",
            ["roles"] = roles,
        };
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience ?? ClientId,
            IssuedAt = (expiry < now ? expiry.AddHours(-1) : now).UtcDateTime,
            NotBefore = (expiry < now ? expiry.AddHours(-1) : now).UtcDateTime,
            Expires = expiry.UtcDateTime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(signedWith ?? _key, SecurityAlgorithms.RsaSha256),
        });
    }

    public static Dictionary<string, string> Bearer(string token) => new() { ["Authorization"] = "Bearer " + token };

    /// <summary>A key the issuer does not publish.</summary>
    public static RsaSecurityKey NewKey(string keyId) => new(RSA.Create(2048)) { KeyId = keyId };

    private string Metadata() => new JsonObject
    {
        ["issuer"] = Issuer,
        ["authorization_endpoint"] = $"{Server.Url}/{TenantId}/oauth2/v2.0/authorize",
        ["token_endpoint"] = $"{Server.Url}/{TenantId}/oauth2/v2.0/token",
        ["jwks_uri"] = $"{Server.Url}/{TenantId}/discovery/v2.0/keys",
        ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
    }.ToJsonString();

    private static string Jwks(RsaSecurityKey key)
    {
        var parameters = key.Rsa.ExportParameters(includePrivateParameters: false);
        return new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "RSA",
                ["use"] = "sig",
                ["alg"] = "RS256",
                ["kid"] = key.KeyId,
                ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
            }),
        }.ToJsonString();
    }

    public void Dispose()
    {
        Server.Stop();
        Server.Dispose();
        _key.Rsa.Dispose();
    }
}
