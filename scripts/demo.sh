#!/usr/bin/env bash
# The dataplane demo: a node, a client, three HTTP backends and an outside host in network
# namespaces; a VIP and a NodePort balanced by Xebec's BPF programs; everything removed after.
#
#   XEBEC=./build/cmd/xebec scripts/demo.sh      (as root; N=30 sets the number of requests)
#
# Safety: every address, route, sysctl and program lives in namespaces this script makes
# (xebec-demo<pid>-*); the machine's own namespace is only read. Builds nothing.
set -euo pipefail

XEBEC=${XEBEC:-./build/cmd/xebec}
N=${N:-30}
P=xebec-demo$$
NODE=$P-node
ROOT=/sys/fs/bpf/xebec/$P
WWW=
VIP=10.96.0.10
NODE_IP=10.250.0.11
NODE_PORT=30080
GATEWAY=10.244.1.1 # the node's address on every pod veth
BACKENDS=(10.244.1.11 10.244.1.12 10.244.1.13)

BOLD='' PLAIN=''
if [[ -t 1 ]]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; fi
say() { printf '\n%s== %s%s\n' "$BOLD" "$*" "$PLAIN"; }
die() { echo "demo: $*" >&2; exit 1; }
indent() { sed 's/^/   /'; }

# `ip netns exec` remounts /sys, which hides the BPF filesystem; nsenter changes only the
# network namespace.
xebec() { nsenter --net="/run/netns/$NODE" "$XEBEC" bpf --bpf-root "$ROOT" "$@"; }

namespaces() { ip netns list | awk '{print $1}' | grep "^$1-" || true; }

# Ends the processes inside our namespaces (the HTTP servers), then the namespaces (their
# veths and attached programs go with them), then the pins.
remove_demo() {
	local prefix=$1 ns pid
	for ns in $(namespaces "$prefix"); do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
	done
	for ns in $(namespaces "$prefix"); do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "/sys/fs/bpf/xebec/$prefix" "/tmp/$prefix".* || true
}

