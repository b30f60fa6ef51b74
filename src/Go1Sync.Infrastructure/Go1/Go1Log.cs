namespace Go1Sync.Infrastructure.Go1;

/// <summary>
/// Every log line of the Go1 client. None takes a secret, a token or an email in clear:
/// emails go through <see cref="Go1Sync.Core.Learners.LearnerEmail.Mask"/>.
/// </summary>
internal static partial class Go1Log
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Obtained a Go1 access token valid for {LifetimeSeconds} s")]
    public static partial void TokenObtained(ILogger logger, int lifetimeSeconds);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Error, Message = "Go1's token endpoint refused the client credentials with status {StatusCode}")]
    public static partial void TokenRefused(ILogger logger, int statusCode);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Go1 rejected the cached access token; it will be refreshed")]
    public static partial void TokenInvalidated(ILogger logger);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Go1 answered 401 to {Operation} {ResourceId}: refreshing the token and trying once more")]
    public static partial void Unauthorized(ILogger logger, string operation, string resourceId);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Debug, Message = "Go1 {Operation} {ResourceId} answered {StatusCode} in {ElapsedMs} ms")]
    public static partial void Answered(ILogger logger, string operation, string resourceId, int statusCode, long elapsedMs);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning, Message = "Go1 {Operation} {ResourceId} failed with status {StatusCode}")]
    public static partial void Failed(ILogger logger, string operation, string resourceId, int statusCode);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Information, Message = "Go1 has no {Operation} {ResourceId} (404)")]
    public static partial void NotFound(ILogger logger, string operation, string resourceId);
}
