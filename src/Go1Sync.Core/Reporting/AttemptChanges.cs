using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Reporting;

/// <summary>What a change row says happened to its attempt.</summary>
public static class ChangeKinds
{
    /// <summary>The attempt was added or changed: the row holds its new values.</summary>
    public const string Updated = "updated";
    /// <summary>The fold no longer has the attempt (e.g. a go1-direct attempt taken over by an LMS one): the row holds its last values.</summary>
    public const string Removed = "removed";
}

/// <summary>
/// A position in the change feed: the change (<paramref name="Ticks"/> of its UTC change instant, the
/// course's partition key, the row key). The feed's order is (ticks, course, row key), ordinal; a
/// cursor means "after this position". <c>("", "")</c> at some ticks is just before every change of that instant.
/// </summary>
public sealed record ChangePosition(long Ticks, string Course, string RowKey) : IComparable<ChangePosition>
{
    /// <summary>Just before every change stamped at <paramref name="instant"/> or later.</summary>
    public static ChangePosition At(DateTimeOffset instant) => new(instant.UtcTicks, "", "");

    public int CompareTo(ChangePosition? other)
    {
        if (other is null) return 1;
        var ticks = Ticks.CompareTo(other.Ticks);
        if (ticks != 0) return ticks;
        var course = string.CompareOrdinal(Course, other.Course);
        return course != 0 ? course : string.CompareOrdinal(RowKey, other.RowKey);
    }
}

/// <summary>One stored change row: the attempt's values, its aggregate's version, when and how it changed, and where it is.</summary>
public sealed record StoredChange(Attempt Attempt, long Version, DateTimeOffset ChangedAt, string Change, ChangePosition Position);

/// <summary>The stored change rows of every course (storage: the change rows of each course's partition).</summary>
public interface IAttemptChangeFeed
{
    /// <summary>
    /// At most <paramref name="limit"/> changes after <paramref name="after"/> (null: from the oldest
    /// kept) and stamped before <paramref name="before"/>, in <see cref="ChangePosition"/> order.
    /// </summary>
    Task<IReadOnlyList<StoredChange>> ReadAsync(ChangePosition? after, DateTimeOffset before, int limit, CancellationToken cancellationToken);
}

/// <summary>
/// The opaque cursor callers hold: base64url of <c>{"ticks":…,"course":"…","rowKey":"…"}</c>. It is only
/// a position, so it survives restarts and works on any instance.
/// </summary>
public static class ChangeCursor
{
    /// <summary>The cursor that starts from the safe horizon now (<see cref="ChangeFeed"/>).</summary>
    public const string Latest = "latest";

    /// <summary>Longer is not a cursor we made (course and row keys are at most 1 KiB each).</summary>
    private const int MaxLength = 4096;

    private sealed record Body(long Ticks, string Course, string RowKey);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Encode(ChangePosition position) =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new Body(position.Ticks, position.Course, position.RowKey), Json));

    public static ChangePosition? TryDecode(string text)
    {
        if (text.Length is 0 or > MaxLength) return null;
        try
        {
            var body = JsonSerializer.Deserialize<Body>(Base64Url.DecodeFromChars(text), Json);
            if (body is null || body.Course is null || body.RowKey is null || body.Ticks < 0 || body.Ticks > DateTimeOffset.MaxValue.UtcTicks) return null;
            return new ChangePosition(body.Ticks, body.Course, body.RowKey);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }
}

/// <summary>One entry of the feed: the attempt as the read API reports it, its version, when and how it changed.</summary>
public sealed record AttemptChange(AttemptReport Report, long Version, DateTimeOffset ChangedAt, string Change);

/// <summary>A page of the feed and the cursor to ask from next; <see cref="Full"/>: more may be waiting right now.</summary>
public sealed record AttemptChangesPage(IReadOnlyList<AttemptChange> Changes, string Cursor)
{
    [JsonIgnore]
    public bool Full { get; init; }
}

/// <summary>A feed entry and where it is in the feed.</summary>
public sealed record PositionedChange(AttemptChange Change, ChangePosition Position);

