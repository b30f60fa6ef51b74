using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Go1Sync.Core.Processing;
using Go1Sync.Core.Reporting;

namespace Go1Sync.Cli;

internal static class Output
{
    /// <summary>
    /// The CLI's <c>--json</c> options, its own: Web defaults (camelCase), indented for people,
    /// and every property written, null or not, so scripts see the same keys on every object.
    /// </summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static void WriteJson<T>(TextWriter writer, T value) => writer.WriteLine(JsonSerializer.Serialize(value, Json));

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
