using System.Globalization;
using System.Text.RegularExpressions;

namespace Go1Sync.Core.Attempts;

/// <summary>
/// Every instant the rules see is UTC and exact to the millisecond. Every instant the outside
/// gives us (webhook and launch fields, replay lines, queued messages, HTTP query parameters and
/// bodies, CLI options) is read by <see cref="TryParseIso8601"/> and refused with
/// <see cref="Invalid"/>; only the Go1 adapter reads Go1's own API answers more tolerantly.
/// </summary>
public static partial class Instants
{
    /// <summary>
    /// The one message for an instant that <see cref="TryParseIso8601"/> refuses, naming the input
    /// (a JSON field, a query parameter, a CLI option) and never its value.
    /// </summary>
    public static string Invalid(string input) =>
        $"'{input}' must be an ISO-8601 instant with an offset (Z, +hh:mm or -hh:mm), e.g. 2025-01-15T00:00:00Z or 2025-01-15T01:00:00+01:00.";

    public static DateTimeOffset ToMillisecondUtc(DateTimeOffset value)
    {
        var utcTicks = value.UtcTicks;
        return new DateTimeOffset(utcTicks - (utcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    public static DateTimeOffset? ToMillisecondUtc(DateTimeOffset? value) =>
        value is { } v ? ToMillisecondUtc(v) : null;

    public static string Format(DateTimeOffset value) =>
        ToMillisecondUtc(value).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// The one strict reader of instants from outside: ISO-8601 / RFC 3339 date and time WITH its
    /// offset (<c>Z</c> or <c>±hh:mm</c>), seconds and fractions optional. Anything else is
    /// refused rather than guessed: no local time, no date alone, no space for the <c>T</c>, no
    /// <c>+hhmm</c>, no surrounding spaces, no culture's date order (12/01/2025 is refused, not
    /// read as 1 December). Returned in UTC.
    /// </summary>
    public static bool TryParseIso8601(string? text, out DateTimeOffset instant)
    {
        instant = default;
        if (text is null || !Iso8601WithOffset().IsMatch(text)) return false;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)) return false;
        instant = parsed.ToUniversalTime();
        return true;
    }

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,7})?)?(Z|[+-][0-9]{2}:[0-9]{2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex Iso8601WithOffset();
}
