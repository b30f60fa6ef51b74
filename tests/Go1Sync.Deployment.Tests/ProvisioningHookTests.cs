using System.Diagnostics;

namespace Go1Sync.Deployment.Tests;

/// <summary>
/// The azd postprovision hook that makes App Service resolve the Key Vault references again once the
/// identity's roles exist (a reference resolved before its role assignment propagated stays failed for
/// up to a day). The POSIX script is run against a fake Azure CLI that records its calls.
/// </summary>
public sealed class ProvisioningHookTests(CompiledInfrastructure infra) : IClassFixture<CompiledInfrastructure>
{
    private const string RefreshPath = "/config/configreferences/appsettings/refresh?api-version=";
    private const string AppId = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-go1sync-dev/providers/Microsoft.Web/sites/func-go1sync-abc";

    [Fact]
    public void AzureYaml_Postprovision_RunsTheKeyVaultReferenceRefreshOnEveryPlatform()
    {
        var yaml = SimpleYaml.Parse(File.ReadAllText(RepoPaths.InRepo("azure.yaml")));

        foreach (var (platform, shell) in new[] { ("posix", "sh"), ("windows", "pwsh") })
        {
            Assert.Equal(shell, SimpleYaml.At(yaml, "hooks", "postprovision", platform, "shell"));
            var run = SimpleYaml.At(yaml, "hooks", "postprovision", platform, "run") as string;
            Assert.False(string.IsNullOrEmpty(run), $"azure.yaml declares no postprovision {platform} hook.");
            var script = RepoPaths.InRepo(run!.TrimStart('.', '/'));
            Assert.True(File.Exists(script), $"The {platform} postprovision hook {run} does not exist.");
            Assert.Contains(RefreshPath, File.ReadAllText(script), StringComparison.Ordinal);
            Assert.NotEqual("true", SimpleYaml.At(yaml, "hooks", "postprovision", platform, "continueOnError"));
        }
    }

    [Fact]
    public void MainTemplateOutputs_ForTheHook_IncludeTheFunctionAppResourceId()
    {
        var output = infra.Main.Template["outputs"]?["AZURE_FUNCTION_APP_ID"];
        Assert.NotNull(output);
        Assert.Contains("outputs.id.value", output["value"]?.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void PostprovisionHook_ReferencesResolveOnTheSecondTry_RefreshesAgainAndSucceeds()
    {
        using var az = new FakeAzureCli(pendingChecks: 1);

        var result = az.RunHook();

        Assert.True(result.ExitCode == 0, $"The hook failed:\n{result.Output}");
        Assert.Equal(2, az.Calls.Count(c => c.Contains("--method post", StringComparison.Ordinal) && c.Contains(AppId + RefreshPath, StringComparison.Ordinal)));
        Assert.Contains("resolved", result.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void PostprovisionHook_ReferencesStayUnresolved_FailsNamingTheSettingAndItsStatus()
    {
        using var az = new FakeAzureCli(pendingChecks: int.MaxValue);

        var result = az.RunHook(timeoutSeconds: 0);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Webhook__Secrets__0", result.Output, StringComparison.Ordinal);
        Assert.Contains("AccessToKeyVaultDenied", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void PostprovisionHook_ReferencesOnlyInitialized_SucceedsAfterThreeTriesWithoutWaitingForTheTimeout()
    {
        using var az = new FakeAzureCli(pendingChecks: int.MaxValue, status: "Initialized");

        var result = az.RunHook(timeoutSeconds: 3600);

        Assert.True(result.ExitCode == 0, $"The hook failed:\n{result.Output}");
        Assert.Equal(3, az.Calls.Count(c => c.Contains(RefreshPath, StringComparison.Ordinal)));
        Assert.Contains("Initialized", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void PostprovisionHook_WithoutTheAppId_FailsSayingWhatIsMissing()
    {
        using var az = new FakeAzureCli(pendingChecks: 0);

        var result = az.RunHook(appId: "");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("AZURE_FUNCTION_APP_ID", result.Output, StringComparison.Ordinal);
        Assert.Empty(az.Calls);
    }

    /// <summary>An `az` on PATH that logs its arguments and reports a reference as unresolved for the first checks.</summary>
    private sealed class FakeAzureCli : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), $"go1sync-fake-az-{Guid.NewGuid():N}");

        public FakeAzureCli(int pendingChecks, string status = "AccessToKeyVaultDenied")
        {
            Directory.CreateDirectory(_dir);
            File.WriteAllText(Path.Combine(_dir, "pending"), pendingChecks.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var script = Path.Combine(_dir, "az");
            File.WriteAllText(script, """
                #!/bin/sh
                echo "$*" >> "$FAKE_AZ_DIR/calls"
                case "$*" in
                  *"appsettings/refresh"*) exit 0 ;;
                  *"configreferences/appsettings?"*)
                    left=$(cat "$FAKE_AZ_DIR/pending")
                    if [ "$left" -gt 0 ]; then
                      printf 'Webhook__Secrets__0\t%s\tKey Vault reference was not able to be resolved.\n' "$FAKE_AZ_STATUS"
                      echo $((left - 1)) > "$FAKE_AZ_DIR/pending"
                    fi
                    exit 0 ;;
                esac
                echo "fake az: unexpected call: $*" >&2
                exit 2
                """.Replace("\r", "", StringComparison.Ordinal));
            File.WriteAllText(Path.Combine(_dir, "status"), status);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        public IReadOnlyList<string> Calls =>
            File.Exists(Path.Combine(_dir, "calls")) ? File.ReadAllLines(Path.Combine(_dir, "calls")) : [];

        public BicepCli.Result RunHook(string appId = AppId, int timeoutSeconds = 60)
        {
            var startInfo = new ProcessStartInfo("sh")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = RepoPaths.Root,
            };
            startInfo.ArgumentList.Add(RepoPaths.InRepo("infra/hooks/postprovision.sh"));
            startInfo.Environment["PATH"] = $"{_dir}:{Environment.GetEnvironmentVariable("PATH")}";
            startInfo.Environment["FAKE_AZ_DIR"] = _dir;
            startInfo.Environment["FAKE_AZ_STATUS"] = File.ReadAllText(Path.Combine(_dir, "status"));
            startInfo.Environment["AZURE_FUNCTION_APP_ID"] = appId;
            startInfo.Environment["GO1SYNC_KV_REFRESH_TIMEOUT_SECONDS"] = timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            startInfo.Environment["GO1SYNC_KV_REFRESH_INTERVAL_SECONDS"] = "0";

            using var process = Process.Start(startInfo)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("The postprovision hook did not finish within a minute.");
            }

            return new BicepCli.Result(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(_dir, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }
    }
}
