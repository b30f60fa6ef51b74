using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Go1Sync.Core.Outbound;
using Go1Sync.Core.Reporting;
using Go1Sync.SampleReceiver;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Time.Testing;
using StandardWebhooks;

namespace Go1Sync.Functions.Tests;

/// <summary>
/// The sample LMS receiver (samples/Go1Sync.SampleReceiver) on a loopback port, fed by the real
/// dispatcher: what it keeps (the highest version per attempt, deduped on webhook-id) equals the read
/// API; and it refuses what it must (a wrong or stale signature).
/// </summary>
public sealed class SampleReceiverTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private const string Secret = WebhookReceiver.Secret;

    private static async Task<(WebApplication App, string Url, StringWriter Output)> StartReceiverAsync()
    {
        var output = new StringWriter();
        var app = SampleReceiverApp.Build(["--urls", "http://127.0.0.1:0"], Secret, TextWriter.Synchronized(output));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return (app, address, output);
    }

    [Fact]
    public async Task SampleReceiver_FedByTheDispatcher_HoldsWhatTheReadApiAnswers()
    {
        var (app, url, output) = await StartReceiverAsync();
        await using var _ = app;
        var course = $"sample-{Guid.NewGuid():N}"[..20];
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow.AddSeconds(-30));
        await using var host = await Go1SyncTestHost.StartAsync(storage.Azurite, s =>
        {
            s["Outbound:Url"] = url + SampleReceiverApp.WebhookPath;
            s["Outbound:Secret"] = Secret;
            s["Feed:SafeLag"] = "00:00:00";
        }, services => services.AddSingleton<TimeProvider>(time));
        await host.Get<OutboundOperations>().MoveCursorAsync(ChangePosition.At(time.GetUtcNow()), CancellationToken.None);
        var processor = host.Get<AttemptEventProcessor>();
        var at = time.GetUtcNow();
        foreach (var (attempt, email) in new[] { ("s-a1", "sample.one@example.com"), ("s-a2", "sample.two@example.com") })
        {
            var launch = EventEnvelope.ForLaunch(new LaunchMessage(attempt, email, course, Platform.Web, at.AddMinutes(-30)), $"l-{course}-{attempt}", at);
            await processor.ProcessAsync(launch.Id, launch.ToJson(), CancellationToken.None);
        }
        var completion = EventEnvelope.ForCompletion(new CompletionMessage
        {
            Source = "test", EnrolmentId = $"enr-{course}", Email = "sample.one@example.com", CourseId = course, CompletedAt = at.AddMinutes(-5), Passed = true, Score = 80,
        }, $"c-{course}", at);
        await processor.ProcessAsync(completion.Id, completion.ToJson(), CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1));

        var run = await host.Get<OutboundDispatcher>().RunOnceAsync(CancellationToken.None);
        // A redelivery of everything (the cursor moved back): deduped by webhook-id.
        await host.Get<OutboundOperations>().MoveCursorAsync(ChangePosition.At(at), CancellationToken.None);
        var again = await host.Get<OutboundDispatcher>().RunOnceAsync(CancellationToken.None);

        Assert.Equal((OutboundRunOutcome.CaughtUp, OutboundRunOutcome.CaughtUp), (run.Outcome, again.Outcome));
        Assert.Equal(run.Delivered, again.Delivered);
        Assert.Equal(run.Delivered, output.ToString().Split('\n').Count(l => l.EndsWith("duplicate", StringComparison.Ordinal)));
        using var client = new HttpClient();
        var held = JsonNode.Parse(await client.GetStringAsync(url + "/attempts"))!.AsObject();
        var answer = await Go1SyncTestHost.GetAsync(r => host.Function<StatisticsFunctions>().CourseAttempts(r, course, CancellationToken.None));
        var rows = JsonNode.Parse(answer.Body)!.AsArray();
        Assert.Equal(2, rows.Count);
        foreach (var row in rows)
        {
            var kept = held[$"{course}/{row!["attemptId"]!.GetValue<string>()}"]!.AsObject();
            foreach (var name in new[] { "version", "changedAt", "change" }) kept.Remove(name);
            Assert.True(JsonNode.DeepEquals(row, kept), $"receiver {kept.ToJsonString()} != read API {row.ToJsonString()}");
        }
    }

    [Theory]
    [InlineData("wrong-secret", 0)]
    [InlineData("stale", -600)]
    public async Task SampleReceiver_WrongOrStaleSignature_Answers401AndKeepsNothing(string kind, int ageSeconds)
    {
        var (app, url, output) = await StartReceiverAsync();
        await using var _ = app;
        var body = """{"type":"attempt.updated","timestamp":"2025-03-10T12:00:00.000Z","data":{"courseId":"c","attemptId":"a","version":1}}""";
        var signer = new StandardWebhook(kind == "wrong-secret" ? "whsec_" + Convert.ToBase64String(new byte[32]) : Secret);
        var sentAt = DateTimeOffset.UtcNow.AddSeconds(ageSeconds);
        using var request = new HttpRequestMessage(HttpMethod.Post, url + SampleReceiverApp.WebhookPath) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", "chg_00000000000000000000000000000001");
        request.Headers.Add("webhook-timestamp", sentAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", signer.Sign("chg_00000000000000000000000000000001", sentAt, body));
        using var client = new HttpClient();

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("{}", await client.GetStringAsync(url + "/attempts"));
        Assert.Equal("", output.ToString());
    }

    [Fact]
    public void ReceivedAttempts_RemovalAtAHigherVersion_DropsTheAttemptAndALateOlderUpdateStaysStale()
    {
        static JsonNode Entry(long version, string change) => new JsonObject
        {
            ["type"] = "attempt.updated",
            ["data"] = new JsonObject { ["courseId"] = "c1", ["attemptId"] = "a1", ["version"] = version, ["change"] = change },
        };
        var attempts = new ReceivedAttempts();

        var updated = attempts.Apply("chg_1", Entry(1, ChangeKinds.Updated));
        var removed = attempts.Apply("chg_3", Entry(3, ChangeKinds.Removed));
        var late = attempts.Apply("chg_2", Entry(2, ChangeKinds.Updated));

        Assert.Equal(("applied", "removed", "stale"), (updated, removed, late));
        Assert.Empty(attempts.Snapshot());
    }
}
