#!/usr/bin/env bash
# The test command: set up and build (scripts/setup.sh), then run every test through CTest.
# The BPF and network-namespace tests need root; they fail, not skip, without it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ctest --test-dir build --output-on-failure "$@"
