using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Go1Sync.Core.Reporting;

namespace Go1Sync.Cli;

internal static class Output
{
    /// <summary>
    /// The CLI's <c>--json</c> options, its own: Web defaults (camelCase), indented for people,
    /// every property written, null or not, so scripts see the same keys on every object, and
    /// attempts as the row of <see cref="AttemptColumns"/> (the read API's names and order).
    /// </summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new AttemptReportJsonConverter() },
    };

    public static void WriteJson<T>(TextWriter writer, T value) => writer.WriteLine(JsonSerializer.Serialize(value, Json));

    /// <summary>As <see cref="Json"/> but one object per line (JSON Lines), for what a command streams (<c>follow</c>).</summary>
    private static JsonSerializerOptions Lines { get; } = new(Json)
    {
        WriteIndented = false,
        Converters = { new AttemptChangeJsonConverter() },
    };

    public static void WriteJsonLine<T>(TextWriter writer, T value) => writer.WriteLine(JsonSerializer.Serialize(value, Lines));

    /// <summary>The attempts as a table of <see cref="AttemptColumns.All"/>, for people: nothing shows as <c>-</c>, flags as yes/no.</summary>
    public static void WriteTable(TextWriter writer, IReadOnlyList<AttemptReport> rows)
    {
        var columns = AttemptColumns.All;
        var headers = columns.Select(c => c.TableLabel ?? c.Name).ToArray();
        var cells = rows.Select(r => columns.Select(c => c.TableText?.Invoke(r) ?? Text(c.Cell(r))).ToArray()).ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length))).ToArray();
        writer.WriteLine(string.Join("  ", headers.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        foreach (var row in cells)
            writer.WriteLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
    }

    private static string Text(AttemptCell cell) => cell.Kind switch
    {
        AttemptCellKind.Text => cell.Text!,
        AttemptCellKind.Number => cell.Number.ToString(CultureInfo.InvariantCulture),
        AttemptCellKind.Flag => cell.Flag ? "yes" : "no",
        AttemptCellKind.Null => "-",
        _ => throw new InvalidOperationException($"A cell of unknown kind {cell.Kind}."),
    };
}
