#!/usr/bin/env bash
# The main job: set up and build (scripts/setup.sh), then run the dataplane demo.
# Until the control plane lands, this is a load-balancer demo in network namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
XEBEC="$PWD/build/cmd/xebec" scripts/demo.sh
