using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;
using WireMock.Types;
using WireMock.Util;

namespace Go1Sync.Testing;

/// <summary>One POST the receiver accepted as signed: its webhook-id, body and what it was answered.</summary>
public sealed record ReceivedWebhook(string WebhookId, string Body, int AnsweredStatus);

/// <summary>
/// An outbound-webhook receiver on a loopback port (WireMock.Net). Every request's signature is checked
/// with the StandardWebhooks package's own <see cref="StandardWebhook.Verify"/> (the reference check):
/// a request that fails it is answered 401 and counted in <see cref="BadSignatures"/>. Answers are
/// planned with <see cref="Plan"/> (otherwise 200); <see cref="Stop"/> and <see cref="Restart"/> take
/// the port down and up again (connection refused meanwhile).
/// </summary>
public sealed class WebhookReceiver : IDisposable
{
    /// <summary>A test secret in the Standard Webhooks format (whsec_ + base64 of 32 bytes).</summary>
    public const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3cP4Ao1ZGLA=";

    private readonly ConcurrentQueue<(int Status, string? RetryAfter)> _plan = new();
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly StandardWebhook _verifier = new(Secret);
    private readonly string _url;
    private WireMockServer _server;
    private int _badSignatures;

    public WebhookReceiver()
    {
        _server = WireMockServer.Start();
        _url = _server.Url!;
        Map();
    }

    public string Url => _url + "/hooks/go1sync";
    public IReadOnlyList<ReceivedWebhook> Received => _received.ToList();
    /// <summary>Only the requests answered 2xx, in arrival order.</summary>
    public IReadOnlyList<ReceivedWebhook> Accepted => _received.Where(r => r.AnsweredStatus is >= 200 and < 300).ToList();
    public int BadSignatures => _badSignatures;
    /// <summary>When set, each answer waits this long first (for timeouts).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>The next requests get these answers, in order (then 200 again).</summary>
    public void Plan(int status, int times = 1, string? retryAfter = null)
    {
        for (var i = 0; i < times; i++) _plan.Enqueue((status, retryAfter));
    }

    public void Stop() => _server.Stop();

    public void Restart()
    {
        _server.Dispose();
        _server = WireMockServer.Start(new WireMockServerSettings { Urls = [_url] });
        Map();
    }

    private void Map() =>
        _server.Given(Request.Create().UsingPost().WithPath("/hooks/go1sync")).RespondWith(Response.Create().WithCallback(request =>
        {
            if (Delay > TimeSpan.Zero) Thread.Sleep(Delay);
            var body = request.Body ?? "";
            var headers = new HeaderDictionary();
            foreach (var (name, values) in request.Headers ?? new Dictionary<string, WireMockList<string>>())
                headers[name] = values.ToArray();
            try
            {
                _verifier.Verify(body, headers);
            }
            catch (Exception)
            {
                Interlocked.Increment(ref _badSignatures);
                return new WireMock.ResponseMessage { StatusCode = 401 };
            }
            var (status, retryAfter) = _plan.TryDequeue(out var planned) ? planned : (200, null);
            _received.Enqueue(new ReceivedWebhook(headers["webhook-id"].ToString(), body, status));
            var response = new WireMock.ResponseMessage { StatusCode = status, BodyData = new BodyData { BodyAsString = "{}", DetectedBodyType = BodyType.String } };
            if (retryAfter is not null) response.AddHeader("Retry-After", retryAfter);
            return response;
        }));

    public void Dispose() => _server.Dispose();
}
