#!/usr/bin/env bash
# Runs the app locally: Azurite (disk-backed, in .azurite/) and the Functions host.
#   bash scripts/run-local.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[[ -d node_modules/azurite ]] || npm ci --no-audit --no-fund
[[ -f local.settings.json ]] || { cp local.settings.sample.json local.settings.json; echo "Created local.settings.json from local.settings.sample.json."; }

if ! command -v func >/dev/null 2>&1; then
  cat >&2 <<'MSG'
Azure Functions Core Tools (`func`) is not installed, so the Functions host cannot start here.
Install it with `npm i -g azure-functions-core-tools@4` (it downloads a binary), or run the same
processor against the same storage without the host, through the CLI:
  npx azurite --silent --location .azurite &
  dotnet run --project src/Go1Sync.Cli -- replay --events samples/article-examples.jsonl
MSG
  exit 1
fi

mkdir -p .azurite
npx azurite --silent --location .azurite --skipApiVersionCheck &
azurite_pid=$!
trap 'kill $azurite_pid 2>/dev/null || true' EXIT
cd src/Go1Sync.Functions
func start
