#!/usr/bin/env bash
# Runs the app locally against Azurite (data kept in .azurite/):
#   bash scripts/run-local.sh
# With Azure Functions Core Tools (`func`): Azurite and the Functions host; send requests.http.
# Without: Azurite, then the CLI, which runs the same processor against the same tables, applies
# samples/article-examples.jsonl (go1sync replay), processes what waits in the events queue
# (go1sync drain) and prints the course's statistics (go1sync stats). Azurite stops on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/check-node.sh
[[ -d node_modules/azurite ]] || npm ci --no-audit --no-fund
[[ -f local.settings.json ]] || { cp local.settings.sample.json local.settings.json; echo "Created local.settings.json from local.settings.sample.json."; }

azurite_pid=""
azurite_log="$PWD/.azurite/azurite.log"
stop_azurite() {
  [[ -n "$azurite_pid" ]] || return 0
  # Its own process group (npm, sh, Azurite). SIGTERM makes Azurite save .azurite/ and close its
  # services; its process can then linger for a while, so once all three say "successfully
  # closed" (the same signal the tests' Azurite.StopOnceSavedAsync waits for) the group is ended.
  kill -TERM -- "-$azurite_pid" 2>/dev/null || true
  local stopped="" closed
  for _ in $(seq 1 200); do
    closed=$(grep -c "service successfully closed" "$azurite_log" || true)
    if [[ "$closed" -ge 3 ]]; then stopped="saved"; break; fi
    if ! kill -0 -- "-$azurite_pid" 2>/dev/null; then stopped="exited"; break; fi
    sleep 0.1
  done
  kill -KILL -- "-$azurite_pid" 2>/dev/null || true
  wait "$azurite_pid" 2>/dev/null || true
  case "$stopped" in
    saved) echo "Azurite stopped (data saved in .azurite/)." ;;
    exited) echo "Azurite stopped." ;;
    *) echo "Azurite did not close within 20 s and was killed." ;;
  esac
}
trap stop_azurite EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_azurite() {
  if listening 10000 || listening 10001 || listening 10002; then
    echo "Something already listens on Azurite's ports (127.0.0.1:10000-10002); using it and leaving it running."
    echo "(If it is an Azurite started without --skipApiVersionCheck, every storage call is refused: stop it and run this again.)"
    return 0
  fi
  mkdir -p .azurite
  # The package.json script: azurite --silent --location .azurite --skipApiVersionCheck.
  set -m
  npm run --silent azurite >"$azurite_log" 2>&1 &
  azurite_pid=$!
  set +m
  for _ in $(seq 1 300); do
    if listening 10000 && listening 10001 && listening 10002; then
      echo "Azurite is running on 127.0.0.1:10000-10002 (data in .azurite/, log in .azurite/azurite.log)."
      return 0
    fi
    if ! kill -0 "$azurite_pid" 2>/dev/null; then
      azurite_pid=""
      echo "error: Azurite exited at start. Its log (.azurite/azurite.log):" >&2
      cat "$azurite_log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "error: Azurite did not listen on 127.0.0.1:10000-10002 within 30 s (log: .azurite/azurite.log)." >&2
  exit 1
}

if command -v func >/dev/null 2>&1; then
  start_azurite
  (cd src/Go1Sync.Functions && func start)
  exit
fi

cat <<'MSG'
Azure Functions Core Tools (`func`) is not installed, so the Functions host cannot start here
(install it with `npm i -g azure-functions-core-tools@4`; it downloads a binary). Running the
same processor against the same storage through the CLI instead.
MSG
start_azurite
# Local storage, whatever the shell's environment says.
export AzureWebJobsStorage=UseDevelopmentStorage=true
go1sync() {
  echo "== go1sync $*"
  dotnet run --no-build --project src/Go1Sync.Cli -- "$@"
}
echo "== dotnet build src/Go1Sync.Cli"
dotnet build src/Go1Sync.Cli --nologo -v quiet
go1sync replay --events samples/article-examples.jsonl
go1sync drain
go1sync stats --course go1-course-5h
