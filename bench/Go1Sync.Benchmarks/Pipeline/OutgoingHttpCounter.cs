using System.Diagnostics;

namespace Go1Sync.Benchmarks.Pipeline;

/// <summary>
/// Counts every outgoing HttpClient request of this process (the "System.Net.Http" activity
/// source), split into requests to the storage emulator's ports and everything else. Whatever
/// client a Go1 API adapter uses, its calls land in <see cref="Other"/>.
/// </summary>
public sealed class OutgoingHttpCounter : IDisposable
{
    private readonly HashSet<int> _storagePorts;
    private readonly ActivityListener _listener;
    private long _storage, _other;

    public OutgoingHttpCounter(IEnumerable<int> storagePorts)
    {
        _storagePorts = [.. storagePorts];
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = Count,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public long Storage => Interlocked.Read(ref _storage);
    public long Other => Interlocked.Read(ref _other);

    public void Reset()
    {
        Interlocked.Exchange(ref _storage, 0);
        Interlocked.Exchange(ref _other, 0);
    }

    private void Count(Activity activity)
    {
        var port = activity.GetTagItem("server.port") switch
        {
            int p => p,
            long p => (int)p,
            string s when int.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var p) => p,
            _ => -1,
        };
        var host = activity.GetTagItem("server.address") as string;
        if (host is "127.0.0.1" or "localhost" && _storagePorts.Contains(port)) Interlocked.Increment(ref _storage);
        else Interlocked.Increment(ref _other);
    }

    public void Dispose() => _listener.Dispose();
}
