using System.Globalization;
using System.Text;
using Go1Sync.Core.Attempts;
using Go1Sync.Core.Reporting;

namespace Go1Sync.Functions.Http;

/// <summary>
/// Streams attempts as CSV row by row: a course with a million attempts is never held in memory.
/// The header and cells are <see cref="AttemptColumns.Csv"/>'s. Every text cell goes through
/// <see cref="Field"/>, ours as well as the LMS's and Go1's, so no cell is ever run as a formula
/// whatever a value turns out to hold.
/// </summary>
public sealed class CsvAttemptsResult(IAsyncEnumerable<AttemptReport> rows, string fileName) : IActionResult
{
    public async Task ExecuteResultAsync(ActionContext context)
    {
        var response = context.HttpContext.Response;
        var cancellationToken = context.HttpContext.RequestAborted;
        response.StatusCode = 200;
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";

        await using var writer = new StreamWriter(response.Body, new UTF8Encoding(false), bufferSize: 16 * 1024, leaveOpen: true);
        await writer.WriteLineAsync(string.Join(',', AttemptColumns.Csv.Select(c => c.Name)));
        var count = 0;
        await foreach (var r in rows.WithCancellation(cancellationToken))
        {
            await writer.WriteLineAsync(string.Join(',', AttemptColumns.Csv.Select(c => Cell(c.Cell(r)))));
            if (++count % 500 == 0) await writer.FlushAsync(cancellationToken);
        }
        await writer.FlushAsync(cancellationToken);
    }

    /// <summary>A cell as CSV: text defused and quoted (<see cref="Field"/>), numbers invariant, flags true/false, nothing empty.</summary>
    public static string Cell(AttemptCell cell) => cell.Kind switch
    {
        AttemptCellKind.Text => Field(cell.Text!),
        AttemptCellKind.Number => cell.Number.ToString(CultureInfo.InvariantCulture),
        AttemptCellKind.Flag => cell.Flag ? "true" : "false",
        AttemptCellKind.Null => "",
        _ => throw new InvalidOperationException($"A cell of unknown kind {cell.Kind}."),
    };

    /// <summary>
    /// RFC 4180 quoting, and a leading quote mark on values a spreadsheet would run as a formula:
    /// those starting with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage return (OWASP's CSV injection list).
    /// </summary>
    public static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }
}
