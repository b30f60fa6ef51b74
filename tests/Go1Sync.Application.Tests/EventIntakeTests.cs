using Go1Sync.Core.Processing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Go1Sync.Application.Tests;

public sealed class EventIntakeTests
{
    private static EventEnvelope Envelope() => Harness.Envelope(Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z")));

    private static DeliveryReceipt Receipt(EventEnvelope envelope) =>
        new(envelope.Id, EventKinds.Launch, null, Harness.Now, "valid", 0, AttemptId: "a-1");

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
        Assert.Same(envelope, Assert.Single(queue.Queued));
        Assert.Equal(202, Assert.Single(log.Receipts).HttpStatus);
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
    public async Task EventIntake_DeliveryLogUnavailable_ReturnsStorageUnavailable()
    {
        using var meters = new TestMeterFactory();
        var intake = new EventIntake(new FakeQueue(), new RecordingDeliveryLog { Failure = new IOException("table down") }, new ProcessingMetrics(meters), NullLogger<EventIntake>.Instance);
        var envelope = Envelope();

        Assert.IsType<IntakeOutcome.StorageUnavailable>(await intake.AcceptAsync(envelope, Receipt(envelope), CancellationToken.None));
    }
}
