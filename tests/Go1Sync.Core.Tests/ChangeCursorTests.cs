using Go1Sync.Core.Reporting;

namespace Go1Sync.Core.Tests;

/// <summary>The change feed's cursor: an opaque position callers hand back, so what it decodes must be exactly what was encoded, and nothing else decodes.</summary>
public sealed class ChangeCursorTests
{
    [Fact]
    public void Cursor_EncodedThenDecoded_IsThePositionItWasMadeOf()
    {
        var position = new ChangePosition(638772048032500000, "go1-course-golden", "~c~0638772048032500000_11b8_lms-attempt-1");

        var cursor = ChangeCursor.Encode(position);

        Assert.Matches("^[A-Za-z0-9_-]+$", cursor);
        Assert.Equal(position, ChangeCursor.TryDecode(cursor));
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("not base64 at all!")]
    [InlineData("bnVsbA")] // null
    [InlineData("eyJ0aWNrcyI6MX0")] // {"ticks":1}: no course, no row key
    [InlineData("eyJ0aWNrcyI6LTEsImNvdXJzZSI6IiIsInJvd0tleSI6IiJ9")] // {"ticks":-1,"course":"","rowKey":""}
    [InlineData("W10")] // []
    [InlineData("")]
    public void Cursor_NotOneWeMade_DecodesToNothing(string text) =>
        Assert.Null(ChangeCursor.TryDecode(text));

    [Fact]
    public void Positions_Sorted_GoByInstantThenCourseThenRowKeyOrdinally()
    {
        var positions = new[]
        {
            new ChangePosition(2, "a", "~c~1"),
            new ChangePosition(1, "b", "~c~0"),
            new ChangePosition(1, "a", "~c~1"),
            new ChangePosition(1, "a", "~c~0"),
            new ChangePosition(1, "B", "~c~9"),
            ChangePosition.At(new DateTimeOffset(1, TimeSpan.Zero)),
        };

        var sorted = positions.Order().ToList();

        Assert.Equal(
            [ChangePosition.At(new DateTimeOffset(1, TimeSpan.Zero)), new(1, "B", "~c~9"), new(1, "a", "~c~0"), new(1, "a", "~c~1"), new(1, "b", "~c~0"), new(2, "a", "~c~1")],
            sorted);
    }
}
