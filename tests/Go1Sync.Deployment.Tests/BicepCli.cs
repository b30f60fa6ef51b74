using System.Reflection;
using System.Diagnostics;

namespace Go1Sync.Deployment.Tests;

/// <summary>Runs the restored Bicep CLI.</summary>
internal static class BicepCli
{
    private const string BicepPackageId = "azure.bicep.commandline.linux-x64";
    private const string BicepRestoreProject = "infra/tools/BicepCli.proj";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public sealed record Result(int ExitCode, string StandardOutput, string StandardError)
    {
        /// <summary>Everything the CLI printed; Bicep prints its diagnostics (warnings, errors) here.</summary>
        public string Output => (StandardOutput + StandardError).Trim();
    }

    public static Result Run(params string[] arguments) => Run(new Dictionary<string, string?>(), arguments);

    /// <summary>Runs the CLI with environment variables set (a null value removes the variable).</summary>
    public static Result Run(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(Executable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start {startInfo.FileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish within {Timeout}.");
        }

        return new Result(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    /// <summary>
    /// The Bicep CLI restored from NuGet: $NUGET_PACKAGES (else ~/.nuget/packages)/azure.bicep.commandline.linux-x64/&lt;version&gt;/tools/bicep.
    /// Fails (never skips) when it is not there.
    /// </summary>
    private static string Executable()
    {
        var version = typeof(BicepCli).Assembly
            .GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "BicepCliVersion")?.Value;
        if (string.IsNullOrEmpty(version))
        {
            throw new InvalidOperationException("The test assembly has no BicepCliVersion metadata; is infra/tools/BicepCli.props imported?");
        }

        var packagesRoot = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrWhiteSpace(packagesRoot))
        {
            packagesRoot = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }

        var cli = Path.Combine(packagesRoot, BicepPackageId, version, "tools", "bicep");
        if (!File.Exists(cli))
        {
            throw new InvalidOperationException(
                $"The Bicep CLI {version} is not at {cli}. Run `dotnet restore {BicepRestoreProject}` from the repository root first.");
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(cli);
            const UnixFileMode execute = UnixFileMode.UserExecute;
            if ((mode & execute) == 0)
            {
                File.SetUnixFileMode(cli, mode | execute);
            }
        }

        return cli;
    }
}
