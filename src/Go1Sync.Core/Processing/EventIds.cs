using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Processing;

/// <summary>
/// The one owner of event ids: the queued envelope's id, which keys its delivery record (the
/// processor adds its outcome to the same record) and, for a parked message, its row. An id is
/// stable for one event where the event can arrive twice, so a retry keeps one delivery record.
/// </summary>
public static class EventIds
{
    /// <summary>An LMS launch: the attempt and the launch instant (a continue has its own instant).</summary>
    public static string Launch(string attemptId, DateTimeOffset launchedAt) =>
        $"launch:{attemptId}:{Instants.Format(launchedAt)}";

    /// <summary>A Go1 webhook delivery: Go1's delivery id, else the enrolment it is about.</summary>
    public static string Webhook(string? deliveryId, string enrolmentId) =>
        $"go1:{deliveryId ?? enrolmentId}";

    /// <summary>A Go1 webhook we acknowledge without queueing (another event type): Go1's delivery id, else a new one.</summary>
    public static string IgnoredWebhook(string? deliveryId) =>
        $"go1:{deliveryId ?? Guid.NewGuid().ToString("N")}";

    /// <summary>
    /// A completion Go1 reported through its API (<see cref="DeliverySources"/> <c>sweep</c>, <c>reconcile</c>):
    /// stable for one completion, so a completion queued twice (overlapping runs) keeps one delivery record.
    /// </summary>
    public static string Go1Sourced(string source, string enrolmentId, DateTimeOffset? completedAt) =>
        $"{source}:{enrolmentId}:{(completedAt is { } at ? Instants.Format(at) : "no-end-date")}";

    /// <summary>A launch applied by <c>go1sync replay</c>: its launch id, marked as replayed.</summary>
    public static string Replayed(string launchId) => $"replay:{launchId}";

    /// <summary>A completion applied by <c>go1sync replay</c>: the enrolment and the completion instant.</summary>
    public static string ReplayedCompletion(string enrolmentId, DateTimeOffset completedAt) =>
        $"replay:completion:{enrolmentId}:{Instants.Format(completedAt)}";

    /// <summary>A request refused before anything was queued: unique, and sortable by time within its day.</summary>
    public static string Refused(DateTimeOffset now) =>
        $"refused:{now.UtcTicks:D19}:{Guid.NewGuid():N}";
}
