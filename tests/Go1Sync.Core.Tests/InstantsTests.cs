using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Tests;

/// <summary>The one parser of instants people type (the CLI's --now, --since, ...).</summary>
public sealed class InstantsTests
{
    [Theory]
    [InlineData("2025-01-15T00:00:00Z", "2025-01-15T00:00:00.000Z")]
    [InlineData("2025-01-15T01:00:00+01:00", "2025-01-15T00:00:00.000Z")]
    [InlineData("2025-01-14T19:00-05:00", "2025-01-15T00:00:00.000Z")]
    [InlineData("2025-01-15T00:00:00.123Z", "2025-01-15T00:00:00.123Z")]
    public void TryParseIso8601_InstantWithOffset_ParsesToUtc(string text, string utc)
    {
        Assert.True(Instants.TryParseIso8601(text, out var instant));
        Assert.Equal(TimeSpan.Zero, instant.Offset);
        Assert.Equal(utc, Instants.Format(instant));
    }

    [Theory]
    [InlineData("12/01/2025")]
    [InlineData("12/01/2025 00:00:00 +00:00")]
    [InlineData("2025-01-15")]
    [InlineData("2025-01-15T00:00:00")]
    [InlineData("2025-01-15 00:00:00Z")]
    [InlineData("2025-13-01T00:00:00Z")]
    [InlineData("2025-01-15T00:00:00Z\n")]
    [InlineData("bad")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParseIso8601_NoOffsetOrNotIso_IsRefused(string? text)
    {
        Assert.False(Instants.TryParseIso8601(text, out _));
    }
}
