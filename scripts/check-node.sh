#!/usr/bin/env bash
# Says clearly whether Node.js can run the pinned Azurite: an error if node is missing, a warning
# if it is older than the version Azurite declares (package-lock.json), since it may still run.
#   bash scripts/check-node.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v node >/dev/null 2>&1; then
  echo "error: Node.js is not installed: Azurite (the storage emulator, pinned in package.json) needs Node.js 22 or later, and npm." >&2
  exit 1
fi
node -e '
  const azurite = require("./package-lock.json").packages["node_modules/azurite"];
  const wanted = azurite.engines.node;
  const minimum = parseInt(wanted.replace(/^[^0-9]*/, ""), 10);
  const have = process.versions.node;
  if (parseInt(have, 10) < minimum)
    console.error(`warning: Node.js ${have} is older than Azurite ${azurite.version} declares (node ${wanted}). ` +
      `It may still run; if Azurite fails to start, install Node.js ${minimum} or later.`);
'
