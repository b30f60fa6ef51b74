using Go1Sync.Core.Attempts;
using Go1Sync.Core.Processing;

namespace Go1Sync.Application.Tests;

/// <summary>The history writer keeps the fold beside the history it writes, and trusts a stored fold only when it is the fold of that history.</summary>
public sealed class HistoryWriterFoldTests
{
    [Fact]
    public async Task HistoryWriter_EventsInTimeOrder_StoresTheFoldOfTheWrittenHistory()
    {
        using var app = new Harness();
        await app.LaunchAsync(Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z")));
        await app.LaunchAsync(Harness.Launch("a-2", Harness.At("2025-03-10T10:00:00Z")));
        await app.CompleteAsync(Harness.Completion("enr-1", Harness.At("2025-03-10T12:00:00Z")));

        var stored = app.Store[app.Key]!;
        Assert.NotNull(stored.Fold);
        Assert.Equal(app.Rules.Fold(stored.History), stored.Fold.Attempts);
        Assert.Equal(AttemptStatus.Completed, stored.Fold.Find("a-1")!.Status);
    }

    [Fact]
    public async Task HistoryWriter_EventOutOfTimeOrder_StoresTheFoldOfTheWrittenHistory()
    {
        using var app = new Harness();
        await app.CompleteAsync(Harness.Completion("enr-1", Harness.At("2025-03-10T12:00:00Z")));
        var outcome = await app.LaunchAsync(Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z")));

        var stored = app.Store[app.Key]!;
        Assert.Equal(app.Rules.Fold(stored.History), stored.Fold!.Attempts);
        // The late launch takes the completion over from the go1-direct attempt, which is gone.
        Assert.Equal(["a-1"], stored.Fold.Attempts.Select(a => a.AttemptId));
        Assert.Contains("a-1", outcome.ChangedAttemptIds);
    }

    [Fact]
    public async Task HistoryWriter_StoredFoldOfAnotherHistory_IsFoldedAgainFromTheEvents()
    {
        using var app = new Harness();
        await app.LaunchAsync(Harness.Launch("a-1", Harness.At("2025-03-10T09:00:00Z")));
        // A fold that does not belong to the stored events (here: of an empty history) must not be
        // extended: the events are the truth.
        var stored = app.Store[app.Key]!;
        await app.Store.TryCommitAsync(new AggregateWrite(app.Key, stored.History, stored.ETag, FoldState.Empty(app.Rules.Cutovers), null), CancellationToken.None);

        await app.CompleteAsync(Harness.Completion("enr-1", Harness.At("2025-03-10T12:00:00Z")));

        var after = app.Store[app.Key]!;
        var attempt = Assert.Single(after.Fold!.Attempts);
        Assert.Equal(("a-1", AttemptStatus.Completed), (attempt.AttemptId, attempt.Status));
        Assert.Equal(app.Rules.Fold(after.History), after.Fold.Attempts);
    }
}
