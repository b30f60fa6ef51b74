#!/bin/sh
# azd postprovision hook (azure.yaml): make App Service resolve the function app's Key Vault references
# now, and wait until every one of them is resolved.
#
# Why: App Service resolves a Key Vault reference when the app starts and caches the result for up to a
# day, failures included. On a first provisioning the app exists before its role assignments have
# propagated, so Webhook__Secrets__0 (and Go1__ClientSecret) can be cached as "access denied": the app's
# start-up validation then rejects the setting and no function runs, the queue trigger and timers included.
# The documented refresh endpoint, POST <site id>/config/configreferences/appsettings/refresh, re-resolves
# them; this script repeats it until the status of every reference is Resolved (or, with no failure, still
# Initialized after three tries), or gives up after the timeout and fails.
#
# Needs the Azure CLI, signed in (`az login`) with read/write access to the function app.
# Without azd: AZURE_FUNCTION_APP_ID=<the AZURE_FUNCTION_APP_ID output> sh infra/hooks/postprovision.sh
#
# Environment:
#   AZURE_FUNCTION_APP_ID                  resource id of the function app (an output of infra/main.bicep)
#   GO1SYNC_KV_REFRESH_TIMEOUT_SECONDS     how long to keep trying (default 600: role assignments usually
#                                          propagate within minutes)
#   GO1SYNC_KV_REFRESH_INTERVAL_SECONDS    pause between tries (default 30)
set -eu

app_id="${AZURE_FUNCTION_APP_ID:-}"
timeout="${GO1SYNC_KV_REFRESH_TIMEOUT_SECONDS:-600}"
interval="${GO1SYNC_KV_REFRESH_INTERVAL_SECONDS:-30}"
api_version="2022-03-01"

if [ -z "$app_id" ]; then
  echo "postprovision: AZURE_FUNCTION_APP_ID is not set. It is an output of infra/main.bicep; azd sets it after provisioning." >&2
  exit 1
fi
if ! command -v az >/dev/null 2>&1; then
  echo "postprovision: the Azure CLI (az) is needed to refresh the app's Key Vault references. Install it, run 'az login', then 'azd hooks run postprovision'." >&2
  exit 1
fi

started=$(date +%s)
initialized_only=0
while :; do
  # A relative URL goes to the Resource Manager endpoint of the cloud az is signed in to.
  az rest --method post --url "${app_id}/config/configreferences/appsettings/refresh?api-version=${api_version}" --output none
  pending=$(az rest --method get --url "${app_id}/config/configreferences/appsettings?api-version=${api_version}" \
    --query "value[?properties.status!='Resolved'].[name, properties.status, properties.details]" --output tsv)
  if [ -z "$pending" ]; then
    echo "postprovision: every Key Vault reference of the function app is resolved."
    exit 0
  fi
  # "Initialized" is not a failure: the reference has not been resolved yet (nothing has asked for it). Give it
  # a few tries, then leave it to the app's start rather than holding up the deployment.
  failed=$(printf '%s\n' "$pending" | awk -F '\t' '$2 != "Initialized"')
  if [ -z "$failed" ]; then
    initialized_only=$((initialized_only + 1))
    if [ "$initialized_only" -ge 3 ]; then
      echo "postprovision: no Key Vault reference failed; not yet resolved (Initialized), App Service resolves them when the app starts:"
      printf '%s\n' "$pending"
      exit 0
    fi
  fi

  now=$(date +%s)
  if [ $((now - started)) -ge "$timeout" ]; then
    echo "postprovision: Key Vault references still unresolved after ${timeout} s (setting, status, details):" >&2
    echo "$pending" >&2
    echo "The app cannot start until they resolve: check the identity's Key Vault Secrets User role on each secret, that the secrets exist, and (private networking) the vault's private endpoint and DNS zone. Then run 'azd hooks run postprovision' again." >&2
    exit 1
  fi

  echo "postprovision: waiting for Key Vault references (role assignments may still be propagating):"
  echo "$pending"
  sleep "$interval"
done
