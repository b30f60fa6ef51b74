using System.Text.Json;

namespace Go1Sync.Core.Attempts;

/// <summary>The enums' names on the wire and in storage ("lms-launch", "success", …), from their JSON attributes.</summary>
public static class WireNames
{
    public static string Of<T>(T value) where T : struct, Enum => JsonSerializer.Serialize(value).Trim('"');

    public static T Parse<T>(string value) where T : struct, Enum => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(value));
}
