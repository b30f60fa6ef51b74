namespace Go1Sync.Testing;

/// <summary>
/// Where the repository is, found by walking up from the test binaries. The one copy: the
/// Deployment tests, which reference no app project, compile this file in by a link.
/// </summary>

public static class RepoPaths
{
    /// <summary>The repository root: the folder holding Go1Functions.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A path under <see cref="Root"/>, given with forward slashes.</summary>
    public static string InRepo(string relativePath) =>
        Path.Combine(Root, relativePath.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Debug or Release, as this test assembly was built.</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Go1Functions.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"No Go1Functions.sln above {AppContext.BaseDirectory}.");
    }
}
