#!/usr/bin/env bash
# Builds and lints the infrastructure templates with the Bicep CLI restored from NuGet.
# Fails on any error and on any warning: a clean run prints only the "ok" lines.
#   bash infra/check.sh
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

dotnet restore infra/tools/BicepCli.proj --verbosity quiet >/dev/null

version="$(sed -n 's:.*<BicepCliVersion>\(.*\)</BicepCliVersion>.*:\1:p' infra/tools/BicepCli.props)"
packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
bicep="$packages/azure.bicep.commandline.linux-x64/$version/tools/bicep"
if [[ ! -f "$bicep" ]]; then
  echo "Bicep CLI not found at $bicep after 'dotnet restore infra/tools/BicepCli.proj'." >&2
  exit 1
fi
[[ -x "$bicep" ]] || chmod +x "$bicep"

# main.bicepparam requires GO1_WEBHOOK_SECRET, LMS_LAUNCH_SECRET, LEARNER_ID_KEY and AUTH_AUDIENCE (no defaults, on purpose: a
# deployment without them would start an app that refuses to run). The check only compiles, so it supplies
# placeholders of the required length when unset.
export GO1_WEBHOOK_SECRET="${GO1_WEBHOOK_SECRET:-infra-check-placeholder-not-a-secret}"
export LMS_LAUNCH_SECRET="${LMS_LAUNCH_SECRET:-infra-check-placeholder-not-a-secret}"
export LEARNER_ID_KEY="${LEARNER_ID_KEY:-aW5mcmEtY2hlY2stcGxhY2Vob2xkZXItbm90LWEta2V5IQ==}"
export AUTH_AUDIENCE="${AUTH_AUDIENCE:-api://00000000-0000-0000-0000-000000000000}"

# build-params resolves readEnvironmentVariable(), so its output may hold secrets: keep it private and short-lived.
out="$(mktemp -d)"
chmod 700 "$out"
trap 'rm -rf "$out"' EXIT

failed=0
# Runs a Bicep command; any non-zero exit or any diagnostic it prints (warning, error, info) fails the check.
run() {
  local label="$1"
  shift
  local log
  if ! log="$("$bicep" "$@" 2>&1)"; then
    printf 'FAIL %s\n%s\n' "$label" "$log" >&2
    failed=1
  elif [[ -n "$log" ]]; then
    printf 'FAIL %s (diagnostics printed)\n%s\n' "$label" "$log" >&2
    failed=1
  else
    printf 'ok   %s\n' "$label"
  fi
}

echo "Bicep CLI: $("$bicep" --version)"
run "build infra/main.bicep" build infra/main.bicep --outfile "$out/main.json"
run "build-params infra/main.bicepparam" build-params infra/main.bicepparam --outfile "$out/main.parameters.json"
run "lint infra/main.bicep" lint infra/main.bicep
run "lint infra/main.bicepparam" lint infra/main.bicepparam
for module in infra/modules/*.bicep; do
  run "lint $module" lint "$module"
done

if [[ "$failed" -ne 0 ]]; then
  echo "infra check failed" >&2
  exit 1
fi
echo "infra check passed: 0 errors, 0 warnings"