cleanup() { remove_demo "$P"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Leftovers of demos killed before their cleanup ran carry the pid of a process now gone.
sweep_leftovers() {
	local prefix
	for prefix in $({
		ip netns list | awk '{print $1}'
		ls /tmp /sys/fs/bpf/xebec 2>/dev/null
	} | grep -o '^xebec-demo[0-9]*' | sort -u); do
		kill -0 "${prefix#xebec-demo}" 2>/dev/null || remove_demo "$prefix"
	done
}

preflight() {
	[[ $EUID -eq 0 ]] || die "run as root: the demo makes network namespaces and loads BPF programs"
	[[ -x $XEBEC ]] || die "no xebec binary at $XEBEC (build first, or set XEBEC=path)"
	command -v busybox >/dev/null || die "busybox is missing (apt-get install busybox-static)"
	local applet
	for applet in httpd wget; do
		busybox --list | grep -qx "$applet" || die "this busybox has no $applet applet (apt-get install busybox-static)"
	done
	[[ $(stat -f -c %T /sys/fs/bpf 2>/dev/null) == bpf_fs ]] || die "no BPF filesystem at /sys/fs/bpf (mount -t bpf bpf /sys/fs/bpf)"
}

make_node() {
	ip netns add "$NODE"
	ip -n "$NODE" link set lo up
	# rp_filter off: reverse-NATed replies carry the VIP as source, which no route leads back to
	ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
	ip -n "$NODE" route add blackhole default
}

# add_pod NAME IP: a pod namespace and its veth, made inside the namespaces; the host side
# (h-NAME) sits in the node with the gateway address and gets the tc programs.
add_pod() {
	local ns=$P-$1 host=h-$1 net
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip -n "$NODE" link add "$host" type veth peer name eth0 netns "$ns"
	ip -n "$NODE" addr add "$GATEWAY/32" dev "$host"
	ip -n "$NODE" link set "$host" up
	ip -n "$NODE" route add "$2/32" dev "$host"
	ip -n "$ns" addr add "$2/32" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add "$GATEWAY" dev eth0 scope link
	for net in 10.244.0.0/16 10.96.0.0/12 10.250.0.0/24; do
		ip -n "$ns" route add "$net" via "$GATEWAY" dev eth0
	done
	ip -n "$ns" route add blackhole default # nothing leaves the fabric
	xebec attach --pod-iface "$host" >/dev/null
}

add_outside() {
	local ns=$P-outside
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip -n "$NODE" link add up0 type veth peer name eth0 netns "$ns"
	ip -n "$NODE" addr add "$NODE_IP/24" dev up0
	ip -n "$NODE" link set up0 up
	ip -n "$ns" addr add 10.250.0.100/24 dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add blackhole default
	xebec attach --uplink-iface up0 >/dev/null
}

# start_backend I: busybox httpd in pod bI serving a page that names it.
start_backend() {
	local i=$1 ip=${BACKENDS[$(($1 - 1))]}
	mkdir -p "$WWW/b$i"
	echo "backend-$i" >"$WWW/b$i/index.html"
	ip netns exec "$P-b$i" busybox httpd -f -p "$ip:80" -h "$WWW/b$i" &
}

# Waits (bounded) until each backend answers the client directly, without the VIP.
wait_for_backends() {
	local ip
	for ip in "${BACKENDS[@]}"; do
		for _ in $(seq 50); do
			ip netns exec "$P-client" timeout 2 busybox wget -q -O /dev/null "http://$ip/" 2>/dev/null && continue 2
			sleep 0.1
		done
		die "backend $ip does not answer"
	done
}

FAILED=0
# fetch NS URL COUNT: COUNT requests, then a bar per backend that answered. (busybox 1.35
# wget crashes with -T, so coreutils timeout bounds each request.)
fetch() {
	local ns=$1 url=$2 count=$3 i page failed=0 skipped=0
	local -A hits=()
	for ((i = 0; i < count; i++)); do
		if page=$(ip netns exec "$ns" timeout 3 busybox wget -q -O - "$url" 2>/dev/null); then
			hits[$page]=$((${hits[$page]:-0} + 1))
		else
			failed=$((failed + 1))
		fi
		# nothing gets through: say so now rather than after many timeouts
		if ((failed == 3 && i == 2)); then
			skipped=$((count - 3))
			break
		fi
	done
	for page in $(printf '%s\n' "${!hits[@]}" | sort); do
		printf '   %-10s %3d  %s\n' "$page" "${hits[$page]}" "$(printf '#%.0s' $(seq "${hits[$page]}"))"
	done
	if ((failed)); then
		printf '   %-10s %3d  (no answer)\n' failed "$failed"
		FAILED=$((FAILED + failed))
	fi
	if ((skipped)); then printf '   %-10s %3d  (not tried: the first three failed)\n' skipped "$skipped"; fi
}

preflight
sweep_leftovers
WWW=$(mktemp -d "/tmp/$P.XXXXXX") # the backends' pages

say "Fabric (network namespaces $P-*)"
make_node
add_pod client 10.244.1.10
for i in 1 2 3; do add_pod "b$i" "${BACKENDS[$((i - 1))]}"; done
add_outside
for i in 1 2 3; do start_backend "$i"; done
wait_for_backends
echo "   pods      client 10.244.1.10, backend-1..3 ${BACKENDS[*]} (busybox httpd)"
echo "   node      routes the pods; Xebec's programs on h-client h-b1 h-b2 h-b3 (tc)"
echo "   uplink    node $NODE_IP <-> outside host 10.250.0.100; programs on up0 (tc)"

say "Service $VIP:80/tcp -> 3 backends, NodePort $NODE_PORT"
xebec lb update "$VIP:80/tcp" --backend "${BACKENDS[0]}:80" --backend "${BACKENDS[1]}:80" \
	--backend "${BACKENDS[2]}:80" --node-port "$NODE_PORT" | indent

say "$N requests from the client to http://$VIP/"
fetch "$P-client" "http://$VIP/" "$N"

say "NodePort: $((N / 3)) requests from outside to http://$NODE_IP:$NODE_PORT/ (tc)"
fetch "$P-outside" "http://$NODE_IP:$NODE_PORT/" $((N / 3))

say "NodePort again with the uplink's forward path in XDP"
xebec attach --uplink-iface up0 --xdp | indent
fetch "$P-outside" "http://$NODE_IP:$NODE_PORT/" $((N / 3))

say "xebec bpf lb list"
xebec lb list | indent

say "xebec bpf stats"
xebec stats | indent

say "Cleaning up"
cleanup
echo "   namespaces $P-* and pins $ROOT removed"
if ((FAILED)); then
	die "$FAILED requests got no answer"
fi
