#!/usr/bin/env bash
# The benchmark command: builds the harness (release), finds or installs
# wasm-opt, runs every measurement and writes bench/report.md.
#
#   bash scripts/bench.sh            # full run (about 2 minutes on 2 cores once wasm-opt's
#                                    # cache is warm; ~15 the first time; see bench/README.md)
#   bash scripts/bench.sh --quick    # short run (about a minute)
#
# Any other argument is passed to the harness (`--help` lists them).
# wasm-opt: $WASM_OPT if set; else bench/.tools (npm package binaryen);
# else `wasm-opt` on PATH; else it installs binaryen with npm into
# bench/.tools, or failing that Debian's binaryen with apt-get (as root).
# Set WEFT_BENCH_NO_INSTALL=1 to never install; without wasm-opt the report
# says "wasm-opt not available" and measures weft alone.
# Not a test: it never fails on a timing. It exits 2 when an optimized
# module computes a different checksum (a miscompilation).
set -euo pipefail
cd "$(dirname "$0")/.."

runs() { [ -n "$1" ] && "$1" --version >/dev/null 2>&1; }

find_wasm_opt() {
  local npm_bin=bench/.tools/node_modules/binaryen/bin/wasm-opt
  if [ -n "${WASM_OPT:-}" ] && runs "$WASM_OPT"; then echo "$WASM_OPT"; return; fi
  if runs "$npm_bin"; then echo "$PWD/$npm_bin"; return; fi
  if runs "$(command -v wasm-opt || true)"; then command -v wasm-opt; return; fi
  [ "${WEFT_BENCH_NO_INSTALL:-0}" = 1 ] && return
  if command -v npm >/dev/null 2>&1; then
    echo "bench: installing wasm-opt (npm package binaryen@132) into bench/.tools" >&2
    if npm install --silent --no-audit --no-fund --prefix bench/.tools binaryen@132 >&2 && runs "$npm_bin"; then
      echo "$PWD/$npm_bin"; return
    fi
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bench: installing wasm-opt (Debian package binaryen)" >&2
    if apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq binaryen >&2 \
      && runs "$(command -v wasm-opt || true)"; then
      command -v wasm-opt; return
    fi
  fi
}

wasm_opt="$(find_wasm_opt || true)"
args=()
if [ -n "$wasm_opt" ]; then
  args+=(--wasm-opt "$wasm_opt")
else
  echo "bench: wasm-opt not available; measuring weft alone" >&2
fi

cargo build --release --locked -p weft-bench
exec target/release/weft-bench "${args[@]}" "$@"
