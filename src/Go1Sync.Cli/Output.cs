using System.Globalization;
using System.Text.Json;
using Go1Sync.Core.Processing;
using Go1Sync.Core.Reporting;

namespace Go1Sync.Cli;

internal static class Output
{
    private static readonly JsonSerializerOptions Indented = new(Json.Options) { WriteIndented = true, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never };

    public static void WriteJson<T>(TextWriter writer, T value) => writer.WriteLine(JsonSerializer.Serialize(value, Indented));

    public static void WriteTable(TextWriter writer, IReadOnlyList<AttemptRow> rows)
    {
        string[] headers = ["attemptId", "email", "courseId", "origin", "platform", "status", "progress", "result", "score", "firstActivityAt", "lastActivityAt", "completedAt", "timeSpent", "legacyClosed"];
        var cells = rows.Select(r => new[]
        {
            r.AttemptId, r.Email, r.CourseId, r.Origin, r.Platform, r.Status,
            r.Progress.ToString(CultureInfo.InvariantCulture) + "%",
            r.Result ?? "-",
            r.Score?.ToString(CultureInfo.InvariantCulture) ?? "-",
            r.FirstActivityAt, r.LastActivityAt, r.CompletedAt ?? "-",
            TimeSpan.FromMilliseconds(r.TimeSpentMs).ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture),
            r.LegacyClosed ? "yes" : "no",
        }).ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length))).ToArray();
        writer.WriteLine(string.Join("  ", headers.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        foreach (var row in cells)
            writer.WriteLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
    }
}
