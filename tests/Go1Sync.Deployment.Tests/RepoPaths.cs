using System.Reflection;

namespace Go1Sync.Deployment.Tests;

/// <summary>Where the repository and the restored Bicep CLI are on this machine.</summary>
internal static class RepoPaths
{
    private const string BicepPackageId = "azure.bicep.commandline.linux-x64";
    private const string BicepRestoreProject = "infra/tools/BicepCli.proj";

    /// <summary>The folder holding Directory.Build.props, found by walking up from the test binaries.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string InRepo(string relativePath) =>
        Path.Combine(RepoRoot, relativePath.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>
    /// The Bicep CLI restored from NuGet: $NUGET_PACKAGES (else ~/.nuget/packages)/azure.bicep.commandline.linux-x64/&lt;version&gt;/tools/bicep.
    /// Fails (never skips) when it is not there.
    /// </summary>
    public static string BicepCli()
    {
        var version = typeof(RepoPaths).Assembly
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

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Directory.Build.props above {AppContext.BaseDirectory}: cannot find the repository root.");
    }
}
