#!/usr/bin/env bash
# Prepares a Debian 12 machine for Xebec and builds it: installs the packages it needs,
# mounts the BPF filesystem, and builds everything into ./build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
  echo "error: Xebec loads BPF programs and makes network namespaces: run as root (sudo $0)" >&2
  exit 1
fi

packages=(build-essential cmake pkg-config clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
  libsqlite3-dev libcli11-dev catch2 nlohmann-json3-dev libyaml-cpp-dev libssl-dev libboost-dev etcd-server curl python3 iproute2 iptables ethtool busybox-static
  libnl-3-dev libnl-route-3-dev podman runc containernetworking-plugins)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
# The CNI plugins go where runtimes look for them (/opt/cni/bin, /usr/lib/cni).
cmake --install build --component cni >/dev/null
