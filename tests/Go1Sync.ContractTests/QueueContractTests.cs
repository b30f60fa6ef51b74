using Go1Sync.Core.Intake;

namespace Go1Sync.ContractTests;

/// <summary>
/// The queue message (envelope and payload) as intake queues it: a message queued by one release
/// is applied by the next, so its shape is pinned, and today's processor must still read the
/// pinned messages.
/// </summary>
[Collection(ContractCollection.Name)]
public sealed class QueueContractTests(ContractScenario scenario)
{
    [Fact]
    public void QueueEnvelope_LaunchAcceptedOverHttp_MatchesGolden() =>
        GoldenFiles.Checked.Verify("queue/envelope.launch.json", GoldenJson.Pretty(scenario.FirstLaunchMessage));

    [Fact]
    public void QueueEnvelope_CompletionFromAGo1Webhook_MatchesGolden() =>
        GoldenFiles.Checked.Verify("queue/envelope.completion.json", GoldenJson.Pretty(scenario.CompletionMessage));

    [Fact]
    public void QueueEnvelope_CompletionWithAMalformedOptionalField_MatchesGoldenNamingTheFieldToRefetch() =>
        GoldenFiles.Checked.Verify("queue/envelope.completion-refetch.json", GoldenJson.Pretty(scenario.ParkedCompletionMessage));

    [Fact]
    public void HttpAnswer_LaunchAccepted_Is202Golden() =>
        GoldenFiles.Checked.Verify("http/launch.202.json", GoldenJson.Http(scenario.FirstLaunchAnswer));

    [Fact]
    public void HttpAnswer_WebhookAccepted_Is202Golden() =>
        GoldenFiles.Checked.Verify("http/webhook.202.json", GoldenJson.Http(scenario.CompletionAnswer));

    [Fact]
    public void HttpAnswer_ForgetByAnOperator_Is200Golden() =>
        GoldenFiles.Checked.Verify("http/forget.200.json", GoldenJson.Http(scenario.ForgetAnswer));

    [Fact]
    public void HttpAnswer_CoursePutByAnOperator_Is200Golden() =>
        GoldenFiles.Checked.Verify("http/course-put.200.json", GoldenJson.Http(scenario.CourseAnswer));

    /// <summary>Messages still in the queue when a new release starts are read by it: the golden ones must be.</summary>
    [Theory]
    [InlineData("queue/envelope.launch.json", EventKinds.Launch)]
    [InlineData("queue/envelope.completion.json", EventKinds.Completion)]
    [InlineData("queue/envelope.completion-refetch.json", EventKinds.Completion)]
    // Version 1 messages (before the receipt moved into the message, issue #14), frozen as queued then.
    [InlineData("Frozen/envelope.launch.v1.json", EventKinds.Launch)]
    [InlineData("Frozen/envelope.completion.v1.json", EventKinds.Completion)]
    [InlineData("Frozen/envelope.completion-refetch.v1.json", EventKinds.Completion)]
    public void QueueEnvelope_GoldenMessage_IsReadByTodaysProcessorReaders(string golden, string kind)
    {
        var envelope = EventEnvelope.FromJson(File.ReadAllText(GoldenFiles.Checked.PathOf(golden)));

        Assert.Equal(kind, envelope.Kind);
        Assert.True(EventEnvelope.IsReadable(envelope.SchemaVersion), $"schema version {envelope.SchemaVersion}");
        Assert.Equal(golden.StartsWith("Frozen/", StringComparison.Ordinal) ? null : (int?)202, envelope.Receipt?.HttpStatus);
        Assert.Equal(JsonValueKind.Object, envelope.Payload.ValueKind);
        if (kind == EventKinds.Launch)
        {
            var launch = LaunchIntake.Read(envelope.Payload, ContractScenario.Start);
            Assert.True(launch.IsValid, string.Join("; ", launch.Errors.ToDictionary().Keys));
            Assert.Equal((ContractScenario.ClosedAttempt, ContractScenario.Course), (launch.Value!.AttemptId, launch.Value.CourseId));
            Assert.Equal(ContractScenario.Email, launch.Value.Email, ignoreCase: true);
        }
        else
        {
            var completion = CompletionMessageIntake.Read(envelope.Payload, ContractScenario.Start);
            Assert.True(completion.IsValid, string.Join("; ", completion.Errors.ToDictionary().Keys));
            Assert.Contains(completion.Value!.EnrolmentId, new[] { ContractScenario.Enrolment, ContractScenario.ParkedEnrolment });
        }
    }
}
