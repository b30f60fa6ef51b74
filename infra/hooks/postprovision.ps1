# azd postprovision hook (azure.yaml), Windows twin of postprovision.sh: make App Service resolve the
# function app's Key Vault references now and wait until every one of them is resolved.
#
# Why: App Service resolves a Key Vault reference when the app starts and caches the result for up to a
# day, failures included. On a first provisioning the app exists before its role assignments have
# propagated, so a reference can be cached as "access denied" and the app's start-up validation then stops
# every function. POST <site id>/config/configreferences/appsettings/refresh re-resolves them.
#
# Needs the Azure CLI, signed in (`az login`). Same environment variables as postprovision.sh.
$ErrorActionPreference = 'Stop'

$appId = $env:AZURE_FUNCTION_APP_ID
$timeout = if ($env:GO1SYNC_KV_REFRESH_TIMEOUT_SECONDS) { [int]$env:GO1SYNC_KV_REFRESH_TIMEOUT_SECONDS } else { 600 }
$interval = if ($env:GO1SYNC_KV_REFRESH_INTERVAL_SECONDS) { [int]$env:GO1SYNC_KV_REFRESH_INTERVAL_SECONDS } else { 30 }
$apiVersion = '2022-03-01'

if (-not $appId) {
    Write-Error 'postprovision: AZURE_FUNCTION_APP_ID is not set. It is an output of infra/main.bicep; azd sets it after provisioning.'
    exit 1
}
if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
    Write-Error "postprovision: the Azure CLI (az) is needed to refresh the app's Key Vault references. Install it, run 'az login', then 'azd hooks run postprovision'."
    exit 1
}

$started = Get-Date
$initializedOnly = 0
while ($true) {
    az rest --method post --url "$appId/config/configreferences/appsettings/refresh?api-version=$apiVersion" --output none
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    $pending = az rest --method get --url "$appId/config/configreferences/appsettings?api-version=$apiVersion" `
        --query "value[?properties.status!='Resolved'].[name, properties.status, properties.details]" --output tsv
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    if (-not $pending) {
        Write-Host 'postprovision: every Key Vault reference of the function app is resolved.'
        exit 0
    }
    # "Initialized" is not a failure (not resolved yet): a few tries, then leave it to the app's start.
    $failed = @($pending | Where-Object { ($_ -split "`t")[1] -ne 'Initialized' })
    if ($failed.Count -eq 0) {
        $initializedOnly++
        if ($initializedOnly -ge 3) {
            Write-Host 'postprovision: no Key Vault reference failed; not yet resolved (Initialized), App Service resolves them when the app starts:'
            $pending | ForEach-Object { Write-Host $_ }
            exit 0
        }
    }

    if (((Get-Date) - $started).TotalSeconds -ge $timeout) {
        Write-Host "postprovision: Key Vault references still unresolved after $timeout s (setting, status, details):"
        $pending | ForEach-Object { Write-Host $_ }
        Write-Error "The app cannot start until they resolve: check the identity's Key Vault Secrets User role on each secret, that the secrets exist, and (private networking) the vault's private endpoint and DNS zone. Then run 'azd hooks run postprovision' again."
        exit 1
    }

    Write-Host 'postprovision: waiting for Key Vault references (role assignments may still be propagating):'
    $pending | ForEach-Object { Write-Host $_ }
    Start-Sleep -Seconds $interval
}
