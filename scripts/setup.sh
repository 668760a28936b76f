#!/usr/bin/env bash
# Installs what weft needs on a fresh Debian machine: Z3's headers and
# library (the `z3` crate links against the system libz3), and the jco
# client of the tests (scripts/jco-setup.sh: npm packages in a cache
# outside the repository). Idempotent.
set -euo pipefail
need_z3=0
# `grep` reads all of ldconfig's output (no -q): under pipefail, `grep -q`
# stopping early would kill ldconfig with SIGPIPE and fail the pipeline.
if ! { [ -f /usr/include/z3.h ] && ldconfig -p 2>/dev/null | grep libz3 >/dev/null; }; then need_z3=1; fi
if [ "$need_z3" = 1 ]; then
  echo "setup: installing libz3-dev" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libz3-dev >/dev/null
fi
if [ ! -d "$(dirname "$0")/../../shared" ]; then
  echo "setup: note: ../shared (test corpus) is missing beside the project; corpus tests will fail with a message naming it" >&2
fi
bash "$(dirname "$0")/jco-setup.sh"
