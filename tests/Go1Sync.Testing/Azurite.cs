using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Go1Sync.Testing;

/// <summary>
/// A real Azurite process from the repository's pinned npm package, on free loopback ports.
/// In memory by default; on disk (<c>--location</c>) when a test needs to stop and restart it.
/// A missing Azurite fails the test with the command that installs it: never a skip.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    public const string AccountName = "devstoreaccount1";
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string? _location;
    private readonly bool _skipApiVersionCheck;
    private Process? _process;
    private readonly List<string> _output = [];

    private Azurite(string? location, bool skipApiVersionCheck = true)
    {
        _location = location;
        _skipApiVersionCheck = skipApiVersionCheck;
        (BlobPort, QueuePort, TablePort) = FreePorts();
    }

    public int BlobPort { get; private set; }
    public int QueuePort { get; private set; }
    public int TablePort { get; private set; }

    /// <summary>
    /// The CPU time (user + system) the emulator's process has used so far: the pipeline benchmark
    /// splits an event's CPU between the app and the storage it calls.
    /// </summary>
    public TimeSpan ProcessorTime
    {
        get
        {
            var process = _process ?? throw new InvalidOperationException("Azurite has not started.");
            process.Refresh();
            return process.TotalProcessorTime;
        }
    }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{AccountName};" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{AccountName};" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/{AccountName};";

    /// <param name="skipApiVersionCheck">False only to see what a user whose Azurite lacks the flag sees: the SDK's requests refused.</param>
    public static async Task<Azurite> StartInMemoryAsync(bool skipApiVersionCheck = true)
    {
        var azurite = new Azurite(null, skipApiVersionCheck);
        await azurite.StartAsync();
        return azurite;
    }

    public static async Task<Azurite> StartOnDiskAsync(string location)
    {
        var azurite = new Azurite(location);
        await azurite.StartAsync();
        return azurite;
    }

    /// <summary>
    /// Starts Azurite; when another process took one of its ports between their choice and Azurite's
    /// bind (EADDRINUSE: tests and Azurites start in parallel), it tries again on new ports.
    /// </summary>
    public async Task StartAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartOnceAsync();
                return;
            }
            catch (PortTakenException) when (attempt < 5 && _location is null)
            {
                (BlobPort, QueuePort, TablePort) = FreePorts();
            }
        }
    }

    private sealed class PortTakenException(string message) : InvalidOperationException(message);

    private async Task StartOnceAsync()
    {
        var executable = Path.Combine(RepoPaths.Root, "node_modules", ".bin", "azurite");
        if (!File.Exists(executable))
            throw new InvalidOperationException(
                $"Azurite is not installed at {executable}. Run `npm ci` in {RepoPaths.Root} (the version is pinned in package.json).");

        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in Arguments()) info.ArgumentList.Add(arg);
        _process = Process.Start(info) ?? throw new InvalidOperationException("Azurite did not start.");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.Add(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.Add(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        foreach (var port in new[] { BlobPort, QueuePort, TablePort })
        {
            while (!await AcceptsAsync(port))
            {
                if (_process.HasExited || DateTime.UtcNow > deadline)
                {
                    // Once exited, WaitForExit also waits for the output streams to be read to their end.
                    if (_process.HasExited) _process.WaitForExit();
                    string output;
                    lock (_output) output = string.Join('\n', _output);
                    var message = $"Azurite did not listen on port {port}. Its output:\n{output}";
                    if (_process.HasExited && output.Contains("EADDRINUSE", StringComparison.Ordinal))
                    {
                        _process.Dispose();
                        _process = null;
                        lock (_output) _output.Clear();
                        throw new PortTakenException(message);
                    }
                    throw new InvalidOperationException(message);
                }
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Graceful stop (SIGTERM), so that a disk-backed Azurite saves what it holds.</summary>
    public async Task StopAsync()
    {
        if (_process is null || _process.HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill!.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _process = null;
    }

    /// <summary>
    /// Graceful stop that does not wait for clients' keep-alive connections: SIGTERM, then, once the
    /// queue and table services have printed "successfully closed" (Azurite prints it after it has
    /// saved their databases to disk and stopped handling requests), the process is ended. Azurite
    /// itself stays up after SIGTERM until every open connection goes away (with pooled SDK clients,
    /// up to <see cref="StopAsync"/>'s 20 s timeout) while requests on those connections hang.
    /// Returns how long the services took to report closed.
    /// </summary>
    public async Task<TimeSpan> StopOnceSavedAsync()
    {
        if (_process is null || _process.HasExited) return TimeSpan.Zero;
        int linesBefore;
        lock (_output) linesBefore = _output.Count;
        var started = Stopwatch.GetTimestamp();
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill!.WaitForExitAsync();

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!_process.HasExited && DateTime.UtcNow < deadline)
        {
            bool closed;
            lock (_output)
            {
                var since = _output.Skip(linesBefore).ToList();
                closed = since.Any(l => l.Contains("Queue service successfully closed", StringComparison.Ordinal))
                    && since.Any(l => l.Contains("Table service successfully closed", StringComparison.Ordinal));
            }
            if (closed) break;
            await Task.Delay(20);
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
        return elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
    }

    private IEnumerable<string> Arguments()
    {
        yield return "--silent";
        if (_skipApiVersionCheck) yield return "--skipApiVersionCheck";
        yield return "--disableProductStyleUrl";
        foreach (var (flag, port) in new[] { ("--blobPort", BlobPort), ("--queuePort", QueuePort), ("--tablePort", TablePort) })
        {
            yield return flag;
            yield return port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        foreach (var flag in new[] { "--blobHost", "--queueHost", "--tableHost" })
        {
            yield return flag;
            yield return "127.0.0.1";
        }
        if (_location is null)
        {
            yield return "--inMemoryPersistence";
        }
        else
        {
            yield return "--location";
            yield return _location;
        }
    }

    /// <summary>Three distinct free ports: all three listeners are held at once, so the system cannot hand out one twice.</summary>
    private static (int Blob, int Queue, int Table) FreePorts()
    {
        var listeners = Enumerable.Range(0, 3).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        try
        {
            foreach (var listener in listeners) listener.Start();
            var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
            return (ports[0], ports[1], ports[2]);
        }
        finally
        {
            foreach (var listener in listeners) listener.Stop();
        }
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
