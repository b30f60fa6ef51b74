namespace Go1Sync.Functions.Functions;

/// <summary>
/// The OpenAPI 3.1 document of every HTTP route (<c>openapi.json</c> beside this project, embedded in
/// the assembly), served as it is checked in. Anonymous: it describes the API and holds no data.
/// OpenApiDocumentTests keep it in step with functions.metadata and the golden answers.
/// </summary>
public sealed class OpenApiDocumentFunction
{
    public const string ResourceName = "Go1Sync.Functions.openapi.json";

    /// <summary>The document's bytes, exactly as checked in.</summary>
    public static byte[] Document { get; } = Load();

    [Function("OpenApiDocument")]
    public IActionResult Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        new DocumentResult(Document);

    private static byte[] Load()
    {
        using var stream = typeof(OpenApiDocumentFunction).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>The bytes as they are: no serializer between the file and the caller.</summary>
    private sealed class DocumentResult(byte[] bytes) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var response = context.HttpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json";
            response.ContentLength = bytes.Length;
            await response.Body.WriteAsync(bytes, context.HttpContext.RequestAborted).ConfigureAwait(false);
        }
    }
}
