#!/usr/bin/env bash
# Rebuilds the stream kernels of bench/kernels/*.c into committed .wasm
# files, each twice: bench/kernels/scalar/NAME.wasm (clang -O2 without the
# loop and SLP vectorizers: what weft's loop-vectorize starts from) and
# bench/kernels/simd/NAME.wasm (clang -O3 -msimd128: the reference).
# Tests and the benchmark read the committed files and need no clang; this
# script needs Debian's clang and lld (`apt-get install clang lld`).
set -euo pipefail
cd "$(dirname "$0")/../bench/kernels"
CLANG=${CLANG:-clang}
command -v "$CLANG" >/dev/null || { echo "build-kernels: $CLANG not found (apt-get install clang lld)" >&2; exit 1; }
command -v wasm-ld >/dev/null || { echo "build-kernels: wasm-ld not found (apt-get install lld)" >&2; exit 1; }
mkdir -p scalar simd
# Compiled to an object, then linked by wasm-ld itself: the clang driver
# would run a `wasm-opt` found on PATH after linking, which inlines the
# kernels into the driver.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
build() { # OUT SRC FLAGS...
  local out=$1 src=$2; shift 2
  "$CLANG" --target=wasm32 -ffreestanding -c "$@" -o "$tmp/k.o" "$src"
  wasm-ld --no-entry --export-dynamic -z stack-size=65536 -o "$out" "$tmp/k.o"
}
for src in *.c; do
  name=${src%.c}
  # Scalar: no loop or SLP vectorizer, and no loop unrolling (loop-vectorize
  # works on loops that run one element per trip).
  build "scalar/$name.wasm" "$src" -O2 -fno-vectorize -fno-slp-vectorize -fno-unroll-loops
  build "simd/$name.wasm" "$src" -O3 -msimd128
done
echo "build-kernels: built $(ls scalar | wc -l) kernels with $("$CLANG" --version | head -1)"
