using System.Text.RegularExpressions;
using Azure;
using Azure.Identity;
using Microsoft.Extensions.Options;

namespace Go1Sync.Cli;

/// <summary>A failure already worded for the user: one line, and the exit code that goes with it.</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>
/// Turns what a command throws into one line for stderr and an exit code, for every command:
/// an invalid setting names the setting, a storage failure names the option or setting that gave
/// the connection (never its value, which can hold a key). Only a failure nothing here explains
/// (a bug) keeps its stack trace, since that is what a bug report needs.
/// </summary>
internal static partial class CliFailure
{
    public static (int ExitCode, string Message) Describe(Exception exception, string storageSetting)
    {
        var all = Flatten(exception).ToList();

        if (all.OfType<CliException>().FirstOrDefault() is { } cli)
            return (cli.ExitCode, "error: " + cli.Message);

        var invalid = all.OfType<OptionsValidationException>().SelectMany(e => e.Failures).Select(SettingFailure).Distinct().ToList();
        if (invalid.Count > 0)
            return (ExitCodes.Settings, "error: " + string.Join(" ", invalid));

        if (all.Select(e => ConversionFailure().Match(e.Message)).FirstOrDefault(m => m.Success) is { } conversion)
            return (ExitCodes.Settings, $"error: invalid setting {conversion.Groups["key"].Value.Replace(":", "__", StringComparison.Ordinal)}: " +
                $"'{conversion.Groups["value"].Value}' is not a valid {conversion.Groups["type"].Value.Replace("System.", "", StringComparison.Ordinal)}.");

        // Our own start-up checks (e.g. identity-based storage URIs) word their messages as "The setting X ...".
        if (all.FirstOrDefault(e => e is InvalidOperationException && e.Message.StartsWith("The setting ", StringComparison.Ordinal)) is { } setting)
            return (ExitCodes.Settings, "error: " + FirstLine(setting.Message));

        if (all.OfType<AuthenticationFailedException>().FirstOrDefault() is { } auth)
            return (ExitCodes.Settings, $"error: could not get a token for the storage account set by {storageSetting}: {FirstLine(auth.Message)}");

        if (all.OfType<RequestFailedException>().FirstOrDefault() is { } storage)
            return (ExitCodes.Settings, storage.Status == 0
                ? $"error: cannot reach the storage account set by {storageSetting}: {FirstLine(storage.Message)}. Is Azurite running (npm run azurite)? Otherwise fix {storageSetting}."
                : storage.Message.Contains("--skipApiVersionCheck", StringComparison.Ordinal)
                ? $"error: Azurite (set by {storageSetting}) refuses the storage SDK's newer API version: start it with --skipApiVersionCheck, as `npm run azurite` does."
                : $"error: the storage account set by {storageSetting} answered {storage.Status}{(storage.ErrorCode is null ? "" : " " + storage.ErrorCode)}: {FirstLine(storage.Message)}");

        if (exception is OperationCanceledException)
            return (130, "error: cancelled.");

        return (ExitCodes.Internal, $"error: unexpected failure (a bug: please report it with what follows): {exception}");
    }

    /// <summary>
    /// DataAnnotations failures read "... members: 'X' with the error: 'The setting Y must ...'."; our
    /// options word every error that way, so keep that sentence (any other is marked as a setting's).
    /// </summary>
    private static string SettingFailure(string failure)
    {
        var match = DataAnnotationFailure().Match(failure);
        var error = match.Success ? match.Groups["error"].Value : failure;
        return error.StartsWith("The setting ", StringComparison.Ordinal) ? error : "Invalid setting: " + error;
    }

    private static IEnumerable<Exception> Flatten(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten))
                    yield return inner;
                yield break;
            }
        }
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.EndsWith('.') ? line[..^1] : line;
    }

    [GeneratedRegex(@"with the error: '(?<error>.*)'\.?$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex DataAnnotationFailure();

    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>[^']*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex ConversionFailure();
}
