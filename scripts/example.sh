#!/usr/bin/env bash
# Runs `weft` on an example: optimizes examples/callback.wat with -O2, prints
# the per-pass statistics, and shows the optimized module as text.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build -q -p weft
mkdir -p target/example
./target/debug/weft opt examples/callback.wat -O2 --verify=lenient --stats -o target/example/callback.opt.wasm
echo "== optimized module (target/example/callback.opt.wasm) =="
./target/debug/weft opt target/example/callback.opt.wasm -O0 --emit wat
