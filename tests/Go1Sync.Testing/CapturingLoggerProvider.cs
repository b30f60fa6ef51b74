using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Go1Sync.Testing;

/// <summary>Keeps every log line with its structured values, scopes and exception text, to search them.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;
    public void Dispose() { }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var parts = new List<string> { $"{logLevel} {category}: {formatter(state, exception)}" };
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
                parts.AddRange(values.Select(v => $"{v.Key}={Render(v.Value)}"));
            owner._scopes.ForEachScope((scope, list) => list.Add($"scope: {Render(scope)}"), parts);
            if (exception is not null) parts.Add(exception.ToString());
            owner.Lines.Enqueue(string.Join(" | ", parts));
        }

        private static string Render(object? value) => value switch
        {
            null => "null",
            string s => s,
            IEnumerable<KeyValuePair<string, object>> pairs => string.Join(",", pairs.Select(p => $"{p.Key}={p.Value}")),
            System.Collections.IEnumerable items => string.Join(",", items.Cast<object?>()),
            _ => value.ToString() ?? "",
        };
    }
}
