using Azure.Data.Tables;
using BenchmarkDotNet.Attributes;
using Go1Sync.Core.Attempts;
using Go1Sync.Core.Learners;
using Go1Sync.Infrastructure.Storage;

namespace Go1Sync.Benchmarks.Engine;

/// <summary>
/// The CPU side of one event: what the processor does between its storage calls, by aggregate
/// size. Serialize/Deserialize are the production row format (TableAttemptStore.Write/Read:
/// System.Text.Json, gzip, 64 KiB binary chunks), not a copy of it.
/// </summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private LearnerCourseHistory _history = null!;
    private Completion _completion = null!;
    private Launch _launch = null!;
    private FoldState _state = null!;
    private TableEntity _row = null!;

    [Params(1, 10, 100, 1000, 10000)]
    public int Attempts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _history = Aggregates.Build(Attempts);
        _completion = Aggregates.NextCompletion(Attempts);
        if (Aggregates.Rules.Fold(_history).Count != Attempts)
            throw new InvalidOperationException($"The aggregate does not hold {Attempts} attempts.");
        _launch = Aggregates.NextLaunch(Attempts);
        _state = Aggregates.Rules.Refold(_history);
        _row = TableAttemptStore.Write(Aggregates.Key, _history, LearnerIds.Development.CurrentKeyId, _state);
        if (ApplyCompletionIncremental().Refolded || ApplyLaunchIncremental().Refolded)
            throw new InvalidOperationException("The next event did not apply incrementally.");
    }

    /// <summary>Per completion, as HistoryWriter.WriteAsync: Fold(before), Accept, Fold(after).</summary>
    [Benchmark]
    public IReadOnlyList<Attempt> ApplyCompletion()
    {
        var before = Aggregates.Rules.Fold(_history);
        var acceptance = Aggregates.Rules.Accept(_history, _completion, Aggregates.DurationMinutes);
        var after = Aggregates.Rules.Fold(acceptance.History);
        return after.Count >= before.Count ? after : before;
    }

    /// <summary>
    /// Per completion with the fold state read beside the history (issue #14): Accept, then
    /// Apply to the state of the history before, in O(log attempts) since the completion is the
    /// latest event. The same work as <see cref="ApplyCompletion"/> gives, without any fold.
    /// </summary>
    [Benchmark]
    public FoldUpdate ApplyCompletionIncremental()
    {
        var acceptance = Aggregates.Rules.Accept(_history, _completion, Aggregates.DurationMinutes);
        return Aggregates.Rules.Apply(_state, acceptance);
    }

    /// <summary>The same for a launch of a new attempt (Accept finds the same attempt's launches in the history's index by attempt id).</summary>
    [Benchmark]
    public FoldUpdate ApplyLaunchIncremental()
    {
        var acceptance = Aggregates.Rules.Accept(_history, _launch);
        return Aggregates.Rules.Apply(_state, acceptance);
    }

    /// <summary>
    /// The history as the row reader makes it from its arrays: its event trees and the launches'
    /// index by attempt id built, in O(n log n) (part of <see cref="Deserialize"/>).
    /// </summary>
    [Benchmark]
    public LearnerCourseHistory HistoryFromArrays() => new(_history.Email, _history.CourseId, _history.Launches, _history.Completions);

    /// <summary>
    /// A completion accepted (O(log n)), then the new history's arrays read as the row writer reads
    /// them: the completions' array made once from the tree, O(n) (part of <see cref="Serialize"/>).
    /// </summary>
    [Benchmark]
    public int AcceptedHistoryToArrays()
    {
        var history = Aggregates.Rules.Accept(_history, _completion, Aggregates.DurationMinutes).History;
        return history.Launches.Length + history.Completions.Length;
    }

    /// <summary>The state's indexes rebuilt from its stored attempts, as a store would after reading them.</summary>
    [Benchmark]
    public FoldState RestoreState() => FoldState.Restore(_state.Attempts, _state.Cutovers, _state.LaunchCount, _state.CompletionCount);

    /// <summary>History and its fold to Table row (format gzip-json-v2): JSON, gzip (Optimal), chunks.</summary>
    [Benchmark]
    public TableEntity Serialize() => TableAttemptStore.Write(Aggregates.Key, _history, LearnerIds.Development.CurrentKeyId, _state);

    /// <summary>Table row to history and fold: chunks, gunzip, JSON, the history's trees and the fold's indexes built.</summary>
    [Benchmark]
    public object Deserialize() => TableAttemptStore.ReadDocument(_row);
}
