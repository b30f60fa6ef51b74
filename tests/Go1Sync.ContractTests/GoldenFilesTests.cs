using Xunit.Sdk;

namespace Go1Sync.ContractTests;

/// <summary>The approval helper itself: it must fail on any difference and on a missing file, and accept only when asked outside CI.</summary>
public sealed class GoldenFilesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("golden-").FullName;
    private GoldenFiles Files => new(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void GoldenFile_SameText_Passes()
    {
        File.WriteAllText(Path.Combine(_directory, "a.json"), "{\n  \"x\": 1\n}\n");

        Files.Verify("a.json", "{\n  \"x\": 1\n}\n", GoldenMode.Compare);

        Assert.False(File.Exists(Path.Combine(_directory, "a.received.json")));
    }

    [Fact]
    public void GoldenFile_DifferentText_FailsWithALineDiffAndWritesTheReceivedFile()
    {
        File.WriteAllText(Path.Combine(_directory, "a.json"), "{\n  \"x\": 1,\n  \"y\": 2\n}\n");

        var failure = Assert.Throws<FailException>(() => Files.Verify("a.json", "{\n  \"x\": 1,\n  \"y\": 3\n}\n", GoldenMode.Compare));

        Assert.Contains("-   \"y\": 2", failure.Message);
        Assert.Contains("+   \"y\": 3", failure.Message);
        Assert.Contains("GOLDEN_ACCEPT=1", failure.Message);
        Assert.Equal("{\n  \"x\": 1,\n  \"y\": 3\n}\n", File.ReadAllText(Path.Combine(_directory, "a.received.json")));
        Assert.Equal("{\n  \"x\": 1,\n  \"y\": 2\n}\n", File.ReadAllText(Path.Combine(_directory, "a.json")));
    }

    [Fact]
    public void GoldenFile_DifferingOnlyInLineEndings_Fails()
    {
        File.WriteAllText(Path.Combine(_directory, "a.csv"), "h\nr\n");

        var failure = Assert.Throws<FailException>(() => Files.Verify("a.csv", "h\r\nr\r\n", GoldenMode.Compare));

        Assert.Contains("line endings", failure.Message);
    }

    [Fact]
    public void GoldenFile_Missing_FailsAndWritesTheReceivedFile()
    {
        var failure = Assert.Throws<FailException>(() => Files.Verify("new.json", "{}\n", GoldenMode.Compare));

        Assert.Contains("No golden file", failure.Message);
        Assert.False(File.Exists(Path.Combine(_directory, "new.json")));
        Assert.Equal("{}\n", File.ReadAllText(Path.Combine(_directory, "new.received.json")));
    }

    [Fact]
    public void GoldenFile_InAcceptMode_IsRewrittenAndTheReceivedFileRemoved()
    {
        File.WriteAllText(Path.Combine(_directory, "a.json"), "old\n");
        File.WriteAllText(Path.Combine(_directory, "a.received.json"), "new\n");

        Files.Verify("a.json", "new\n", GoldenMode.Accept);

        Assert.Equal("new\n", File.ReadAllText(Path.Combine(_directory, "a.json")));
        Assert.False(File.Exists(Path.Combine(_directory, "a.received.json")));
    }

    [Fact]
    public void GoldenMode_AcceptAskedForInCi_IsRefused()
    {
        var environment = new Dictionary<string, string?> { ["GOLDEN_ACCEPT"] = "1", ["CI"] = "true" };

        Assert.Throws<FailException>(() => GoldenFiles.ModeFrom(name => environment.GetValueOrDefault(name)));
    }

    [Theory]
    [InlineData(null, GoldenMode.Compare)]
    [InlineData("0", GoldenMode.Compare)]
    [InlineData("true", GoldenMode.Compare)]
    [InlineData("1", GoldenMode.Accept)]
    public void GoldenMode_OutsideCi_AcceptsOnlyWithGoldenAcceptOne(string? value, GoldenMode expected)
    {
        Assert.Equal(expected, GoldenFiles.ModeFrom(name => name == "GOLDEN_ACCEPT" ? value : null));
    }

    [Fact]
    public void ReceivedPath_OfAGoldenFile_SitsBesideItBeforeTheExtension()
    {
        Assert.Equal(Path.Combine("x", "tables", "attempts.row.received.json"), GoldenFiles.ReceivedPathOf(Path.Combine("x", "tables", "attempts.row.json")));
    }
}
