using Go1Sync.Core.Security;

namespace Go1Sync.Core.Tests;

public sealed class LogValueTests
{
    [Theory]
    [InlineData("enr-1\r\n[Critical] forged", @"enr-1\r\n[Critical] forged")]
    [InlineData("a\tb\u0000c", @"a\tb\u0000c")]
    [InlineData("line\u2028separator\u2029paragraph\u0085next", @"line\u2028separator\u2029paragraph\u0085next")]
    [InlineData("plain-id 42 é", "plain-id 42 é")]
    public void LogValue_ValueFromOutside_KeepsNoControlCharacterOrLineBreak(string value, string logged)
    {
        var safe = LogValue.Of(value)!;

        Assert.Equal(logged, safe);
        Assert.DoesNotContain(safe, c => char.IsControl(c) || c is '\u2028' or '\u2029');
    }

    [Fact]
    public void LogValue_ValueLongerThanTheBound_IsCutAndMarked()
    {
        var safe = LogValue.Of(new string('x', 100_000))!;

        Assert.Equal(LogValue.MaxLength + "…(cut)".Length, safe.Length);
        Assert.EndsWith("…(cut)", safe, StringComparison.Ordinal);
    }

    [Fact]
    public void LogValue_ListOfValues_IsSanitisedValueByValue()
    {
        Assert.Equal(["a", @"b\nc"], LogValue.Of(["a", "b\nc"]));
    }
}
