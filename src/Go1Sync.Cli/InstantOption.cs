using System.CommandLine;

namespace Go1Sync.Cli;

/// <summary>
/// Every option that takes an instant (--now, --since, --until) is made here, so the whole CLI
/// reads instants with the parser every input uses (<see cref="Instants.TryParseIso8601"/>:
/// ISO-8601 with an offset, nothing guessed) and refuses a bad one with its one message
/// (<see cref="Instants.Invalid"/>) naming the option given.
/// </summary>
internal static class InstantOption
{
    public static Option<DateTimeOffset?> Create(string name, string description, bool required = false) => new(name)
    {
        Description = $"{description} ISO-8601 with an offset or Z, e.g. 2025-01-15T00:00:00Z.",
        Required = required,
        HelpName = "instant",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Join(' ', result.Tokens.Select(t => t.Value));
            if (Instants.TryParseIso8601(text, out var instant)) return instant;
            result.AddError(Instants.Invalid(name));
            return null;
        },
    };
}
