using System.Diagnostics.Metrics;
using Go1Sync.Core.Attempts;
using Go1Sync.Core.Learners;
using Go1Sync.Core.Processing;

namespace Go1Sync.Application.Tests;

/// <summary>
/// The aggregate store in memory: ETags are counters; <see cref="ConflictsToInject"/> makes the next saves lose the race.
/// A committed write's delivery outcome is stored in <paramref name="deliveries"/>, as the table store commits it with the aggregate.
/// </summary>
internal sealed class InMemoryAttemptStore(RecordingDeliveryLog? deliveries = null) : IAttemptStore
{
    private readonly Dictionary<LearnerCourseKey, StoredHistory> _rows = new();
    private int _version;

    public int ConflictsToInject { get; set; }
    public int Reads { get; private set; }
    public int Saves { get; private set; }

    public StoredHistory? this[LearnerCourseKey key] => _rows.GetValueOrDefault(key);

    /// <summary>Leaves the tombstone an erasure leaves in place of the aggregate.</summary>
    public void Erase(LearnerCourseKey key) =>
        _rows[key] = new StoredHistory(LearnerCourseHistory.Empty("", key.CourseKey), $"v{++_version}") { Erased = true };

    /// <summary>Marks the stored version as one whose read side is still being written in full.</summary>
    public void MarkPending(LearnerCourseKey key) => _rows[key] = _rows[key] with { ProjectionPending = true };

    public Task<StoredHistory?> GetAsync(LearnerCourseKey key, CancellationToken cancellationToken)
    {
        Reads++;
        return Task.FromResult(_rows.GetValueOrDefault(key));
    }

    /// <summary>Every write that committed, in order (its <see cref="AggregateWrite.Before"/> null: the read side written in full).</summary>
    public List<AggregateWrite> Commits { get; } = [];
    /// <summary>The pairs listed before their first write.</summary>
    public List<LearnerCourseKey> Registered { get; } = [];
    /// <summary>The pairs an erased learner's dropped first event erased (tombstone, rows, listing).</summary>
    public List<LearnerCourseKey> Forgotten { get; } = [];

    public Task<string?> TryCommitAsync(AggregateWrite write, CancellationToken cancellationToken)
    {
        if (ConflictsToInject > 0)
        {
            ConflictsToInject--;
            return Task.FromResult<string?>(null);
        }
        var current = _rows.GetValueOrDefault(write.Key);
        // A legacy aggregate's first write inserts it in the current layout, as the table store does.
        var expected = write.Read is { Legacy: true } ? null : write.ETag;
        if (current?.ETag != expected) return Task.FromResult<string?>(null);
        _legacy.Remove(write.Key);
        Saves++;
        Commits.Add(write);
        if (write.Outcome is { } outcome) deliveries?.Committed(outcome);
        var next = $"v{++_version}";
        _rows[write.Key] = new StoredHistory(write.History, next) { Fold = write.Fold };
        return Task.FromResult<string?>(next);
    }

    private readonly Dictionary<LearnerCourseKey, StoredHistory> _legacy = new();

    /// <summary>An aggregate of the layout before storage v3: found by the listing (<see cref="RegisterAsync"/>), moved by its first commit.</summary>
    public void PutLegacy(LearnerCourseKey key, LearnerCourseHistory history) =>
        _legacy[key] = new StoredHistory(history, $"legacy{++_version}") { Legacy = true };

    public Task<StoredHistory?> GetCurrentAsync(LearnerCourseKey key, CancellationToken cancellationToken)
    {
        Reads++;
        return Task.FromResult(_rows.GetValueOrDefault(key));
    }

    public Task<StoredHistory?> RegisterAsync(LearnerCourseKey key, string courseId, CancellationToken cancellationToken)
    {
        Registered.Add(key);
        return Task.FromResult(_legacy.GetValueOrDefault(key));
    }

