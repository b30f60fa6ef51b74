namespace Go1Sync.Infrastructure.Tests;

/// <summary>The operators' CLI through its real command parser, on a test's Azurite.</summary>
internal static class CliRuns
{
    public static async Task<(int Exit, string Out, string Err)> RunAsync(Azurite azurite, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await Go1Sync.Cli.Cli.RunAsync([.. args, "--storage", azurite.ConnectionString], stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
