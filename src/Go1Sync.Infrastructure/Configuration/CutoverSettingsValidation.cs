using Microsoft.Extensions.Configuration;

namespace Go1Sync.Infrastructure.Configuration;

/// <summary>
/// The <c>Cutovers__*</c> settings are instants from outside like any other: read by the one
/// strict reader (<see cref="Instants.TryParseIso8601"/>), so <c>2024-12-19</c> or a time without
/// offset, which the configuration binder would read in the machine's time zone, stops the app
/// with the one message naming the setting.
/// </summary>
internal sealed class CutoverSettingsValidation(IConfiguration section) : IValidateOptions<CutoverOptions>
{
    private static readonly string[] Keys = [nameof(CutoverOptions.Connector), nameof(CutoverOptions.WebLaunch), nameof(CutoverOptions.MobileLaunch)];

    public ValidateOptionsResult Validate(string? name, CutoverOptions options)
    {
        var failures = Keys
            .Where(key => section[key] is { } text && !Instants.TryParseIso8601(text, out _))
            .Select(key => $"The setting {Instants.Invalid($"{CutoverOptions.Section}__{key}")}")
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
