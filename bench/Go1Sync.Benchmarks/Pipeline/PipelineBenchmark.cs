using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Azure.Storage.Queues;
using Go1Sync.Core.Processing;
using Go1Sync.Functions.Functions;
using Go1Sync.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Go1Sync.Benchmarks.Pipeline;

public sealed record PipelineOptions(int Events, int Learners, int Courses, int Seed)
{
    public static PipelineOptions Parse(IReadOnlyList<string> args)
    {
        var options = new PipelineOptions(500, 50, 10, 42);
        for (var i = 0; i < args.Count; i++)
        {
            int Value() => i + 1 < args.Count && int.TryParse(args[++i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0
                ? v
                : throw new ArgumentException($"{args[i]} needs a positive whole number.");
            options = args[i] switch
            {
                "--events" => options with { Events = Value() },
                "--learners" => options with { Learners = Value() },
                "--courses" => options with { Courses = Value() },
                "--seed" => options with { Seed = Value() },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'. Usage: pipeline [--events N] [--learners L] [--courses C] [--seed S]"),
            };
        }
        return options;
    }
}

/// <summary>
/// The whole event path on a real in-memory Azurite: N launches then N completions posted to
/// the HTTP function classes (each queued), then drained through the real queue function with
/// host.json's batchSize deliveries in flight. Then, in the same run and with the same
/// parallelism, the emulator's raw point-read + conditional-update rate, and its raw rate of a
/// point read + a guarded 3-entity batch (what an event sends).
/// </summary>
public static class PipelineBenchmark
{
    private const int CourseDurationMinutes = 60;
    private static readonly DateTimeOffset Start = new(2025, 4, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan DrainLimit = TimeSpan.FromMinutes(15);
    private const int WarmupRounds = 20;

    private sealed record Pair(int Index, string Email, string CourseId, string AttemptId, DateTimeOffset LaunchedAt);

    public static async Task<int> RunAsync(PipelineOptions options)
    {
        // The host runs at most batchSize + newBatchThreshold deliveries at once; the raw rate is
        // measured with the same number in flight.
        var parallelism = HostJson.BatchSize + HostJson.NewBatchThreshold;
        Console.WriteLine($"pipeline: {options.Events} launches + {options.Events} completions over {options.Learners} learners x {options.Courses} courses (seed {options.Seed}), parallelism {parallelism} (host.json batchSize {HostJson.BatchSize} + newBatchThreshold {HostJson.NewBatchThreshold})");

        var setup = Stopwatch.StartNew();
        await using var azurite = await Azurite.StartInMemoryAsync();
        await using var host = await Go1SyncTestHost.StartAsync(azurite);
        using var http = new OutgoingHttpCounter([azurite.BlobPort, azurite.QueuePort, azurite.TablePort]);
        using var conflicts = new ConflictCounter();
        var go1Configured = host.Services.GetService<IGo1Directory>() is not null;

        // The driver's queue clients are not wired to the transaction counter: it counts the function only.
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        var queue = new QueueClient(azurite.ConnectionString, host.QueueName, queueOptions);
        var poison = new QueueClient(azurite.ConnectionString, host.QueueName + "-poison", queueOptions);
        var driver = new TimedQueueDriver(queue, poison, host.Function<AttemptEventsFunction>(), HostJson.BatchSize, HostJson.NewBatchThreshold);

        var courses = Enumerable.Range(0, options.Courses).Select(c => $"go1-lo-{c:D3}").ToList();
        foreach (var course in courses.Append("go1-lo-warmup"))
            Expect(200, await host.PostCourseAsync($$"""{"courseId":"{{course}}","durationMinutes":{{CourseDurationMinutes}}}"""), "course");

        // Warm-up (not measured): JIT, connection pools, Azurite's first writes to each table.
        // Rounds until the JIT has settled (tiered compilation promotes hot methods after 30 calls
        // and a quiet 100 ms, in the background): otherwise the drains measure the compiler too.
        var jitRounds = 0;
        for (long compiled = -1; jitRounds < WarmupRounds; jitRounds++)
        {
            var round = jitRounds;
            var warmup = Enumerable.Range(0, 2 * parallelism)
                .Select(i => new Pair(i, $"warmup{round:D2}-{i:D3}@bench.example.com", "go1-lo-warmup", $"warm-{round:D2}-{i:D3}", Start.AddSeconds(i)))
                .ToList();
            await PostAsync(warmup, parallelism, p => PostLaunch(host, p));
            await driver.DrainAsync(DrainLimit);
            await PostAsync(warmup, parallelism, p => PostCompletion(host, p));
            await driver.DrainAsync(DrainLimit);
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now - compiled < 20) break;
            compiled = now;
        }
        var rawBench = new RawTableBenchmark(azurite.ConnectionString, parallelism);
        await rawBench.PrepareAsync(4 * parallelism);
        // What an event really sends: a point read and a guarded batch of 3 entities.
        var rawBatchBench = new RawTableBenchmark(azurite.ConnectionString, parallelism, batch: true);
        await rawBatchBench.PrepareAsync(4 * parallelism);
        // The raw op with the trigger's queue requests around it: the least a queue-triggered path sends.
        var rawTrigger = new RawTriggerBenchmark(azurite.ConnectionString, rawBench, HostJson.BatchSize, HostJson.NewBatchThreshold);
        await rawTrigger.FillAsync(4 * parallelism);
        await rawTrigger.RunAsync(4 * parallelism);
        Console.WriteLine($"setup and warm-up: {setup.Elapsed.TotalSeconds:F1} s ({Math.Min(jitRounds + 1, WarmupRounds)} warm-up rounds of {2 * parallelism} launches and completions, {System.Runtime.JitInfo.GetCompiledMethodCount()} methods compiled)");

        // The raw rate is measured in two halves, just before and just after the pipeline's
        // drains, so that both see the machine in about the same state.
        var loadBefore = LoadAverage();
        var azuriteBeforeRaw = azurite.ProcessorTime;
        var rawBefore = await rawBench.RunAsync(options.Events);
        var rawAzuriteCpu = azurite.ProcessorTime - azuriteBeforeRaw;
        var azuriteBeforeRawBatch = azurite.ProcessorTime;
        var rawBatchBefore = await rawBatchBench.RunAsync(options.Events);
        var rawBatchAzuriteCpu = azurite.ProcessorTime - azuriteBeforeRawBatch;
        await rawTrigger.FillAsync(options.Events);
        var azuriteBeforeRawTrigger = azurite.ProcessorTime;
        var rawTriggerBefore = await rawTrigger.RunAsync(options.Events);
        var rawTriggerAzuriteCpu = azurite.ProcessorTime - azuriteBeforeRawTrigger;

        // Random (learner, course) per launch: pairs repeat, so deliveries in flight together can
        // race on one aggregate (ETag conflicts) as they do in production.
        var random = new Random(options.Seed);
        var pairs = Enumerable.Range(0, options.Events)
            .Select(i => new Pair(
                i,
                $"learner{random.Next(options.Learners):D4}@bench.example.com",
                courses[random.Next(options.Courses)],
                $"att-{i:D6}",
                Start.AddSeconds(37L * i)))
            .ToList();
        var distinctPairs = pairs.Select(p => (p.Email, p.CourseId)).Distinct().Count();

        var intake = Stopwatch.StartNew();
        await PostAsync(pairs, parallelism, p => PostLaunch(host, p));
        var launchIntake = intake.Elapsed;
        http.Reset();
        conflicts.Reset();
        // CPU of the two processes during the drains: the app (functions, driver, SDK; this process)
        // and Azurite. An event's wall time is mostly waiting; where the CPU goes says who is saturated.
        var (appCpu, azuriteCpu) = (TimeSpan.Zero, TimeSpan.Zero);
        var (app0, az0) = (Process.GetCurrentProcess().TotalProcessorTime, azurite.ProcessorTime);
        var (jit0, jitTime0) = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
        var launches = await driver.DrainAsync(DrainLimit);
        (appCpu, azuriteCpu) = (Process.GetCurrentProcess().TotalProcessorTime - app0, azurite.ProcessorTime - az0);
        var azuriteLaunchCpu = azuriteCpu;
        var (jitDrains, jitTimeDrains) = (System.Runtime.JitInfo.GetCompiledMethodCount() - jit0, System.Runtime.JitInfo.GetCompilationTime() - jitTime0);
        var launchConflicts = conflicts.Value;

        var completionsInOrder = pairs.OrderBy(_ => random.Next()).ToList();
        host.Transactions.Reset();
        intake.Restart();
        await PostAsync(completionsInOrder, parallelism, p => PostCompletion(host, p));
        var completionIntake = intake.Elapsed;
        var intakeTotal = host.Transactions.Total;

        host.Transactions.Reset();
        http.Reset();
        conflicts.Reset();
        (app0, az0) = (Process.GetCurrentProcess().TotalProcessorTime, azurite.ProcessorTime);
        (jit0, jitTime0) = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
        var completions = await driver.DrainAsync(DrainLimit);
        (jitDrains, jitTimeDrains) = (jitDrains + System.Runtime.JitInfo.GetCompiledMethodCount() - jit0, jitTimeDrains + System.Runtime.JitInfo.GetCompilationTime() - jitTime0);
        (appCpu, azuriteCpu) = (appCpu + Process.GetCurrentProcess().TotalProcessorTime - app0, azuriteCpu + azurite.ProcessorTime - az0);
        var t = host.Transactions;
        var (reads, writes, batches, queries, queueWrites, queueOther, total) =
            (t.TableReads, t.TableWrites, t.TableBatches, t.TableQueries, t.QueueWrites, t.QueueOther, t.Total);
        var go1Calls = http.Other;
        var storageHttp = http.Storage;
        var completionConflicts = conflicts.Value;

        await rawTrigger.FillAsync(options.Events);
        azuriteBeforeRawTrigger = azurite.ProcessorTime;
        var rawTriggerAfter = await rawTrigger.RunAsync(options.Events);
        rawTriggerAzuriteCpu += azurite.ProcessorTime - azuriteBeforeRawTrigger;
        azuriteBeforeRawBatch = azurite.ProcessorTime;
        var rawBatchAfter = await rawBatchBench.RunAsync(options.Events);
        rawBatchAzuriteCpu += azurite.ProcessorTime - azuriteBeforeRawBatch;
        azuriteBeforeRaw = azurite.ProcessorTime;
        var rawAfter = await rawBench.RunAsync(options.Events);
        rawAzuriteCpu += azurite.ProcessorTime - azuriteBeforeRaw;
        var loadAfter = LoadAverage();
        var raw = RawTableBenchmark.Combine(rawBefore, rawAfter);
        var rawBatch = RawTableBenchmark.Combine(rawBatchBefore, rawBatchAfter);
        var rawTriggerOps = RawTableBenchmark.Combine(rawTriggerBefore, rawTriggerAfter);

        var completed = 0;
        foreach (var course in courses)
            completed += (await host.StatsRowsAsync(course)).Count(r => string.Equals(r.GetString("Status"), "completed", StringComparison.OrdinalIgnoreCase));

        // Report.
        var drained = launches.Succeeded + completions.Succeeded;
        var drainTime = launches.Elapsed + completions.Elapsed;
        var eventsPerSecond = drained / drainTime.TotalSeconds;
        var all = new Percentiles(launches.LatenciesMs.Concat(completions.LatenciesMs));
        var launchLatency = new Percentiles(launches.LatenciesMs);
        var completionLatency = new Percentiles(completions.LatenciesMs);
        var rawLatency = new Percentiles(raw.LatenciesMs);
        var rawBatchLatency = new Percentiles(rawBatch.LatenciesMs);
        var perCompletion = (double)Math.Max(1, completions.Succeeded);
        // End to end: the HTTP intake, the processing, and the trigger's own queue calls (its
        // receives amortized over what they returned, deletes, and any retry's visibility update).
        var triggerTotal = completions.Receives + completions.QueueOperations;
        var endToEnd = intakeTotal + total + triggerTotal;

        Console.WriteLine();
        Console.WriteLine($"Workload: {options.Events} launches and {options.Events} completions on {distinctPairs} distinct (learner, course) aggregates; course duration {CourseDurationMinutes} min.");
        Console.WriteLine($"Intake (HTTP function -> queue, {parallelism} concurrent posts): launches {options.Events / launchIntake.TotalSeconds:F0}/s, completions {options.Events / completionIntake.TotalSeconds:F0}/s");
        Console.WriteLine();
        Console.WriteLine("Drain through AttemptEventsFunction            events  failed  poisoned  conflicts  seconds  events/s   p50 ms   p95 ms   p99 ms   max ms");
        PrintPhase("launches", launches, launchConflicts, launchLatency);
        PrintPhase("completions", completions, completionConflicts, completionLatency);
        Console.WriteLine($"  {"all",-44} {drained,6}  {launches.Failed + completions.Failed,6}  {launches.Poisoned + completions.Poisoned,8}  {launchConflicts + completionConflicts,9}  {drainTime.TotalSeconds,7:F2}  {eventsPerSecond,8:F1}  {all.At(50),7:F1}  {all.At(95),7:F1}  {all.At(99),7:F1}  {all.Max,7:F1}");
        Console.WriteLine("  (conflicts: aggregate writes that lost an ETag race and were re-applied; failed: deliveries that threw and were retried by the queue)");
        Console.WriteLine();
        Console.WriteLine($"Storage transactions during the completions' drain ({completions.Succeeded} completions), counted by StorageTransactionCounter:");
        Console.WriteLine($"  table reads {reads} ({reads / perCompletion:F2}/completion, of which queries {queries}), table writes {writes} ({writes / perCompletion:F2}), table batches {batches} ({batches / perCompletion:F2}), queue writes {queueWrites}, queue other {queueOther}");
        Console.WriteLine($"  total {total} = {total / perCompletion:F2} per completion (README's count for an uncontended completion alone: 2 = 1 point read, 1 batch holding the delivery outcome; retries after conflicts add to it)");
        Console.WriteLine($"  end to end {endToEnd} = {endToEnd / perCompletion:F2} per completion: intake {intakeTotal} ({intakeTotal / perCompletion:F2}), processing {total} ({total / perCompletion:F2}), the trigger's receives {completions.Receives} ({completions.Receives / perCompletion:F2}; {options.Events / (double)Math.Max(1, completions.Receives):F1} messages each) and deletes/updates {completions.QueueOperations} ({completions.QueueOperations / perCompletion:F2}); empty polls at the end of the drain not counted: {completions.EmptyReceives}");
        Console.WriteLine($"  outgoing HTTP seen by System.Net.Http: {storageHttp} to the storage emulator, {go1Calls} elsewhere");
        Console.WriteLine($"Go1 calls per completion: {go1Calls / perCompletion:F2}" + (go1Configured ? "" : " (no Go1 API configured: no IGo1Directory is registered, and the webhook payloads are complete)"));
        Console.WriteLine();
        Console.WriteLine($"Raw Azurite, Azure.Data.Tables directly: {raw.Operations} x (GetEntity + UpdateEntity If-Match) on {rawBench.Rows} distinct rows, {parallelism} in flight");
        Console.WriteLine($"  {raw.OperationsPerSecond:F1} ops/s (before the drains {rawBefore.OperationsPerSecond:F1}, after {rawAfter.OperationsPerSecond:F1}), p50 {rawLatency.At(50):F1} ms, p95 {rawLatency.At(95):F1} ms, p99 {rawLatency.At(99):F1} ms");
        Console.WriteLine($"  pipeline events/s / raw ops/s = {eventsPerSecond / raw.OperationsPerSecond:F3}");
        Console.WriteLine($"Raw Azurite, what an event sends: {rawBatch.Operations} x (GetEntity + a 3-entity batch, the aggregate If-Match) on {rawBatchBench.Rows} distinct rows, {parallelism} in flight");
        Console.WriteLine($"  {rawBatch.OperationsPerSecond:F1} ops/s (before the drains {rawBatchBefore.OperationsPerSecond:F1}, after {rawBatchAfter.OperationsPerSecond:F1}), p50 {rawBatchLatency.At(50):F1} ms, p95 {rawBatchLatency.At(95):F1} ms, p99 {rawBatchLatency.At(99):F1} ms");
        Console.WriteLine($"  pipeline events/s / raw batch ops/s = {eventsPerSecond / rawBatch.OperationsPerSecond:F3}");
        Console.WriteLine($"Raw Azurite with the trigger's requests: {rawTriggerOps.Operations} queued messages, each a (GetEntity + UpdateEntity If-Match) and its delete, received {HostJson.BatchSize} at a time as the host does");
        Console.WriteLine($"  {rawTriggerOps.OperationsPerSecond:F1} ops/s (before the drains {rawTriggerBefore.OperationsPerSecond:F1}, after {rawTriggerAfter.OperationsPerSecond:F1}); Azurite CPU per op {rawTriggerAzuriteCpu.TotalMilliseconds / rawTriggerOps.Operations:F2} ms");
        Console.WriteLine($"  pipeline events/s / raw trigger ops/s = {eventsPerSecond / rawTriggerOps.OperationsPerSecond:F3}");
        Console.WriteLine($"CPU during the drains, per event: the app {appCpu.TotalMilliseconds / drained:F2} ms (this process: functions, queue driver, storage SDK), Azurite {azuriteCpu.TotalMilliseconds / drained:F2} ms; Azurite per raw read + batch {rawBatchAzuriteCpu.TotalMilliseconds / rawBatch.Operations:F2} ms; {Environment.ProcessorCount} cores for {drainTime.TotalSeconds:F1} s = {Environment.ProcessorCount * drainTime.TotalMilliseconds / drained:F2} ms per event available; JIT during the drains: {jitDrains} methods, {jitTimeDrains.TotalMilliseconds:F0} ms");
        Console.WriteLine($"Azurite CPU per launch {azuriteLaunchCpu.TotalMilliseconds / Math.Max(1, launches.Succeeded):F2} ms, per completion {(azuriteCpu - azuriteLaunchCpu).TotalMilliseconds / Math.Max(1, completions.Succeeded):F2} ms, per raw read + update {rawAzuriteCpu.TotalMilliseconds / raw.Operations:F2} ms (Azurite runs its handlers on one thread: where it is the busier process, these ratios bound the rates)");
        Console.WriteLine();
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, load average (1 min) {loadBefore} before the measurements and {loadAfter} after: other processes on the machine lower every rate; compare the ratio.");
        Console.WriteLine($"Check: {completed} completed attempts in AttemptStats for {options.Events} completions (every completion has an eligible open attempt); errors: {(launches.Errors.Concat(completions.Errors).Distinct().FirstOrDefault() ?? "none")}");
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"events_per_s={eventsPerSecond:F1} raw_ops_per_s={raw.OperationsPerSecond:F1} ratio={eventsPerSecond / raw.OperationsPerSecond:F3} tx_per_completion={total / perCompletion:F2} tx_per_completion_end_to_end={endToEnd / perCompletion:F2} go1_calls_per_completion={go1Calls / perCompletion:F2} p50_ms={all.At(50):F1} p95_ms={all.At(95):F1} p99_ms={all.At(99):F1} raw_batch_ops_per_s={rawBatch.OperationsPerSecond:F1} ratio_vs_batch={eventsPerSecond / rawBatch.OperationsPerSecond:F3} app_cpu_ms_per_event={appCpu.TotalMilliseconds / drained:F2} azurite_cpu_ms_per_event={azuriteCpu.TotalMilliseconds / drained:F2} azurite_cpu_ms_per_raw_batch_op={rawBatchAzuriteCpu.TotalMilliseconds / rawBatch.Operations:F2} raw_trigger_ops_per_s={rawTriggerOps.OperationsPerSecond:F1} ratio_vs_trigger={eventsPerSecond / rawTriggerOps.OperationsPerSecond:F3}"));
        return 0;
    }

