using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using Go1Sync.Benchmarks.Engine;
using Go1Sync.Benchmarks.Pipeline;
using Go1Sync.Core.Learners;
using Go1Sync.Infrastructure.Storage;
using Go1Sync.Testing;

const string Usage = """
    Usage: dotnet run -c Release --project bench/Go1Sync.Benchmarks -- <mode>
      engine [BenchmarkDotNet options]   the rules and the row format, by aggregate size (BenchmarkDotNet)
      pipeline [--events N] [--learners L] [--courses C] [--seed S]
                                         N launches + N completions (default 500 each, 50 learners x 10 courses)
                                         through the functions on an in-memory Azurite, and Azurite's raw rate
      azurite-costs [--requests N]       Azurite's CPU per request of each kind an event sends (default 1,000 each)
      summary [--attempts N]             the course summary on one course of N attempts (default 100,000):
                                         computed from storage, and served from the per-instance cache
    """;

if (args.Length == 0)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

var rest = args[1..];
switch (args[0])
{
    case "engine":
        // The row size each case works on, for reading the table that follows.
        foreach (var n in new[] { 1, 10, 100, 1000, 10000 })
        {
            var history = Aggregates.Build(n);
            var row = TableAttemptStore.Write(Aggregates.Key, history, LearnerIds.Development.CurrentKeyId, Aggregates.Rules.Refold(history));
            var bytes = Enumerable.Range(0, row.GetInt32("Chunks") ?? 0).Sum(i => row.GetBinary($"D{i:00}")!.Length);
            Console.WriteLine($"aggregate of {n,5} attempts: {bytes,7} bytes gzip JSON in {row.GetInt32("Chunks")} chunk(s)");
        }
        var config = ManualConfig.Create(DefaultConfig.Instance)
            // BenchmarkDotNet builds its own copy of the solution first; on the shared 2-core
            // machine under load that took more than its default 2 minutes.
            .WithBuildTimeout(TimeSpan.FromMinutes(10))
            .WithArtifactsPath(Path.Combine(RepoPaths.Root, "bench", "Go1Sync.Benchmarks", "BenchmarkDotNet.Artifacts"))
            .AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(5).WithLaunchCount(1).WithId("Short"));
        BenchmarkRunner.Run<EngineBenchmarks>(config, rest);
        return 0;

    case "pipeline":
        PipelineOptions options;
        try
        {
            options = PipelineOptions.Parse(rest);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }
        return await PipelineBenchmark.RunAsync(options);

    case "summary":
        var summaryAttempts = 100_000;
        if (rest.Length == 2 && rest[0] == "--attempts" && int.TryParse(rest[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n2) && n2 > 0)
            summaryAttempts = n2;
        else if (rest.Length != 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        return await Go1Sync.Benchmarks.Summary.SummaryBenchmark.RunAsync(summaryAttempts);

    case "azurite-costs":
        var requests = 1000;
        if (rest.Length == 2 && rest[0] == "--requests" && int.TryParse(rest[1], NumberStyles.None, CultureInfo.InvariantCulture, out var r) && r >= 16)
            requests = r;
        else if (rest.Length != 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        return await AzuriteCostProbe.RunAsync(requests);

    default:
        Console.Error.WriteLine(Usage);
        return 2;
}
