using System.Text.Json;
using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Intake;

/// <summary>Errors by field name (as spelled in the request JSON), for a problem+json answer.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public bool Has(string field) => _errors.ContainsKey(field);

    public IReadOnlyDictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    /// <summary>Copies another object's errors under a prefix, e.g. <c>data.</c> for fields of a nested object.</summary>
    public void AddAll(string prefix, FieldErrors other)
    {
        foreach (var (field, messages) in other._errors)
            foreach (var message in messages)
                Add(prefix + field, message);
    }

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
    }
}

/// <summary>The outcome of reading a request: a value, or the fields that were wrong.</summary>
public sealed record Validated<T>(T? Value, FieldErrors Errors) where T : class
{
    public bool IsValid => Value is not null && !Errors.Any;
}

/// <summary>
/// An optional instant given as text, outside a JSON intake (an HTTP query parameter, a look-up
/// body's field): absent or empty is none; anything else is read by the one strict reader
/// (<see cref="Instants.TryParseIso8601"/>) and refused with its one message under its name.
/// </summary>
public static class InstantText
{
    public static DateTimeOffset? ReadOptional(string? text, string name, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (Instants.TryParseIso8601(text, out var instant)) return instant;
        errors.Add(name, Instants.Invalid(name));
        return null;
    }
}

/// <summary>Field readers shared by every intake: one wording for one kind of mistake.</summary>
internal static class Fields
{
    public const int MaxIdLength = 128;

    public static string? Id(JsonElement obj, string name, FieldErrors errors, bool required = true)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required) errors.Add(name, $"'{name}' is required.");
            return null;
        }
        return IdValue(value, name, errors);
    }

    private static string? IdValue(JsonElement value, string name, FieldErrors errors)
    {
        string? text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            // Go1 ids are numbers in some payloads; keep their exact digits.
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
        if (text is null)
        {
            errors.Add(name, $"'{name}' must be a string.");
            return null;
        }
        text = text.Trim();
        if (text.Length == 0) { errors.Add(name, $"'{name}' must not be empty."); return null; }
        if (text.Length > MaxIdLength) { errors.Add(name, $"'{name}' must be at most {MaxIdLength} characters."); return null; }
        if (text.Any(char.IsControl)) { errors.Add(name, $"'{name}' must not contain control characters."); return null; }
        return text;
    }

    public static string? OptionalText(JsonElement obj, string name, int maxLength, FieldErrors errors)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.String) { errors.Add(name, $"'{name}' must be a string."); return null; }
        var text = value.GetString()!;
        if (text.Length > maxLength) { errors.Add(name, $"'{name}' must be at most {maxLength} characters."); return null; }
        if (text.Any(c => char.IsControl(c) && c is not '\t')) { errors.Add(name, $"'{name}' must not contain control characters."); return null; }
        return text;
    }

    public static string? Email(JsonElement obj, string name, FieldErrors errors, bool required = true)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required) errors.Add(name, $"'{name}' is required.");
            return null;
        }
        if (value.ValueKind != JsonValueKind.String) { errors.Add(name, $"'{name}' must be a string."); return null; }
        var text = value.GetString()!.Trim();
        if (!IsEmail(text)) { errors.Add(name, $"'{name}' must be an email address."); return null; }
        return text;
    }

    public static bool IsEmail(string text) => Learners.LearnerEmail.IsValid(text);

    public static DateTimeOffset? Instant(JsonElement obj, string name, FieldErrors errors, bool required, DateTimeOffset? notAfter = null)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required) errors.Add(name, $"'{name}' is required.");
            return null;
        }
        // The one strict reader and its one message (Instants): a number, a date without an
        // offset or any other form is the same mistake.
        if (value.ValueKind != JsonValueKind.String || !Instants.TryParseIso8601(value.GetString(), out var instant))
        {
            errors.Add(name, Instants.Invalid(name));
            return null;
        }
        if (instant.Year < 2000) { errors.Add(name, $"'{name}' is before the year 2000."); return null; }
        if (notAfter is { } limit && instant > limit) { errors.Add(name, $"'{name}' is in the future."); return null; }
        return instant;
    }

    public static int? Integer(JsonElement obj, string name, int min, int max, FieldErrors errors, bool required)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required) errors.Add(name, $"'{name}' is required.");
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out var number) || number != decimal.Truncate(number))
        {
            errors.Add(name, $"'{name}' must be a whole number.");
            return null;
        }
        if (number < min || number > max) { errors.Add(name, $"'{name}' must be between {min} and {max}."); return null; }
        return (int)number;
    }

    /// <summary>An optional array of ids (e.g. field names), each read as <see cref="Id"/> reads one.</summary>
    public static IReadOnlyList<string>? IdList(JsonElement obj, string name, int maxCount, FieldErrors errors)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Array) { errors.Add(name, $"'{name}' must be an array of strings."); return null; }
        if (value.GetArrayLength() > maxCount) { errors.Add(name, $"'{name}' must hold at most {maxCount} values."); return null; }
        var ids = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String) { errors.Add(name, $"'{name}' must be an array of strings."); return null; }
            if (IdValue(item, name, errors) is not { } id) return null;
            ids.Add(id);
        }
        return ids;
    }

    public static bool? Boolean(JsonElement obj, string name, FieldErrors errors, bool required)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required) errors.Add(name, $"'{name}' is required.");
            return null;
        }
        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) { errors.Add(name, $"'{name}' must be true or false."); return null; }
        return value.GetBoolean();
    }
}