    private static void PrintPhase(string name, DrainTiming timing, long conflicts, Percentiles latency) =>
        Console.WriteLine($"  {name,-44} {timing.Succeeded,6}  {timing.Failed,6}  {timing.Poisoned,8}  {conflicts,9}  {timing.Elapsed.TotalSeconds,7:F2}  {timing.EventsPerSecond,8:F1}  {latency.At(50),7:F1}  {latency.At(95),7:F1}  {latency.At(99),7:F1}  {latency.Max,7:F1}");

    private static async Task PostLaunch(Go1SyncTestHost host, Pair p) =>
        Expect(202, await host.PostLaunchAsync(p.AttemptId, p.Email, p.CourseId, "web", Iso(p.LaunchedAt)), "launch");

    private static async Task PostCompletion(Go1SyncTestHost host, Pair p) =>
        Expect(202, await host.PostCompletionAsync(
            $"enr-{p.Index:D6}", p.Email, p.CourseId, Iso(p.LaunchedAt.AddMinutes(45)), passed: p.Index % 5 != 0, score: 40 + p.Index % 60, startedAt: Iso(p.LaunchedAt)), "completion");

    private static async Task PostAsync(IReadOnlyList<Pair> items, int parallelism, Func<Pair, Task> post)
    {
        for (var offset = 0; offset < items.Count; offset += parallelism)
            await Task.WhenAll(items.Skip(offset).Take(parallelism).Select(post));
    }

    private static void Expect(int status, HttpAnswer answer, string what)
    {
        if (answer.Status != status)
            throw new InvalidOperationException($"Posting a {what} answered {answer.Status}, expected {status}: {answer.Body}");
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static string Iso(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    /// <summary>The processor's own conflict counter (meter Go1Sync, go1sync.concurrency.conflicts).</summary>
    private sealed class ConflictCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _value;

        public ConflictCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ProcessingMetrics.MeterName && instrument.Name == "go1sync.concurrency.conflicts")
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _value, value));
            _listener.Start();
        }

        public long Value => Interlocked.Read(ref _value);
        public void Reset() => Interlocked.Exchange(ref _value, 0);
        public void Dispose() => _listener.Dispose();
    }
}
