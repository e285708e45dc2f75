#!/usr/bin/env bash
# Builds (if needed) and runs the benchmarks of bench/, one after the other; prints their
# figures. Not part of CI. Needs root (BPF programs, network namespaces).
#
#   bench/run.sh                       # every benchmark, default sizes
#   bench/run.sh sync_bench            # only the named ones
#   SYNC_BENCH_ARGS="-n 1000 -b 5" bench/run.sh sync_bench   # extra arguments: <NAME>_ARGS
#   BUILD_DIR=/tmp/build bench/run.sh  # build directory (default ./build, as scripts/ use)
set -euo pipefail
cd "$(dirname "$0")/.."

# Every benchmark target of bench/CMakeLists.txt.
BENCHMARKS=(packet_bench sync_bench store_bench cni_bench)

BUILD_DIR=${BUILD_DIR:-build}

if [[ $(id -u) -ne 0 ]]; then
  echo "error: the benchmarks load BPF programs and make network namespaces: run as root (sudo $0)" >&2
  exit 1
fi
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

selected=("$@")
((${#selected[@]})) || selected=("${BENCHMARKS[@]}")
for name in "${selected[@]}"; do
  [[ " ${BENCHMARKS[*]} " == *" $name "* ]] || { echo "error: unknown benchmark '$name' (known: ${BENCHMARKS[*]})" >&2; exit 1; }
done

# Optimised build: figures from a Debug build mean little.
[[ -f "$BUILD_DIR/CMakeCache.txt" ]] || cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target "${selected[@]}" xebec

status=0
for name in "${selected[@]}"; do
  args_var="${name^^}_ARGS"
  read -r -a args <<<"${!args_var:-}"
  echo "=== $name ${args[*]}"
  "$BUILD_DIR/bench/$name" "${args[@]}" || status=1
  echo
done
exit $status
