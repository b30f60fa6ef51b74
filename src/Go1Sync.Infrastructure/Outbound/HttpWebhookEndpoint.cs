using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Go1Sync.Core.Outbound;
using Go1Sync.Core.Reporting;
using StandardWebhooks;

namespace Go1Sync.Infrastructure.Outbound;

/// <summary>
/// The body of an outbound webhook: <c>{"type":"attempt.updated","timestamp":"…","data":…}</c>, where
/// <c>timestamp</c> is the change's instant and <c>data</c> the feed entry exactly as
/// <c>GET /api/attempts/changes</c> writes it (the HTTP API's options: web defaults, nulls left out,
/// <see cref="AttemptChangeJsonConverter"/>; a contract test keeps the two byte-equal).
/// </summary>
public static class OutboundPayload
{
    public const string EventType = "attempt.updated";

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new AttemptReportJsonConverter(), new AttemptChangeJsonConverter() },
    };

    public static string Body(AttemptChange change)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", EventType);
            writer.WriteString("timestamp", Instants.Format(change.ChangedAt));
            writer.WritePropertyName("data");
            JsonSerializer.Serialize(writer, change, Json);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}

/// <summary>
/// POSTs a webhook to <c>Outbound__Url</c>, signed per Standard Webhooks with the <c>StandardWebhooks</c>
/// package (headers <c>webhook-id</c>, <c>webhook-timestamp</c>, <c>webhook-signature</c>; the timestamp
/// is the sending instant). Only 2xx is a success; 410 is <see cref="SendOutcome.Gone"/>; redirects are
/// not followed (a failure); a POST longer than <c>Outbound__TimeoutSeconds</c> is a failure. The
/// answer's <c>Retry-After</c> (seconds or an HTTP date) is passed on. Neither the body (it holds the
/// learner's email) nor the secret is logged; the error kept is our own words.
/// </summary>
public sealed class HttpWebhookEndpoint(IHttpClientFactory clients, IOptions<OutboundOptions> options, TimeProvider time) : IWebhookEndpoint
{
    public const string HttpClientName = "outbound";

    private readonly StandardWebhook? _signer = options.Value.Enabled && OutboundOptions.SecretKey(options.Value.Secret) is { } key ? new StandardWebhook(key) : null;

    public bool IsConfigured => options.Value.Enabled;

    public string Body(AttemptChange change) => OutboundPayload.Body(change);

    public async Task<SendResult> SendAsync(string webhookId, string body, CancellationToken cancellationToken)
    {
        if (_signer is null) throw new InvalidOperationException("Outbound webhooks are off (Outbound__Url is empty).");
        var now = time.GetUtcNow();
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Value.Url.Trim())
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", webhookId);
        request.Headers.Add("webhook-timestamp", now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", _signer.Sign(webhookId, now, body));

        var client = clients.CreateClient(HttpClientName);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300) return SendResult.Ok(status);
            if (response.StatusCode == HttpStatusCode.Gone) return new SendResult(SendOutcome.Gone, status, "410 Gone");
            return new SendResult(SendOutcome.Failed, status, $"answered {status}", RetryAfter(response.Headers.RetryAfter, now));
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SendResult(SendOutcome.Failed, null, $"no answer within {options.Value.TimeoutSeconds} s");
        }
        catch (HttpRequestException ex)
        {
            var reason = ex.InnerException is SocketException socket ? socket.SocketErrorCode.ToString() : ex.HttpRequestError.ToString();
            return new SendResult(SendOutcome.Failed, null, $"request failed: {reason}");
        }
    }

    private static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - now,
        _ => null,
    };
}
