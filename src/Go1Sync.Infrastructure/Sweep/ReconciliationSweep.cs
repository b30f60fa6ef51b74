using Azure.Data.Tables;
using Go1Sync.Core.Attempts;
using Go1Sync.Core.Learners;
using Go1Sync.Core.Processing;
using Go1Sync.Core.Security;
using Go1Sync.Core.Sweep;
using Go1Sync.Infrastructure.Go1;
using Go1Sync.Infrastructure.Reconciliation;
using Go1Sync.Infrastructure.Storage;
using Microsoft.Extensions.Logging;

namespace Go1Sync.Infrastructure.Sweep;

/// <summary>What one sweep run did.</summary>
public sealed record SweepResult(
    DateTimeOffset RanAt,
    string Outcome,
    int IndexRowsRead,
    int Examined,
    int AskedGo1,
    int Recovered,
    int Removed,
    int Deferred,
    int Failed = 0);

/// <summary>The last run, as the health check reads it; <paramref name="ResumeAfter"/>: the course the next run starts after (<see cref="DueRows.StoppedAt"/>).</summary>
public sealed record SweepState(DateTimeOffset LastRunAt, string Outcome, int Recovered, string? ResumeAfter = null);

/// <summary>
/// Webhooks get lost. The sweep reads the open-attempt index in time order, only the rows that are
/// due (no activity for Sweep__StaleAfter, and past their back-off), asks Go1 whether that
/// learner's enrolment on that course is completed, and queues each completion found as the
/// same message a webhook would have produced, so a sweep and a late webhook apply once. Its
/// cost follows the number of due rows, not the size of the tables. The index, its due times
/// and its back-off belong to <see cref="OpenAttemptIndex"/>; the sweep asks Go1 and reports.
/// </summary>
public sealed class ReconciliationSweep(
    TableServiceClient tables,
    OpenAttemptIndex index,
    IAttemptStore store,
    AttemptRules rules,
    Go1CompletionQueue completions,
    TimeProvider time,
    ProcessingMetrics metrics,
    ILogger<ReconciliationSweep> logger,
    LearnerIds ids,
    IGo1Enrolments? go1 = null)
{
    public const string StatePartition = "sweep";
    public const string StateRow = "state";
    /// <summary>Partition of the Go1 user cache rows, RowKey the learner id (with <c>LearnerIdKey</c>, the key that made it).</summary>
    public const string UserPartition = "user";
    /// <summary>A learner Go1 does not know is asked about again after this long.</summary>
    private static readonly TimeSpan UnknownUserRetry = TimeSpan.FromDays(1);

    private readonly TableClient _users = tables.GetTableClient(TableNames.Go1Users);

    public async Task<SweepResult> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var resumeAfter = (await LastStateAsync(cancellationToken).ConfigureAwait(false))?.ResumeAfter;
        try
        {
            var (result, stoppedAt) = await SweepAsync(now, resumeAfter, cancellationToken).ConfigureAwait(false);
            await SaveStateAsync(new SweepState(now, result.Outcome, result.Recovered, stoppedAt), cancellationToken).ConfigureAwait(false);
            logger.LogInformation(
                "Sweep {Outcome}: {IndexRowsRead} index rows read, {Examined} examined, {AskedGo1} asked of Go1, {Recovered} completions recovered, {Removed} rows removed, {Deferred} deferred",
                result.Outcome, result.IndexRowsRead, result.Examined, result.AskedGo1, result.Recovered, result.Removed, result.Deferred);
            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await SaveStateAsync(new SweepState(now, $"failed: {ex.GetType().Name}: {ex.Message.Split('\n')[0]}", 0, resumeAfter), cancellationToken).ConfigureAwait(false);
            throw;
        }
    }

    public async Task<SweepState?> LastStateAsync(CancellationToken cancellationToken)
    {
        var row = await _users.GetEntityIfExistsAsync<TableEntity>(StatePartition, StateRow, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!row.HasValue || row.Value is null) return null;
        return new SweepState(row.Value.GetDateTimeOffset("LastRunAt") ?? DateTimeOffset.MinValue, row.Value.GetString("Outcome") ?? "", row.Value.GetInt32("Recovered") ?? 0, row.Value.GetString("ResumeAfter"));
    }

    private async Task<(SweepResult Result, string? StoppedAt)> SweepAsync(DateTimeOffset now, string? resumeAfter, CancellationToken cancellationToken)
    {
        var (due, stoppedAt) = await index.DueAsync(now, resumeAfter, cancellationToken).ConfigureAwait(false);

        int examined = 0, asked = 0, recovered = 0, removed = 0, deferred = 0, failed = 0;
        foreach (var group in due.GroupBy(r => (Learner: r.LearnerHash, Course: r.CourseId)))
        {
            var key = new LearnerCourseKey(group.Key.Learner, KeyEncoding.Escape(group.Key.Course));
            try
            {
                var stored = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
                var attempts = stored is null ? [] : rules.StateOf(stored.History, stored.Fold).Attempts;
                var stale = new List<OpenAttemptRow>();
                foreach (var row in group)
                {
                    examined++;
                    var attempt = attempts.FirstOrDefault(a => a.AttemptId == row.AttemptId);
                    var decision = index.Review(key, row, attempt, now);
                    switch (decision.Action)
                    {
                        case SweepAction.Remove or SweepAction.GiveUp:
                            await index.RemoveAsync(row, cancellationToken).ConfigureAwait(false);
                            removed++;
                            break;
                        case SweepAction.Defer:
                            await index.DeferAsync(row, decision, cancellationToken).ConfigureAwait(false);
                            deferred++;
                            break;
                        case SweepAction.AskGo1:
                            stale.Add(row);
                            break;
                        default:
                            throw new InvalidOperationException($"Unexpected sweep action {decision.Action}.");
                    }
                }
                if (stale.Count == 0 || go1 is null) continue;

                // One question to Go1 per learner and course, however many of its attempts are stale.
                asked++;
                recovered += await AskGo1Async(stored!.History, group.Key.Course!, cancellationToken).ConfigureAwait(false);
                foreach (var row in stale)
                    await index.BackOffAsync(row, now, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One learner's trouble (Go1 down for them, a row in flux) must not stop the others;
                // the rows stay due, so the next run asks again.
                failed++;
                logger.LogWarning(ex, "Sweep could not reconcile learner {LearnerHash} on course {CourseId}; it stays due for the next run", LogValue.Of(group.Key.Learner), LogValue.Of(group.Key.Course));
            }
        }

        var outcome = go1 is null ? "ok (no Go1 API configured: housekeeping only)" : "ok";
        if (failed > 0) outcome += $" ({failed} learner-course pairs failed and stay due)";
        return (new SweepResult(now, outcome, due.Count, examined, asked, recovered, removed, deferred, failed), stoppedAt);
    }

    /// <summary>Queues every completed Go1 enrolment of this learner on this course that the history does not have yet.</summary>
    private async Task<int> AskGo1Async(LearnerCourseHistory history, string courseId, CancellationToken cancellationToken)
    {
        var userId = await UserIdAsync(history.Email, cancellationToken).ConfigureAwait(false);
        if (userId is null) return 0;

        var queued = 0;
        foreach (var enrolment in await go1!.ListCompletedEnrolmentsAsync(userId, courseId, cancellationToken).ConfigureAwait(false))
        {
            if (enrolment.EndDate is not { } completedAt) continue;
            var identity = CompletionRecord.IdentityOf(enrolment.Id, completedAt);
            if (history.Completions.Any(c => c.Identity == identity)) continue;

            // The list was asked for this user and course: where a hit leaves them out, they are known.
            var whole = enrolment with { LoId = enrolment.LoId ?? courseId, UserAccountId = enrolment.UserAccountId ?? userId };
            await completions.QueueAsync(whole, history.Email, DeliverySources.Sweep, cancellationToken).ConfigureAwait(false);
            metrics.SweepRecoveries.Add(1);
            logger.LogInformation("Sweep recovered the completion of enrolment {EnrolmentId} on course {CourseId}", LogValue.Of(enrolment.Id), LogValue.Of(courseId));
            queued++;
        }
        return queued;
    }

    /// <summary>The Go1 user id of a learner, resolved once and kept (a miss is retried after a day).</summary>
    private async Task<string?> UserIdAsync(string email, CancellationToken cancellationToken)
    {
        var learnerId = ids.Id(email);
        var cached = await _users.GetEntityIfExistsAsync<TableEntity>(UserPartition, learnerId, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (cached.HasValue && cached.Value is { } row)
        {
            var userId = row.GetString("UserId");
            if (!string.IsNullOrEmpty(userId)) return userId;
            if (row.GetDateTimeOffset("ResolvedAt") is { } at && time.GetUtcNow() - at < UnknownUserRetry) return null;
        }

        var resolved = await go1!.FindUserIdByEmailAsync(email, cancellationToken).ConfigureAwait(false);
        await _users.UpsertEntityAsync(new TableEntity(UserPartition, learnerId)
        {
            ["UserId"] = resolved ?? "",
            ["ResolvedAt"] = time.GetUtcNow(),
            [TableAttemptStore.LearnerIdKeyProperty] = ids.CurrentKeyId,
        }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        if (resolved is null)
            logger.LogInformation("Go1 knows no user {Learner}; asking again in a day", LearnerEmail.Mask(email));
        return resolved;
    }

    private async Task SaveStateAsync(SweepState state, CancellationToken cancellationToken) =>
        await _users.UpsertEntityAsync(new TableEntity(StatePartition, StateRow)
        {
            ["LastRunAt"] = state.LastRunAt,
            ["Outcome"] = state.Outcome.Length > 1000 ? state.Outcome[..1000] : state.Outcome,
            ["Recovered"] = state.Recovered,
            ["ResumeAfter"] = state.ResumeAfter,
        }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
}
