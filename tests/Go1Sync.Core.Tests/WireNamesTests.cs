using System.Text.Json;
using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Tests;

/// <summary>The shared table of the attempt enums' names: complete, one-to-one, and the words stored rows and queued messages hold.</summary>
public sealed class WireNamesTests
{
    [Fact]
    public void AttemptEnumValue_Any_HasOneNameThatReadsBack()
    {
        Assert.Equal(4, WireNames.Enums.Count());
        AssertComplete<AttemptOrigin>();
        AssertComplete<Platform>();
        AssertComplete<AttemptStatus>();
        AssertComplete<AttemptResult>();
    }

    [Fact]
    public void Names_ComparedWithStorageAndTheWire_AreTheWordsAlreadyThere()
    {
        Assert.Equal(["lms-launch", "go1-direct"], Enum.GetValues<AttemptOrigin>().Select(WireNames.Of));
        Assert.Equal(["web", "mobile", "unknown"], Enum.GetValues<Platform>().Select(WireNames.Of));
        Assert.Equal(["open", "completed"], Enum.GetValues<AttemptStatus>().Select(WireNames.Of));
        Assert.Equal(["none", "success", "failed"], Enum.GetValues<AttemptResult>().Select(WireNames.Of));
    }

    [Theory]
    [InlineData("Web")]
    [InlineData("WEB")]
    [InlineData("desktop")]
    [InlineData("")]
    public void Parse_NotExactlyAName_IsRefusedListingTheNames(string text)
    {
        Assert.False(WireNames.TryParse<Platform>(text, out _));
        var error = Assert.Throws<FormatException>(() => WireNames.Parse<Platform>(text));
        Assert.Contains("web, mobile, unknown", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheJsonConverters_WriteAndReadTheNames_AndRefuseAnythingElse()
    {
        var options = new JsonSerializerOptions();
        foreach (var converter in WireNames.JsonConverters()) options.Converters.Add(converter);
        Assert.Equal("\"go1-direct\"", JsonSerializer.Serialize(AttemptOrigin.Go1Direct, options));
        Assert.Equal(AttemptResult.Failed, JsonSerializer.Deserialize<AttemptResult>("\"failed\"", options));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Platform>("\"tablet\"", options));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Platform>("1", options));
    }

    /// <summary>Issue #13: the wire names live in the boundaries' tables and contracts, never on the domain.</summary>
    [Fact]
    public void DomainTypes_Reflected_CarryNoJsonAttributes()
    {
        var domain = typeof(Attempt).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(Attempt).Namespace && !typeof(System.Text.Json.Serialization.JsonConverter).IsAssignableFrom(t))
            .ToList();
        Assert.Contains(typeof(LearnerCourseHistory), domain);
        var attributed = domain
            .SelectMany(t => new System.Reflection.MemberInfo[] { t }.Concat(t.GetMembers(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly)))
            .Where(m => m.GetCustomAttributes(inherit: false).Any(a => a.GetType().Namespace == "System.Text.Json.Serialization"))
            .Select(m => $"{m.DeclaringType?.Name}.{m.Name}")
            .ToList();
        Assert.Empty(attributed);
    }

    private static void AssertComplete<T>() where T : struct, Enum
    {
        var names = Enum.GetValues<T>().Select(WireNames.Of).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        foreach (var value in Enum.GetValues<T>()) Assert.Equal(value, WireNames.Parse<T>(WireNames.Of(value)));
    }
}
