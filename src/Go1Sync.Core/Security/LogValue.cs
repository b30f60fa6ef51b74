using System.Globalization;
using System.Text;

namespace Go1Sync.Core.Security;

/// <summary>
/// The one place a value from outside (Go1, a queue message, an HTTP request) is made safe to
/// log: control characters and Unicode line/paragraph separators are written as visible escapes
/// (<c>\r</c>, <c>\n</c>, <c>\t</c>, <c>\u0085</c>…), so a value can never start a forged log line,
/// and a value is cut to <see cref="MaxLength"/> characters so it cannot flood a line either.
/// Emails still go through <see cref="Learners.LearnerEmail.Mask"/> first.
/// </summary>
public static class LogValue
{
    /// <summary>Longer values are cut and marked; ids are at most 128 characters, reasons a few hundred.</summary>
    public const int MaxLength = 1_024;

    public static string? Of(string? value)
    {
        if (value is null) return null;
        if (value.Length <= MaxLength && !value.Any(NeedsEscape)) return value;

        var text = value.Length > MaxLength ? value[..MaxLength] : value;
        var safe = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (!NeedsEscape(c)) { safe.Append(c); continue; }
            safe.Append(c switch
            {
                '\r' => @"\r",
                '\n' => @"\n",
                '\t' => @"\t",
                _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
            });
        }
        if (value.Length > MaxLength) safe.Append("…(cut)");
        return safe.ToString();
    }

    /// <summary>Each value of a list (attempt ids, field names), for a structured log property.</summary>
    public static string[] Of(IEnumerable<string> values) => values.Select(v => Of(v)!).ToArray();

    private static bool NeedsEscape(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}
