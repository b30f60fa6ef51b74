using System.Collections.Concurrent;
using System.Diagnostics;
using Azure.Storage.Queues.Models;
using Go1Sync.Functions.Functions;

namespace Go1Sync.Reliability.Tests;

/// <summary>
/// Storage goes away in the middle of a run and comes back (Jepsen-style total-queue check):
/// every event that was answered 202 is applied exactly once, every 503 is resent by its sender
/// and then applied exactly once, nothing is lost and nothing doubled.
/// </summary>
public sealed class StorageOutageTests(ITestOutputHelper output)
{
    private const int Pairs = 75;
    private const int Senders = 6;
    private static readonly TimeSpan MinimumOutage = TimeSpan.FromSeconds(2.5);
    private static readonly TimeSpan MaximumOutage = TimeSpan.FromSeconds(40);
    private const int RefusalsWanted = Senders;

    private sealed record Answer(SentEvent Event, int Status, string? Exception, TimeSpan Started, TimeSpan Ended, bool Resend);

    [Fact]
    public async Task Storage_StopsAndRestartsWhileRequestsAndProcessingContinue_EveryAcceptedEventIsAppliedExactlyOnce()
    {
        var location = Directory.CreateTempSubdirectory("go1sync-outage-").FullName;
        try
        {
            await RunAsync(location);
        }
        finally
        {
            try { Directory.Delete(location, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private async Task RunAsync(string location)
    {
        // On disk, so that a restart keeps the queue and the tables.
        await using var azurite = await Azurite.StartOnDiskAsync(location);
        await using var host = await Go1SyncTestHost.StartAsync(azurite, s => s["Processing:MaxConflictRetries"] = "50");
        using var conflicts = new ConflictCounter(host);
        var course = Names.Unique("outage");
        Assert.Equal(200, (await host.PostCourseAsync($$"""{"courseId":"{{course}}","durationMinutes":120}""")).Status);

        var events = Generate(course);
        var shuffled = events.ToArray();
        new Random(4242).Shuffle(shuffled);
        var clock = Stopwatch.StartNew();

        // Senders: post every event once; a 503 is kept for a resend after recovery, as a real sender would.
        var answers = new ConcurrentBag<Answer>();
        var pending = new ConcurrentQueue<SentEvent>(shuffled);
        async Task<Answer> SendAsync(SentEvent e, bool resend)
        {
            var started = clock.Elapsed;
            try
            {
                var answer = await e.PostAsync(host);
                return new Answer(e, answer.Status, null, started, clock.Elapsed, resend);
            }
            catch (Exception ex)
            {
                return new Answer(e, 0, ex.GetType().Name + ": " + ex.Message.Split('\n')[0], started, clock.Elapsed, resend);
            }
        }
        var senders = Enumerable.Range(0, Senders).Select(_ => Task.Run(async () =>
        {
            while (pending.TryDequeue(out var e))
            {
                answers.Add(await SendAsync(e, resend: false));
                await Task.Delay(40);
            }
        })).ToArray();

        // Processing goes on at the same time, like the host's queue trigger: receive a batch,
        // deliver each message (delete on success, retry, poison after maxDequeueCount). Errors of
        // the driver itself (the queue is down too) are counted and the loop goes on; a message
        // whose handling failed comes back after its 10 s visibility timeout.
        var report = new DrainReport();
        var function = host.Function<AttemptEventsFunction>();
        var consumerErrors = 0;
        var inFlight = 0;
        using var stopConsumer = new CancellationTokenSource();
        var consumer = Task.Run(async () =>
        {
            // Start with a backlog, so that deliveries are in flight when storage goes away.
            while (answers.Count < events.Count / 4) await Task.Delay(20);
            while (!stopConsumer.IsCancellationRequested)
            {
                QueueMessage[] messages;
                try
                {
                    messages = (await host.Queue.ReceiveMessagesAsync(HostJson.BatchSize, TimeSpan.FromSeconds(10))).Value;
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref consumerErrors);
                    await Task.Delay(200);
                    continue;
                }
                if (messages.Length == 0)
                {
                    await Task.Delay(100);
                    continue;
                }
                Interlocked.Add(ref inFlight, messages.Length);
                await Task.WhenAll(messages.Select(async m =>
                {
                    try { await host.DeliverAsync(function, m, report); }
                    catch (Exception) { Interlocked.Increment(ref consumerErrors); }
                    finally { Interlocked.Decrement(ref inFlight); }
                }));
            }
        });

        // The outage, once a third of the events have been answered. A graceful stop (SIGTERM):
        // Azurite's disk mode keeps its data in memory and saves it every few seconds, so a SIGKILL
        // could lose Azurite's own recent writes (202s it really did store), which would be a test
        // artefact, not a product loss. StopOnceSavedAsync ends the process once Azurite says it has
        // saved and closed its services, instead of waiting (up to 20 s) for our pooled keep-alive
        // connections to go away. Requests go on during the outage.
        // Timing: with the SDK's default retries (queue client: 5 retries, exponential from 0.8 s,
        // about 25 s in all; table client: 3 retries, about 6 s) the launch and webhook functions
        // answer 503 only about 25 s after storage went away; a 2-3 s outage is ridden out by the
        // retries and every sender gets 202. So the outage lasts at least 2.5 s and then until a
        // few requests have been answered 503 (at most 40 s), which exercises the 503-and-resend path.
        while (answers.Count < events.Count / 3) await Task.Delay(20);
        var waitForDeliveries = clock.Elapsed + TimeSpan.FromSeconds(5);
        while (Volatile.Read(ref inFlight) == 0 && clock.Elapsed < waitForDeliveries) await Task.Delay(5);
        var deliveriesInFlight = Volatile.Read(ref inFlight);
        var stopStarted = clock.Elapsed;
        var savedAfter = await azurite.StopOnceSavedAsync();
        var down = clock.Elapsed;
        while (clock.Elapsed - down < MinimumOutage
            || (answers.Count(a => a.Status == 503) < RefusalsWanted && !senders.All(t => t.IsCompleted) && clock.Elapsed - down < MaximumOutage))
            await Task.Delay(50);
        var restartStarted = clock.Elapsed;
        await azurite.StartAsync();
        var up = clock.Elapsed;

        await Task.WhenAll(senders);
        var sendersDone = clock.Elapsed;

        // Resend every 503 now that storage is back (a few tries, as a sender with back-off would).
        var resent = 0;
        foreach (var refused in answers.Where(a => a.Status == 503).Select(a => a.Event).DistinctBy(e => e.Id).ToList())
        {
            for (var attempt = 0; attempt < 5; attempt++)
            {
                resent++;
                var again = await SendAsync(refused, resend: true);
                answers.Add(again);
                if (again.Status == 202) break;
                await Task.Delay(500);
            }
        }

        await stopConsumer.CancelAsync();
        await consumer;

        // Drain everything: messages still invisible after a failed handling come back within their visibility timeout.
        var finalDrains = new List<DrainReport>();
        async Task DrainAllAsync()
        {
            var deadline = clock.Elapsed + TimeSpan.FromSeconds(45);
            while (true)
            {
                finalDrains.Add(await host.DrainAsync(HostJson.BatchSize, maxRounds: 1_000));
                if (await host.QueueLengthAsync() == 0) return;
                Assert.True(clock.Elapsed < deadline, $"the queue still holds {await host.QueueLengthAsync()} messages");
                await Task.Delay(250);
            }
        }
        await DrainAllAsync();
        var poisoned = await host.QueueLengthAsync(host.Poison);
        var replayed = 0;
        if (poisoned > 0)
        {
            replayed = await host.Get<MessageOperations>().ReplayPoisonAsync(null, 1_000, CancellationToken.None);
            await DrainAllAsync();
        }
        var total = clock.Elapsed;

        // The total-queue check.
        var all = answers.ToList();
        var accepted = all.Where(a => a.Status == 202).Select(a => a.Event).DistinctBy(e => e.Id).ToList();
        var refusedIds = all.Where(a => a.Status == 503).Select(a => a.Event.Id).ToHashSet();
        var other = all.Where(a => a.Status is not (202 or 503)).ToList();
        // Answered after Azurite was gone and before it was started again: nothing can have been queued.
        var duringOutage = all.Where(a => a.Ended > down && a.Ended <= restartStarted).ToList();

        var histories = new Dictionary<LearnerCourse, LearnerCourseHistory>();
        var folds = new Dictionary<LearnerCourse, IReadOnlyList<Attempt>>();
        var store = host.Get<Go1Sync.Core.Processing.IAttemptStore>();
        foreach (var aggregate in events.Select(e => e.Aggregate).Distinct())
        {
            var stored = await store.GetAsync(aggregate.Key, CancellationToken.None);
            histories[aggregate] = stored?.History ?? LearnerCourseHistory.Empty(aggregate.Email, aggregate.CourseId);
            folds[aggregate] = host.Rules.Fold(histories[aggregate]);
        }
        var lost = new List<string>();
        var doubled = new List<string>();
        foreach (var e in accepted)
        {
            var fold = folds[e.Aggregate];
            switch (e)
            {
                case LaunchSent l:
                    var launched = fold.Count(a => a.AttemptId == l.AttemptId);
                    if (launched == 0) lost.Add($"launch {l.AttemptId}: no attempt");
                    if (launched > 1) doubled.Add($"launch {l.AttemptId}: {launched} attempts");
                    break;
                case CompletionSent c:
                    var inHistory = histories[e.Aggregate].Completions.Count(r => r.EnrolmentId == c.EnrolmentId);
                    var onAttempts = fold.Count(a => a.Go1EnrolmentId == c.EnrolmentId);
                    if (inHistory == 0 || onAttempts == 0) lost.Add($"completion {c.EnrolmentId}: {inHistory} in the history, on {onAttempts} attempts");
                    if (inHistory > 1 || onAttempts > 1) doubled.Add($"completion {c.EnrolmentId}: {inHistory} in the history, on {onAttempts} attempts");
                    break;
            }
        }
        foreach (var (aggregate, history) in histories)
        {
            var sent = events.Where(e => e.Aggregate == aggregate).ToList();
            if (history.Completions.Length != sent.OfType<CompletionSent>().Count() || folds[aggregate].Count != sent.OfType<LaunchSent>().Count())
                doubled.Add($"{aggregate}: {history.Completions.Length} completions and {folds[aggregate].Count} attempts, " +
                    $"sent {sent.OfType<CompletionSent>().Count()} and {sent.OfType<LaunchSent>().Count()}");
        }
        var expected = Expected.Histories(host.Rules, accepted, _ => 120);
        var engineDifferences = await StateCheck.AggregateDifferencesAsync(host, expected);
        // A delivery is one read, one guarded batch (aggregate, stats rows and index rows together)
        // and the delivery record. Storage going away cuts it before the batch (nothing written:
        // the redelivery applies it), or after (the redelivery finds the event in the set, and its
        // rows committed with it); a full write cut half way leaves its aggregate marked pending,
        // which the redelivery finishes (ReadSideTests). So the read side is the fold, and nothing
        // is left pending, whenever the outage fell.
        var readSide = await StateCheck.ProjectionDifferencesAsync(host, folds);
        var pendingAggregates = 0;
        foreach (var aggregate in folds.Keys)
            if ((await store.GetAsync(aggregate.Key, CancellationToken.None))?.ProjectionPending == true) pendingAggregates++;

        output.WriteLine($"events: {events.Count} distinct ({events.OfType<LaunchSent>().Count()} launches, {events.OfType<CompletionSent>().Count()} completions) " +
            $"on {Pairs} (learner, course) aggregates, {Senders} concurrent senders, processing concurrent (batch {HostJson.BatchSize})");
        output.WriteLine($"requests: {all.Count} ({all.Count(a => !a.Resend)} first sends + {resent} resends); 202: {all.Count(a => a.Status == 202)}; " +
            $"503: {all.Count(a => a.Status == 503)} ({refusedIds.Count} events); other: {other.Count}; events accepted in the end: {accepted.Count}");
        output.WriteLine($"outage: stop requested at {stopStarted.TotalSeconds:F1} s, down at {down.TotalSeconds:F1} s (Azurite saved and closed in {savedAfter.TotalSeconds:F1} s) with {deliveriesInFlight} deliveries in flight, " +
            $"restart at {restartStarted.TotalSeconds:F1} s, up at {up.TotalSeconds:F1} s: storage unavailable {(up - stopStarted).TotalSeconds:F1} s");
        output.WriteLine($"requests answered while storage was down: {duringOutage.Count}, of which 2xx: {duringOutage.Count(a => a.Status is >= 200 and < 300)}; " +
            $"slowest request {all.Max(a => a.Ended - a.Started).TotalSeconds:F1} s; senders done at {sendersDone.TotalSeconds:F1} s");
        output.WriteLine($"processing: concurrent driver {report.SucceededCount} succeeded, {report.FailedCount} failed (retried), {report.PoisonedCount} poisoned, " +
            $"{consumerErrors} driver-side storage errors; final drain {finalDrains.Sum(d => d.SucceededCount)} succeeded, {finalDrains.Sum(d => d.FailedCount)} failed, " +
            $"{finalDrains.Sum(d => d.PoisonedCount)} poisoned; poison queue after the run {poisoned}, replayed {replayed}; ETag conflicts {conflicts.Value}");
        output.WriteLine($"check: lost {lost.Count}, doubled {doubled.Count}, differences from the pure engine {engineDifferences.Count}, " +
            $"read-side differences {readSide.Count}, aggregates left pending {pendingAggregates}; duration {total.TotalSeconds:F1} s");
        foreach (var cause in report.Errors.Concat(finalDrains.SelectMany(d => d.Errors)).GroupBy(e => e.GetType().Name).Take(5))
            output.WriteLine($"  processing failure x{cause.Count()}: {cause.Key}: {cause.First().Message.Split('\n')[0]}");
        foreach (var d in readSide.Take(10)) output.WriteLine("  read side: " + d);

        Assert.True(other.Count == 0, "answers other than 202 and 503: " + string.Join("; ", other.Take(10).Select(a => $"{a.Event.Id} -> {a.Status} {a.Exception}")));
        Assert.True(duringOutage.All(a => a.Status == 503), "a request answered while storage was down was not answered 503");
        Assert.Equal(events.Count, accepted.Count);
        Assert.True(lost.Count == 0, "lost: " + string.Join("; ", lost.Take(20)));
        Assert.True(doubled.Count == 0, "doubled: " + string.Join("; ", doubled.Take(20)));
        Assert.True(engineDifferences.Count == 0, StateCheck.Report(engineDifferences));
        Assert.True(readSide.Count == 0, "read side: " + StateCheck.Report(readSide));
        Assert.Equal(0, pendingAggregates);
        Assert.Equal(0, await host.QueueLengthAsync());
        Assert.Equal(0, await host.QueueLengthAsync(host.Poison));
    }

    /// <summary>75 learners on one course, each with two launched attempts and two completions (a re-enrolment), dated after the launches: 300 events.</summary>
    private static List<SentEvent> Generate(string course)
    {
        var events = new List<SentEvent>();
        var start = new DateTimeOffset(2025, 2, 10, 8, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < Pairs; i++)
        {
            var email = $"outage{i:000}@example.com";
            var t = start.AddHours(7 * i);
            events.Add(new LaunchSent($"out-{i:000}-a", email, course, Platform.Web, t));
            events.Add(new LaunchSent($"out-{i:000}-b", email, course, Platform.Mobile, t.AddMinutes(20)));
            events.Add(new CompletionSent($"enr-out-{i:000}-1", email, course, t.AddMinutes(95), Passed: true, Score: 60 + i % 40));
            events.Add(new CompletionSent($"enr-out-{i:000}-2", email, course, t.AddMinutes(200), Passed: i % 4 != 0));
        }
        return events;
    }
}
