using Go1Sync.Core.Processing;

namespace Go1Sync.Application.Tests;

/// <summary>A queued message is trusted no more than a request: the receipt it carries is checked before it is written with the outcome.</summary>
public sealed class QueuedReceiptValidationTests
{
    private static DeliveryReceipt ReceiptFor(EventEnvelope envelope) =>
        new(envelope.Id, envelope.Kind, null, envelope.ReceivedAt, "valid", 202, AttemptId: "a-1", LearnerHash: new string('a', 64));

    [Fact]
    public async Task Processor_ReceiptIntakeCouldHaveWritten_IsRecordedWithTheOutcome()
    {
        using var app = new Harness();
        var envelope = Harness.Envelope(Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z")));
        var queued = envelope.WithReceipt(ReceiptFor(envelope));

        await app.Processor.ProcessAsync("m-1", queued.ToJson(), CancellationToken.None);

        Assert.Equal("valid", Assert.Single(app.Deliveries.Receipts).Signature);
        Assert.Equal(DeliveryOutcomes.Applied, Assert.Single(app.Deliveries.Outcomes).Outcome);
    }

    [Theory]
    [InlineData("learnerHash")]
    [InlineData("source")]
    [InlineData("detail")]
    [InlineData("signature")]
    [InlineData("httpStatus")]
    public async Task Processor_ReceiptIntakeCouldNotHaveWritten_AppliesTheEventAndRecordsTheOutcomeWithoutIt(string field)
    {
        using var app = new Harness();
        var envelope = Harness.Envelope(Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z")));
        var receipt = ReceiptFor(envelope);
        var forged = field switch
        {
            "learnerHash" => receipt with { LearnerHash = "ada@example.com" },
            "source" => receipt with { Source = "somewhere" },
            "detail" => receipt with { Detail = new string('x', ReceiptMessage.MaxDetailLength + 1) },
            "signature" => receipt with { Signature = "valid\n" },
            _ => receipt with { HttpStatus = 42 },
        };

        var outcome = await app.Processor.ProcessAsync("m-1", envelope.WithReceipt(forged).ToJson(), CancellationToken.None);

        Assert.Equal(OutcomeKind.Applied, outcome.Kind);
        Assert.Empty(app.Deliveries.Receipts);
        Assert.Equal(DeliveryOutcomes.Applied, Assert.Single(app.Deliveries.Outcomes).Outcome);
        Assert.Contains(field, envelope.WithReceipt(forged).Receipt!.Problem(), StringComparison.Ordinal);
    }
}