    public Task ForgetAsync(LearnerCourseKey key, CancellationToken cancellationToken)
    {
        Forgotten.Add(key);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<LearnerCourseHistory>> GetLearnerAsync(string learnerId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<LearnerCourseHistory>>(_rows.Where(r => r.Key.LearnerHash == learnerId).Select(r => r.Value.History).ToList());
}

/// <summary>Answers every completion with one enrichment, and counts the questions.</summary>
internal sealed class FakeEnricher(Func<CompletionMessage, Enrichment> answer) : ICompletionEnricher
{
    public int Calls { get; private set; }

    public Task<Enrichment> EnrichAsync(CompletionMessage message, CancellationToken cancellationToken)
    {
        Calls++;
        return Task.FromResult(answer(message));
    }
}

internal sealed class InMemoryParkedStore : IParkedStore
{
    public List<ParkedMessage> Messages { get; } = [];

    public Task ParkAsync(ParkedMessage message, CancellationToken cancellationToken)
    {
        Messages.Add(message);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ParkedMessage>> ListAsync(string? category, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ParkedMessage>>(Messages.Where(m => category is null || m.Category == category).ToList());

    public Task<int> CountAsync(CancellationToken cancellationToken) => Task.FromResult(Messages.Count);

    public Task RemoveAsync(string category, string messageId, CancellationToken cancellationToken)
    {
        Messages.RemoveAll(m => m.Category == category && m.MessageId == messageId);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<(string Category, string MessageId)>> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var purged = Messages.Where(m => m.ParkedAt < before).Select(m => (m.Category, m.MessageId)).ToList();
        Messages.RemoveAll(m => m.ParkedAt < before);
        return Task.FromResult<IReadOnlyList<(string Category, string MessageId)>>(purged);
    }
}

/// <summary>The delivery log in memory; <see cref="Failure"/> makes every write throw it.</summary>
internal sealed class RecordingDeliveryLog : IDeliveryLog
{
    public List<DeliveryReceipt> Receipts { get; } = [];
    public List<(string Identity, string Outcome, string? Detail, string? EnrolmentId, string? LearnerHash)> Outcomes { get; } = [];
    public Exception? Failure { get; set; }

    public Task RecordReceiptAsync(DeliveryReceipt receipt, CancellationToken cancellationToken)
    {
        if (Failure is not null) throw Failure;
        Receipts.Add(receipt);
        return Task.CompletedTask;
    }

    public Task RecordOutcomeAsync(DeliveryOutcome outcome, CancellationToken cancellationToken)
    {
        if (Failure is not null) throw Failure;
        Committed(outcome);
        return Task.CompletedTask;
    }

    /// <summary>An outcome stored: by the log, or by the aggregate's commit (<see cref="InMemoryAttemptStore"/>).</summary>
    public void Committed(DeliveryOutcome outcome)
    {
        if (outcome.Receipt is not null) Receipts.Add(outcome.Receipt);
        Outcomes.Add((outcome.Identity, outcome.Outcome, outcome.Detail, outcome.EnrolmentId, outcome.LearnerHash));
        Stored.Add(outcome);
    }

    /// <summary>Every outcome stored, whole (where it was kept: <see cref="DeliveryOutcome.CourseKey"/>).</summary>
    public List<DeliveryOutcome> Stored { get; } = [];

    public Task<IReadOnlyList<DeliveryRecord>> FindAsync(DeliveryQuery query, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The use cases never look deliveries up.");

    public Task<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The use cases never purge the log.");
}

internal sealed class FakeTombstones(params string[] erased) : ILearnerTombstones
{
    public int Checks { get; private set; }

    public Task<bool> IsErasedAsync(string email, CancellationToken cancellationToken)
    {
        Checks++;
        return Task.FromResult(erased.Contains(LearnerEmail.Normalize(email)));
    }
}

/// <summary>The queue in memory; <see cref="Failure"/> makes enqueueing throw it.</summary>
internal sealed class FakeQueue : IEventQueue
{
    public List<EventEnvelope> Queued { get; } = [];
    public Exception? Failure { get; set; }

    public Task EnqueueAsync(EventEnvelope envelope, CancellationToken cancellationToken)
    {
        if (Failure is not null) throw Failure;
        Queued.Add(envelope);
        return Task.CompletedTask;
    }
}

internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options);
        _meters.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        foreach (var meter in _meters) meter.Dispose();
    }
}
