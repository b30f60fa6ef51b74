using System.Text;

namespace Go1Sync.ContractTests.Support;

/// <summary>What a golden comparison does: compare with the checked-in file, or (deliberately) rewrite it.</summary>
public enum GoldenMode
{
    Compare,
    Accept,
}

/// <summary>
/// Approval files: the output of the production code is compared, as exact text, with a file
/// checked in under <c>Golden/</c>. A difference (or a missing file) fails the test with a line
/// diff and leaves the output next to the golden as <c>NAME.received.EXT</c>. Only
/// <c>GOLDEN_ACCEPT=1</c> rewrites golden files, and never in CI (<c>CI=true</c>): a contract
/// changes by a reviewed commit, not by a test run.
/// </summary>
public sealed class GoldenFiles(string directory)
{
    public const string AcceptVariable = "GOLDEN_ACCEPT";

    /// <summary>The checked-in golden files of this project, in the source tree (not the build output).</summary>
    public static GoldenFiles Checked { get; } = new(Path.Combine(RepoPaths.Root, "tests", "Go1Sync.ContractTests", "Golden"));

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    public string Directory { get; } = directory;

    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary><c>a/b.entity.json</c> gives <c>a/b.entity.received.json</c>.</summary>
    public static string ReceivedPathOf(string goldenPath)
    {
        var extension = Path.GetExtension(goldenPath);
        return goldenPath[..^extension.Length] + ".received" + extension;
    }

    /// <summary>
    /// The mode the environment asks for: <see cref="GoldenMode.Accept"/> only with
    /// <c>GOLDEN_ACCEPT=1</c>; asking for it in CI is itself a failure.
    /// </summary>
    public static GoldenMode ModeFrom(Func<string, string?> environment)
    {
        if (environment(AcceptVariable) != "1") return GoldenMode.Compare;
        if (string.Equals(environment("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Assert.Fail($"{AcceptVariable}=1 is refused in CI: golden files change only by a commit that says why (see tests/Go1Sync.ContractTests/README.md).");
        return GoldenMode.Accept;
    }

    public void Verify(string name, string actual) => Verify(name, actual, ModeFrom(Environment.GetEnvironmentVariable));

    public void Verify(string name, string actual, GoldenMode mode)
    {
        var path = PathOf(name);
        var received = ReceivedPathOf(path);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (mode == GoldenMode.Accept)
        {
            File.WriteAllText(path, actual, Utf8NoBom);
            File.Delete(received);
            return;
        }

        if (!File.Exists(path))
        {
            File.WriteAllText(received, actual, Utf8NoBom);
            Assert.Fail($"No golden file {path}. The output is in {received}; if it is right, accept it with " +
                $"`{AcceptVariable}=1 dotnet test tests/Go1Sync.ContractTests` and commit the file.");
        }

        var expected = File.ReadAllText(path, Utf8NoBom);
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, actual, Utf8NoBom);
        Assert.Fail($"The output differs from the golden file {path} (output written to {received}).\n" +
            "A contract that outlives a process changed: a later release or a stored row will read it. If the change is deliberate, " +
            $"run `{AcceptVariable}=1 dotnet test tests/Go1Sync.ContractTests` and commit the golden file saying why.\n" +
            "--- golden\n+++ output\n" + LineDiff.Render(expected, actual));
    }
}
