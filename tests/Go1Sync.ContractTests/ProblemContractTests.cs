using Go1Sync.Functions.Functions;

namespace Go1Sync.ContractTests;

/// <summary>
/// problem+json answers (RFC 9457) as senders read them: status, content type, the challenge
/// headers, and the body naming each bad field. The API has no 404: an unknown course reads as a
/// course with no attempts, an unknown learner as a learner with none (the CLI's "not found" is
/// exit code 2 and a line on stderr, not an HTTP body).
/// </summary>
[Collection(ContractCollection.Name)]
public sealed class ProblemContractTests(ContractScenario scenario)
{
    private const string LaunchSecret = "golden-launch-secret-0123456789abcdef";
    private const string WebhookSecret = "golden-webhook-secret-0123456789abcdef";

    private static readonly string[] ChallengeHeaders = ["WWW-Authenticate", "Retry-After"];

    private static void Verify(string name, HttpAnswer answer) =>
        GoldenFiles.Checked.Verify(name, GoldenJson.Http(answer, ChallengeHeaders));

    /// <summary>The scenario's storage and clock with the credentials of a deployment: secrets and an Entra ID audience.</summary>
    private Task<Go1SyncTestHost> SecuredHostAsync() => scenario.StartHostAsync(s =>
    {
        s["Webhook:AllowUnsigned"] = "false";
        s["Webhook:Secrets:0"] = WebhookSecret;
        s["Launch:AllowUnsigned"] = "false";
        s["Launch:Secrets:0"] = LaunchSecret;
        s["Auth:AllowUnauthenticated"] = "false";
        s["Auth:Authority"] = "https://login.microsoftonline.com/00000000-0000-0000-0000-0000000000aa/v2.0";
        s["Auth:Audience"] = "api://00000000-0000-0000-0000-0000000000bb";
    });

    [Fact]
    public async Task Problem_WebhookWithoutAnEnrolmentId_Is400NamingDataId()
    {
        var answer = await scenario.Host.PostWebhookAsync("""{"id":"evt-golden-bad","event_type":"enrollment.complete","data":{"lo_id":"go1-course-golden"}}""");
        Verify("problems/webhook.400.data-id.json", answer);
    }

    [Fact]
    public async Task Problem_LaunchWithAnUnknownPlatform_Is400NamingPlatform()
    {
        var answer = await scenario.Host.PostLaunchAsync(ContractScenario.FirstLaunchBody.Replace("\"web\"", "\"desktop\"", StringComparison.Ordinal));
        Verify("problems/launch.400.platform.json", answer);
    }

    [Fact]
    public async Task Problem_LaunchAsPlainText_Is415NamingContentType()
    {
        var answer = await Go1SyncTestHost.InvokeAsync(r => scenario.Host.Function<LaunchFunction>().Run(r, CancellationToken.None),
            ContractScenario.FirstLaunchBody, "text/plain");
        Verify("problems/launch.415.content-type.json", answer);
    }

    [Fact]
    public async Task Problem_LaunchOver32KiB_Is413NamingTheBody()
    {
        var answer = await scenario.Host.PostLaunchAsync(ContractScenario.FirstLaunchBody.Replace("}", $",\"padding\":\"{new string('p', 33 * 1024)}\"}}", StringComparison.Ordinal));
        Verify("problems/launch.413.body.json", answer);
    }

    [Fact]
    public async Task Problem_LearnerRouteWithAnEmail_Is400PointingToTheLookup()
    {
        var answer = await Go1SyncTestHost.GetAsync(r => scenario.Host.Function<StatisticsFunctions>().LearnerAttempts(r, ContractScenario.Email, CancellationToken.None));
        Verify("problems/learner-route.400.email.json", answer);
    }

    [Fact]
    public async Task Problem_CourseAttemptsWithAnUnknownStatus_Is400NamingIt()
    {
        var answer = await Go1SyncTestHost.GetAsync(r => scenario.Host.Function<StatisticsFunctions>().CourseAttempts(r, ContractScenario.Course, CancellationToken.None), "?status=closed");
        Verify("problems/course-attempts.400.status.json", answer);
    }

    [Fact]
    public async Task Problem_AttemptChangesWithAMalformedCursor_Is400NamingIt()
    {
        var answer = await Go1SyncTestHost.GetAsync(r => scenario.Host.Function<StatisticsFunctions>().AttemptChanges(r, CancellationToken.None), "?cursor=not-a-cursor");
        Verify("problems/attempt-changes.400.cursor.json", answer);
    }

    [Fact]
    public async Task Problem_AttemptChangesFromACursorPastTheRetention_Is410SayingHowToResynchronise()
    {
        var expired = Go1Sync.Core.Reporting.ChangeCursor.Encode(Go1Sync.Core.Reporting.ChangePosition.At(scenario.Clock.GetUtcNow().AddDays(-31)));
        var answer = await Go1SyncTestHost.GetAsync(r => scenario.Host.Function<StatisticsFunctions>().AttemptChanges(r, CancellationToken.None), "?cursor=" + expired);
        Verify("problems/attempt-changes.410.cursor.json", answer);
    }

    [Fact]
    public async Task Problem_WebhookWithoutASignature_Is401NamingTheHeader()
    {
        await using var host = await SecuredHostAsync();
        var answer = await host.PostWebhookAsync(ContractScenario.CompletionBody);
        Verify("problems/webhook.401.signature.json", answer);
    }

    [Fact]
    public async Task Problem_LaunchWithoutASignature_Is401NamingTheHeader()
    {
        await using var host = await SecuredHostAsync();
        var answer = await host.PostLaunchAsync(ContractScenario.FirstLaunchBody);
        Verify("problems/launch.401.signature.json", answer);
    }

    [Fact]
    public async Task Problem_ReadApiWithoutAToken_Is401WithABearerChallenge()
    {
        await using var host = await SecuredHostAsync();
        var answer = await Go1SyncTestHost.GetAsync(r => host.Function<StatisticsFunctions>().CourseSummary(r, ContractScenario.Course, CancellationToken.None));
        Verify("problems/read-api.401.token.json", answer);
    }
}
