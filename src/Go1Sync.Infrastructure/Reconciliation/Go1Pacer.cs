namespace Go1Sync.Infrastructure.Reconciliation;

/// <summary>
/// Spaces requests to Go1 evenly at a rate (Go1 publishes no limit, so we set our own). Time comes
/// from <see cref="TimeProvider"/>; a 429 with <c>Retry-After</c> is honoured by the HTTP client's
/// resilience handler on top of this.
/// </summary>
public sealed class Go1Pacer(double requestsPerSecond, TimeProvider time)
{
    private readonly TimeSpan _interval = TimeSpan.FromSeconds(1 / requestsPerSecond);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DateTimeOffset _next = DateTimeOffset.MinValue;

    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            if (_next > now)
            {
                await Task.Delay(_next - now, time, cancellationToken).ConfigureAwait(false);
                now = _next;
            }
            _next = now + _interval;
        }
        finally
        {
            _gate.Release();
        }
    }
}
