using Microsoft.Extensions.Options;

namespace Go1Sync.Testing;

/// <summary>
/// Start-ups the app must refuse: the host started with some settings has to throw an
/// <see cref="OptionsValidationException"/> (exactly that type), whose message the test then holds
/// to naming the setting. Anything else fails the test: a start-up that succeeds, or another
/// exception (rethrown as it is).
/// </summary>
public static class StartupRefusal
{
    /// <summary>The message of the refusal of <paramref name="start"/>.</summary>
    public static Task<string> MessageAsync(Func<Task> start) => MessageAsync<OptionsValidationException>(start);

    /// <summary>The message of the refusal of <paramref name="start"/>, which must throw exactly <typeparamref name="TException"/>.</summary>
    public static async Task<string> MessageAsync<TException>(Func<Task> start) where TException : Exception
    {
        try
        {
            await start();
        }
        catch (Exception e) when (e.GetType() == typeof(TException))
        {
            return e.Message;
        }
        throw new InvalidOperationException($"Start-up was not refused: expected {typeof(TException).Name}.");
    }

    /// <summary>The message of the refusal of the test host started with <paramref name="settings"/>.</summary>
    public static Task<string> MessageAsync(Azurite azurite, Action<Dictionary<string, string?>> settings) =>
        MessageAsync(async () => { await using var host = await Go1SyncTestHost.StartAsync(azurite, settings); });

    /// <summary>The message of the refusal of the test host started with <paramref name="key"/> set to <paramref name="value"/>.</summary>
    public static Task<string> MessageAsync(Azurite azurite, string key, string? value) => MessageAsync(azurite, s => s[key] = value);

    /// <summary>
    /// What an Azure deployment sets (as <paramref name="marker"/>: the host's variable that says
    /// it runs in Azure): a learner-id key, signed launches with a secret, tokens from an Entra
    /// authority. A test then takes back or changes the one setting it is about, so that only that
    /// setting is at fault.
    /// </summary>
    public static void InAzure(Dictionary<string, string?> s, string marker = "WEBSITE_INSTANCE_ID")
    {
        s[marker] = marker == "WEBSITE_INSTANCE_ID" ? "0123abcd" : "func-go1sync-test";
        s["Learners:IdKey"] = LearnerIdKeys.New();
        s["Launch:AllowUnsigned"] = "false";
        s["Launch:Secrets:0"] = "launch-secret-0123456789abcdef";
        s["Auth:AllowUnauthenticated"] = "false";
        s["Auth:Authority"] = "https://login.microsoftonline.com/7d1b5c1e-0000-4000-8000-00000000a11d/v2.0";
        s["Auth:Audience"] = "api://go1sync-test";
    }
}