/// <summary>A page of <see cref="PositionedChange"/>s, the position to go on from after it, and whether more may be waiting now.</summary>
public sealed record PositionedChangesPage(IReadOnlyList<PositionedChange> Entries, ChangePosition Next, bool Full);

/// <summary>Why a page was not read.</summary>
public enum ChangeFeedRefusal { None, Expired }

/// <summary>
/// The change feed's rules (<c>GET /api/attempts/changes</c>). A change row is stamped with the writer's
/// clock before its batch commits, so a row may appear with a stamp a little in the past; a page reads
/// only up to <c>now - safeLag</c>, far enough back that no write still in flight can land behind a
/// position already handed out (the lag must exceed a write's duration plus the writers' clock skew).
/// Rows older than the retention may be gone: a cursor older than that is refused (410), the caller
/// resynchronises from the read API and starts again from <see cref="ChangeCursor.Latest"/>.
/// </summary>
public sealed class ChangeFeed(IAttemptChangeFeed store, AttemptRules rules, TimeProvider time, TimeSpan safeLag, TimeSpan retention)
{
    public const int MaxLimit = 500;

    /// <param name="after">Null: from the oldest change kept; <see cref="ChangeCursor.Latest"/> is resolved by the caller with <see cref="Latest"/>.</param>
    public async Task<(AttemptChangesPage? Page, ChangeFeedRefusal Refusal)> ReadAsync(ChangePosition? after, int limit, CancellationToken cancellationToken)
    {
        var (page, refusal) = await ReadPositionedAsync(after, limit, cancellationToken).ConfigureAwait(false);
        return page is null
            ? (null, refusal)
            : (new AttemptChangesPage(page.Entries.Select(e => e.Change).ToList(), ChangeCursor.Encode(page.Next)) { Full = page.Full }, refusal);
    }

    /// <summary>
    /// As <see cref="ReadAsync"/>, with each entry's own position (a consumer that stops part way through
    /// a page, such as the outbound webhooks, resumes after the last entry it handled).
    /// </summary>
    public async Task<(PositionedChangesPage? Page, ChangeFeedRefusal Refusal)> ReadPositionedAsync(ChangePosition? after, int limit, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (after is not null && after.Ticks < (now - retention).UtcTicks)
            return (null, ChangeFeedRefusal.Expired);
        var horizon = now - safeLag;
        limit = Math.Clamp(limit, 1, MaxLimit);
        var changes = await store.ReadAsync(after, horizon, limit, cancellationToken).ConfigureAwait(false);
        var full = changes.Count >= limit;
        // A full page goes on after its last entry. A page that was not full read everything up to the
        // horizon, so the cursor moves there: an idle consumer's cursor then never ages out of the retention.
        var next = full ? changes[^1].Position : Max(after, ChangePosition.At(horizon));
        var entries = changes.Select(c => new PositionedChange(new AttemptChange(rules.Report(c.Attempt, now), c.Version, c.ChangedAt, c.Change), c.Position)).ToList();
        return (new PositionedChangesPage(entries, next, full), ChangeFeedRefusal.None);
    }

    /// <summary>The position <see cref="ChangeCursor.Latest"/> stands for: the safe horizon now.</summary>
    public ChangePosition Latest() => ChangePosition.At(time.GetUtcNow() - safeLag);

    private static ChangePosition Max(ChangePosition? a, ChangePosition b) => a is not null && a.CompareTo(b) > 0 ? a : b;
}

/// <summary>Writes an <see cref="AttemptChange"/> as the attempt's row (<see cref="AttemptColumns"/>) followed by <c>version</c>, <c>changedAt</c>, <c>change</c>.</summary>
public sealed class AttemptChangeJsonConverter : JsonConverter<AttemptChange>
{
    public override AttemptChange Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Change entries are written for callers, never read back.");

    public override void Write(Utf8JsonWriter writer, AttemptChange value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        AttemptReportJsonConverter.WriteColumns(writer, value.Report, options);
        writer.WriteNumber("version", value.Version);
        writer.WriteString("changedAt", Instants.Format(value.ChangedAt));
        writer.WriteString("change", value.Change);
        writer.WriteEndObject();
    }
}
