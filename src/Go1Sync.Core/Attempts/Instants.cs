namespace Go1Sync.Core.Attempts;

/// <summary>Every instant the rules see is UTC and exact to the millisecond.</summary>
public static class Instants
{
    public static DateTimeOffset ToMillisecondUtc(DateTimeOffset value)
    {
        var utcTicks = value.UtcTicks;
        return new DateTimeOffset(utcTicks - (utcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    public static DateTimeOffset? ToMillisecondUtc(DateTimeOffset? value) =>
        value is { } v ? ToMillisecondUtc(v) : null;

    public static string Format(DateTimeOffset value) =>
        ToMillisecondUtc(value).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
