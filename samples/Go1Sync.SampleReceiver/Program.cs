// Usage: RECEIVER_SECRET=whsec_... dotnet run --project samples/Go1Sync.SampleReceiver --urls http://127.0.0.1:5080
// then set Outbound__Url=http://127.0.0.1:5080/webhooks/go1sync and Outbound__Secret to the same secret.
var secret = Environment.GetEnvironmentVariable("RECEIVER_SECRET");
if (string.IsNullOrWhiteSpace(secret))
{
    Console.Error.WriteLine("Set RECEIVER_SECRET to the app's Outbound__Secret (whsec_...).");
    return 3;
}
var app = Go1Sync.SampleReceiver.SampleReceiverApp.Build(args, secret, Console.Out);
await app.RunAsync();
return 0;
