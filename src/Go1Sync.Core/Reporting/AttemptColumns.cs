using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Reporting;

public enum AttemptCellKind { Null, Text, Number, Flag }

/// <summary>One cell of an attempt's row: text, a whole number, a flag, or nothing.</summary>
public readonly record struct AttemptCell(AttemptCellKind Kind, string? Text = null, long Number = 0, bool Flag = false)
{
    public static AttemptCell Null { get; } = new(AttemptCellKind.Null);
    public static AttemptCell Of(string? text) => text is null ? Null : new(AttemptCellKind.Text, Text: text);
    public static AttemptCell Of(long? number) => number is { } n ? new(AttemptCellKind.Number, Number: n) : Null;
    public static AttemptCell Of(bool flag) => new(AttemptCellKind.Flag, Flag: flag);
    public static AttemptCell Of(DateTimeOffset? instant) => instant is { } i ? Of(Instants.Format(i)) : Null;
}

/// <summary>
/// One column of the attempts' row (the LMS stats shape): its name and its cell for a report.
/// <see cref="TableLabel"/> and <see cref="TableText"/> are how the CLI's table shows it, for
/// people, when that differs from the name and the cell.
/// </summary>
public sealed record AttemptColumn(string Name, Func<AttemptReport, AttemptCell> Cell)
{
    public string? TableLabel { get; init; }
    public Func<AttemptReport, string>? TableText { get; init; }
}

/// <summary>
/// The one definition of an attempt's row: the read API's JSON (names and order), the CSV
/// export's header and cells, and the CLI's table and <c>--json</c> all come from these columns.
/// Instants are ISO-8601 UTC to the millisecond; a result of <c>none</c> is no result (null).
/// </summary>
public static class AttemptColumns
{
    public static readonly AttemptColumn AttemptId = new("attemptId", r => AttemptCell.Of(r.Attempt.AttemptId));
    public static readonly AttemptColumn Email = new("email", r => AttemptCell.Of(r.Attempt.Email));
    public static readonly AttemptColumn CourseId = new("courseId", r => AttemptCell.Of(r.Attempt.CourseId));
    public static readonly AttemptColumn Origin = new("origin", r => AttemptCell.Of(WireNames.Of(r.Attempt.Origin)));
    public static readonly AttemptColumn Platform = new("platform", r => AttemptCell.Of(WireNames.Of(r.Attempt.Platform)));
    public static readonly AttemptColumn Status = new("status", r => AttemptCell.Of(WireNames.Of(r.Attempt.Status)));
    public static readonly AttemptColumn Progress = new("progress", r => AttemptCell.Of(r.Attempt.Progress))
    {
        TableText = r => r.Attempt.Progress.ToString(CultureInfo.InvariantCulture) + "%",
    };
    public static readonly AttemptColumn Result = new("result", r => r.Attempt.Result == AttemptResult.None ? AttemptCell.Null : AttemptCell.Of(WireNames.Of(r.Attempt.Result)));
    public static readonly AttemptColumn Score = new("score", r => AttemptCell.Of(r.Attempt.Score));
    public static readonly AttemptColumn FirstActivityAt = new("firstActivityAt", r => AttemptCell.Of(r.Attempt.FirstActivityAt));
    public static readonly AttemptColumn LastActivityAt = new("lastActivityAt", r => AttemptCell.Of(r.Attempt.LastActivityAt));
    public static readonly AttemptColumn CompletedAt = new("completedAt", r => AttemptCell.Of(r.Attempt.CompletedAt));
    public static readonly AttemptColumn TimeSpentMs = new("timeSpentMs", r => AttemptCell.Of(r.Attempt.TimeSpentMs))
    {
        TableLabel = "timeSpent",
        TableText = r => TimeSpan.FromMilliseconds(r.Attempt.TimeSpentMs).ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture),
    };
    public static readonly AttemptColumn LegacyClosed = new("legacyClosed", r => AttemptCell.Of(r.LegacyClosed));
    public static readonly AttemptColumn DurationUnknown = new("durationUnknown", r => AttemptCell.Of(r.Attempt.DurationUnknown));

    /// <summary>The row: JSON objects (read API, CLI <c>--json</c>) and the CLI table, in this order.</summary>
    public static IReadOnlyList<AttemptColumn> All { get; } =
        [AttemptId, Email, CourseId, Origin, Platform, Status, Progress, Result, Score, FirstActivityAt, LastActivityAt, CompletedAt, TimeSpentMs, LegacyClosed, DurationUnknown];

    /// <summary>
    /// The same columns in the CSV export's order, which is the order it has had since it
    /// shipped (spreadsheets and imports read it by position), unlike the JSON's.
    /// </summary>
    public static IReadOnlyList<AttemptColumn> Csv { get; } =
        [AttemptId, Email, CourseId, Progress, Score, Result, TimeSpentMs, FirstActivityAt, LastActivityAt, CompletedAt, Status, Origin, Platform, LegacyClosed, DurationUnknown];
}

/// <summary>
/// Writes an <see cref="AttemptReport"/> as the JSON object of <see cref="AttemptColumns.All"/>,
/// for the serializer options of the boundaries that show attempts (read API, CLI). A null cell
/// is left out when the options leave nulls out, and written as null otherwise. Attempt rows are
/// an output: nothing reads them back, so reading one is refused.
/// </summary>
public sealed class AttemptReportJsonConverter : JsonConverter<AttemptReport>
{
    public override AttemptReport Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Attempt rows are written for callers, never read back; read attempts from their history.");

    public override void Write(Utf8JsonWriter writer, AttemptReport value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        WriteColumns(writer, value, options);
        writer.WriteEndObject();
    }

    /// <summary>The row's properties into an object already open, so other shapes (the change feed's entries) carry the same row.</summary>
    public static void WriteColumns(Utf8JsonWriter writer, AttemptReport value, JsonSerializerOptions options)
    {
        var skipNulls = options.DefaultIgnoreCondition == JsonIgnoreCondition.WhenWritingNull;
        foreach (var column in AttemptColumns.All)
        {
            var cell = column.Cell(value);
            switch (cell.Kind)
            {
                case AttemptCellKind.Null:
                    if (!skipNulls) writer.WriteNull(column.Name);
                    break;
                case AttemptCellKind.Text:
                    writer.WriteString(column.Name, cell.Text);
                    break;
                case AttemptCellKind.Number:
                    writer.WriteNumber(column.Name, cell.Number);
                    break;
                case AttemptCellKind.Flag:
                    writer.WriteBoolean(column.Name, cell.Flag);
                    break;
                default:
                    throw new InvalidOperationException($"Column {column.Name} has a cell of unknown kind {cell.Kind}.");
            }
        }
    }
}
