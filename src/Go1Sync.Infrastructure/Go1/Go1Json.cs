using System.Globalization;
using System.Text.Json;

namespace Go1Sync.Infrastructure.Go1;

/// <summary>
/// Tolerant reading of Go1's JSON: unknown fields are ignored, ids may be numbers or strings
/// (their digits are kept as they are), numbers may come as strings.
/// </summary>
internal static class Go1Json
{
    public static Go1Enrolment? Enrolment(JsonElement element, string? fallbackId = null)
    {
        if (element.ValueKind != JsonValueKind.Object)
            return null;
        var id = Id(element, "id") ?? fallbackId;
        if (id is null)
            return null;
        return new Go1Enrolment(
            id,
            Id(element, "user_account_id"),
            Id(element, "lo_id"),
            String(element, "status") ?? "",
            Bool(element, "pass"),
            Integer(element, "result"),
            Date(element, "start_date"),
            Date(element, "end_date"),
            Date(element, "updated_time"));
    }

    /// <summary>An identifier as text: a JSON string as it is, a JSON number with its digits as written.</summary>
    public static string? Id(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
            return null;
        return value.ValueKind switch
        {
            JsonValueKind.String when !string.IsNullOrWhiteSpace(value.GetString()) => value.GetString()!.Trim(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
    }

    public static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString())
            ? value.GetString()!.Trim()
            : null;

    public static bool? Bool(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
            return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when value.TryGetDecimal(out var n) => n != 0,
            JsonValueKind.String when bool.TryParse(value.GetString(), out var b) => b,
            JsonValueKind.String when value.GetString() is "1" => true,
            JsonValueKind.String when value.GetString() is "0" => false,
            _ => null,
        };
    }

    /// <summary>A whole number; a decimal is rounded half away from zero.</summary>
    public static int? Integer(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
            return null;
        decimal? number = value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetDecimal(out var n) => n,
            JsonValueKind.String when decimal.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) => n,
            _ => null,
        };
        if (number is not { } d || d > int.MaxValue || d < int.MinValue)
            return null;
        return (int)Math.Round(d, MidpointRounding.AwayFromZero);
    }

    public static double? Seconds(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
            return null;
        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetDouble(out var n) => n,
            JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) => n,
            _ => null,
        };
    }

    /// <summary>
    /// A date in one of Go1's own API answers: ISO-8601 (UTC when no offset is given), or Unix
    /// seconds; always returned in UTC. Tolerant because Go1 writes what it writes; only this
    /// adapter reads this way, every other input goes through the strict <c>Instants.TryParseIso8601</c>.
    /// </summary>
    public static DateTimeOffset? Date(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
            return null;
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                var text = value.GetString();
                if (string.IsNullOrWhiteSpace(text))
                    return null;
                if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                        DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
                    return parsed.ToUniversalTime();
                if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var unixText) && unixText > 0)
                    return DateTimeOffset.FromUnixTimeSeconds(unixText);
                return null;
            case JsonValueKind.Number when value.TryGetInt64(out var unix) && unix > 0:
                return DateTimeOffset.FromUnixTimeSeconds(unix);
            default:
                return null;
        }
    }
}
