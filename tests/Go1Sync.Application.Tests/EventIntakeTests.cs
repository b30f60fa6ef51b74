using Go1Sync.Core.Processing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Go1Sync.Application.Tests;

public sealed class EventIntakeTests
{
    private static EventEnvelope Envelope() => Harness.Envelope(Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z")));

    private static DeliveryReceipt Receipt(EventEnvelope envelope) =>
        new(envelope.Id, EventKinds.Launch, null, envelope.ReceivedAt, "valid", 0, AttemptId: "a-1");

    [Fact]
    public async Task EventIntake_QueueAndLogStore_ReturnsQueuedWithTheEventIdAndKind()
    {
        using var meters = new TestMeterFactory();
        var queue = new FakeQueue();
        var log = new RecordingDeliveryLog();
        var intake = new EventIntake(queue, log, new ProcessingMetrics(meters), NullLogger<EventIntake>.Instance);
        var envelope = Envelope();

        var outcome = await intake.AcceptAsync(envelope, Receipt(envelope), CancellationToken.None);

        Assert.Equal(new IntakeOutcome.Queued(envelope.Id, EventKinds.Launch), outcome);
        // The receipt rides in the message (issue #14); the processor writes it with the outcome.
        var queued = Assert.Single(queue.Queued);
        Assert.Equal(envelope.Id, queued.Id);
        Assert.Equal(202, queued.Receipt!.HttpStatus);
        Assert.Equal("valid", queued.Receipt.Signature);
        Assert.Empty(log.Receipts);
    }

    [Fact]
    public async Task EventIntake_QueueUnavailable_ReturnsStorageUnavailableAndLogsNothing()
    {
        using var meters = new TestMeterFactory();
        var log = new RecordingDeliveryLog();
        var intake = new EventIntake(new FakeQueue { Failure = new IOException("queue down") }, log, new ProcessingMetrics(meters), NullLogger<EventIntake>.Instance);
        var envelope = Envelope();

        var outcome = await intake.AcceptAsync(envelope, Receipt(envelope), CancellationToken.None);

        Assert.IsType<IntakeOutcome.StorageUnavailable>(outcome);
        Assert.Empty(log.Receipts);
    }

    [Fact]
    public async Task EventIntake_DeliveryLogUnavailable_StillQueuesSinceTheReceiptTravelsInTheMessage()
    {
        using var meters = new TestMeterFactory();
        var queue = new FakeQueue();
        var intake = new EventIntake(queue, new RecordingDeliveryLog { Failure = new IOException("table down") }, new ProcessingMetrics(meters), NullLogger<EventIntake>.Instance);
        var envelope = Envelope();

        Assert.IsType<IntakeOutcome.Queued>(await intake.AcceptAsync(envelope, Receipt(envelope), CancellationToken.None));
        Assert.Single(queue.Queued);
    }
}
