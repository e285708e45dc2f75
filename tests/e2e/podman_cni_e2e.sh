#!/usr/bin/env bash
# End-to-end: podman 4 (CNI backend) runs containers on a network of xebec-cni.
#
#   tests/e2e/podman_cni_e2e.sh XEBEC XEBEC_CNI XEBEC_IPAM
#
# Proves that a real runtime drives the plugin: with a .conflist naming only xebec-cni (IPAM
# xebec-ipam in process), `podman run --network` gives a busybox container an address of the
# configured subnet on a routed veth whose host side carries the dataplane's tc programs; the
# container talks to the node and to a pod wired by xebec-cni directly, both ways, and a
# service VIP programmed with `xebec bpf lb update` reaches it from that pod and from a second
# container; the end of a container (`podman run --rm`, `podman rm -f`) runs CNI DEL, which frees
# its address and removes its veth.
#
# Root. Everything happens in namespaces the script makes (a node namespace podman runs in,
# podman's own container namespaces, a client pod); the machine's own network namespace is not
# touched. Podman's configuration, storage, state, locks and the IPAM data live in $WORK; the
# dataplane instance in /sys/fs/bpf/xebec/podman-e2e-$$, the containers' cgroups under
# /xebec-podman-e2e-$$; all of it, and what podman writes outside them (the CNI result cache in
# /var/lib/cni, runc's state in /run/runc, the containers' namespaces in /run/netns), is removed
# on exit, also on failure. Needs podman, runc, conmon, nsenter, busybox-static.
set -euo pipefail

usage="usage: $0 XEBEC XEBEC_CNI XEBEC_IPAM"
XEBEC=$(realpath "${1:?$usage}")
XEBEC_CNI=$(realpath "${2:?$usage}")
XEBEC_IPAM=$(realpath "${3:?$usage}")
source "$(dirname "$0")/lib.sh"

NODE=xebec-podman-node     # the node's network namespace: podman and the plugin run in it
CLIENT=xebec-podman-client # a pod wired by running xebec-cni ADD directly
NET=xebec-podman-e2e       # the CNI network
SUBNET_PREFIX=10.244.7
SUBNET=$SUBNET_PREFIX.0/24
NODE_IP=192.0.2.1 # the node's own address (TEST-NET-1), on its lo: the source of its traffic to pods
VIP=10.96.0.10
BPF_ROOT=/sys/fs/bpf/xebec/podman-e2e-$$
CGROUP_PARENT=/xebec-podman-e2e-$$ # podman's cgroupfs default, /libpod_parent, would stay behind
CNI_CACHE=/var/lib/cni             # podman 4.3 (libcni) keeps ADD results in $CNI_CACHE/results
RUNC_ROOT=/run/runc                # runc's state (conmon's exit command drops --runtime-flag root=)
BUSYBOX=/bin/busybox

# Preconditions, said plainly.
[[ $EUID == 0 ]] || fail "run as root: the test makes network namespaces and loads BPF programs"
for tool in podman runc conmon nsenter ip tc timeout; do
	command -v "$tool" >/dev/null || fail "$tool is not installed"
done
[[ -x $BUSYBOX ]] || fail "$BUSYBOX is missing (apt-get install busybox-static)"
for ns in "$NODE" "$CLIENT"; do
	[[ ! -e /run/netns/$ns ]] || fail "network namespace $ns exists: another run is going on, or an earlier one was killed (ip netns del $ns)"
done

# --- Cleanup, on every exit path, before lib.sh's (processes, $WORK) ------------------------

made_cni_cache=1
[[ -d $CNI_CACHE ]] && made_cni_cache=0
made_results=1
[[ -d $CNI_CACHE/results ]] && made_results=0
made_runc_root=1
[[ -d $RUNC_ROOT ]] && made_runc_root=0
made_bpf_parent=1
[[ -d ${BPF_ROOT%/*} ]] && made_bpf_parent=0
SANDBOXES=() # the container network namespaces podman made (/run/netns/netns-...)
declare -A MADE_NS

podman_cleanup() {
	set +e
	if [[ -e /run/netns/$NODE && -d $WORK/storage ]]; then
		podman_ rm --all --force --time 0 >/dev/null 2>&1
	fi
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for sandbox in "${SANDBOXES[@]}"; do
		[[ -e $sandbox ]] && ip netns delete "$(basename "$sandbox")" 2>/dev/null
	done
	for ns in "$CLIENT" "$NODE"; do
		[[ ${MADE_NS[$ns]:-} ]] && ip netns delete "$ns" 2>/dev/null
	done
	rm -rf "$BPF_ROOT"
	((made_bpf_parent)) && rmdir "${BPF_ROOT%/*}" 2>/dev/null
	remove_cgroups
	rm -f "$CNI_CACHE/results/$NET"-*
	((made_results)) && rmdir "$CNI_CACHE/results" 2>/dev/null
	((made_cni_cache)) && rmdir "$CNI_CACHE" 2>/dev/null
	((made_runc_root)) && rmdir "$RUNC_ROOT" 2>/dev/null
	# A tmpfs podman mounts for a container's /dev/shm, if it could not unmount it itself.
	findmnt -rn -o TARGET | grep "^$WORK/" | sort -r | xargs -r umount -l 2>/dev/null
	set -e
	cleanup
}
trap podman_cleanup EXIT

# The containers' cgroups in every hierarchy; conmon's may empty a moment after podman returns.
remove_cgroups() {
	local deadline=$((SECONDS + 5))
	while compgen -G "/sys/fs/cgroup/*/${CGROUP_PARENT#/}" >/dev/null && ((SECONDS < deadline)); do
		find /sys/fs/cgroup/*/"${CGROUP_PARENT#/}" -depth -type d -exec rmdir {} + 2>/dev/null || sleep 0.1
	done
}

# podman ARGS...: podman in the node namespace, with the configuration and all state in $WORK.
podman_() {
	CONTAINERS_CONF="$WORK/containers.conf" timeout -k 5 60 nsenter --net="/run/netns/$NODE" \
		podman --root "$WORK/storage" --runroot "$WORK/run" --tmpdir "$WORK/tmp" --storage-driver vfs "$@"
}

# --- The stage -------------------------------------------------------------------------------

# The node namespace, with an address of its own for its traffic to pods, on lo (this kernel has
# no dummy driver).
ip netns add "$NODE"
MADE_NS[$NODE]=1
ip -n "$NODE" link set lo up
ip -n "$NODE" addr add "$NODE_IP/32" dev lo

# The plugin directory holds our two plugins only: podman brings the container's lo up itself
# and needs no loopback plugin.
mkdir -p "$WORK/cni-bin" "$WORK/net.d" "$WORK/ipam" "$WORK/tmp"
ln -s "$XEBEC_CNI" "$WORK/cni-bin/xebec-cni"
ln -s "$XEBEC_IPAM" "$WORK/cni-bin/xebec-ipam"

# The network: xebec-cni alone (no bridge, portmap or firewall plugin that would touch iptables).
# Debian's podman 4.3 speaks CNI up to 1.0.0.
plugin_fields='"type": "xebec-cni", "mtu": 1500, "bpfRoot": "'$BPF_ROOT'",
	"ipam": {"type": "xebec-ipam", "ranges": [[{"subnet": "'$SUBNET'"}]], "dataDir": "'$WORK/ipam'"}'
cat >"$WORK/net.d/$NET.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "$NET", "plugins": [{$plugin_fields}]}
EOF
cat >"$WORK/client-pod.json" <<EOF
{"cniVersion": "1.0.0", "name": "$NET", $plugin_fields}
EOF

# Podman's configuration, the only one it reads (CONTAINERS_CONF replaces the system's): ulimits
# within the machine's hard limits, runc with cgroupfs, CNI from $WORK; logs, events and locks in
# files of its storage and tmpdir (not journald, not /dev/shm).
cat >"$WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=16384:16384", "nproc=1024:1024"]
log_driver = "k8s-file"

[network]
network_backend = "cni"
cni_plugin_dirs = ["$WORK/cni-bin"]
network_config_dir = "$WORK/net.d"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
lock_type = "file"
tmp_dir = "$WORK/tmp"
EOF

# The containers' root filesystem: busybox and its applets (no registry, no image).
mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/www" "$WORK/client-www"
cp "$BUSYBOX" "$WORK/rootfs/bin/busybox"
for applet in $("$BUSYBOX" --list); do
	[[ $applet == busybox ]] || ln -s busybox "$WORK/rootfs/bin/$applet"
done
echo "served by the podman container" >"$WORK/rootfs/www/index.html"
echo "served by the client pod" >"$WORK/client-www/index.html"

# The body busybox httpd serves at http://HOST:PORT/, fetched with busybox nc (its wget segfaults
# in Debian's static build): get_from NETNS HOST PORT from a namespace of ours, get_in CONTAINER
# HOST PORT from inside a container.
request() { printf 'GET / HTTP/1.0\r\n\r\n'; }
get_from() { request | timeout 10 nsenter --net="/run/netns/$1" "$BUSYBOX" nc -w 5 "$2" "$3" | tail -n 1; }
get_in() { request | podman_ exec -i "$1" nc -w 5 "$2" "$3" | tail -n 1; }

# xeb* links of the node namespace (the host sides), sorted; addresses the IPAM holds.
host_links() { ip -n "$NODE" -o link show | awk -F': ' '{sub(/@.*/, "", $2); print $2}' | grep '^xeb' | sort | xargs; }
reservations() { find "$WORK/ipam/$NET" -maxdepth 1 -type f -name '[0-9]*' -printf '%f\n' 2>/dev/null | sort -V | xargs; }
# host_side CONTAINER: the host side of its eth0, by the peer's interface index.
host_side() {
	local index
	index=$(podman_ exec "$1" cat /sys/class/net/eth0/iflink)
	ip -n "$NODE" -o link show | awk -F': ' -v i="$index" '$1 == i {sub(/@.*/, "", $2); print $2}'
}

# --- Podman reads our configuration ----------------------------------------------------------

expect "podman honours CONTAINERS_CONF and the storage flags" \
	"cni cgroupfs runc file $WORK/storage $WORK/run" \
	"$(podman_ info --format '{{.Host.NetworkBackend}} {{.Host.CgroupManager}} {{.Host.OCIRuntime.Name}} {{.Host.EventLogger}} {{.Store.GraphRoot}} {{.Store.RunRoot}}')"
expect "podman sees the network, driver xebec-cni" "$NET xebec-cni" \
	"$(podman_ network ls --format '{{.Name}} {{.Driver}}' | grep "^$NET " || true)"

# --- 1. An address of the subnet, a routed veth, the dataplane's programs ---------------------

WEB_ID=$(podman_ run -d --name web --network "$NET" --cgroup-parent "$CGROUP_PARENT" --rootfs "$WORK/rootfs" \
	httpd -f -p 8080 -h /www) || fail "podman run on $NET"
SANDBOXES+=("$(podman_ inspect web --format '{{.NetworkSettings.SandboxKey}}')")
WEB_IP=$(podman_ inspect web --format "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}")
expect_match "podman inspect: the container's address is in $SUBNET" "^${SUBNET_PREFIX//./\\.}\.[0-9]+$" "$WEB_IP"
expect "podman inspect: the gateway is xebec-cni's link-local one" "169.254.1.1" \
	"$(podman_ inspect web --format "{{(index .NetworkSettings.Networks \"$NET\").Gateway}}")"
expect_match "inside the container: eth0 has that address" "inet $WEB_IP/32 " "$(podman_ exec web ip -4 addr show eth0)"
expect_match "inside the container: the default route is via the gateway" "^default via 169\.254\.1\.1 dev eth0" \
	"$(podman_ exec web ip route)"
expect_match "inside the container: lo is up (podman's doing, no loopback plugin)" "<LOOPBACK,UP," \
	"$(podman_ exec web ip link show lo)"
limits=$(podman_ exec web cat /proc/1/limits)
expect_match "inside the container: nofile of containers.conf" "Max open files +16384 +16384 " "$limits"
expect_match "inside the container: nproc of containers.conf" "Max processes +1024 +1024 " "$limits"
WEB_VETH=$(host_side web)
expect_match "the host side is in the node namespace" '^xeb[0-9a-f]{12}$' "$WEB_VETH"
expect_match "the node routes the container's address to it" "^$WEB_IP dev $WEB_VETH " "$(ip -n "$NODE" route show "$WEB_IP")"
expect_match "the pod programs are attached: from_pod on tc ingress" "bpf .* from_pod" \
	"$(tc -n "$NODE" filter show dev "$WEB_VETH" ingress)"
expect_match "the pod programs are attached: to_pod on tc egress" "bpf .* to_pod" \
	"$(tc -n "$NODE" filter show dev "$WEB_VETH" egress)"
expect "the IPAM holds the container's address" "$WEB_IP" "$(reservations)"
[[ -f $CNI_CACHE/results/$NET-$WEB_ID-eth0 ]] || fail "podman kept no CNI result in $CNI_CACHE/results for web"
echo "ok: podman's CNI result cache has the ADD"

# --- 2. Connectivity ---------------------------------------------------------------------------

# The node to the container (the container's httpd may take a moment to listen).
web_answers() { [[ $(get_from "$NODE" "$WEB_IP" 8080) == "served by the podman container" ]]; }
wait_for "the node to reach the container's httpd at $WEB_IP:8080" web_answers
echo "ok: node -> container"

# A client pod, wired by xebec-cni ADD run as a runtime would, serving HTTP too.
ip netns add "$CLIENT"
MADE_NS[$CLIENT]=1
ip -n "$CLIENT" link set lo up
cni_client() {
	CNI_COMMAND=$1 CNI_CONTAINERID=xebec-podman-client CNI_NETNS=/run/netns/$CLIENT CNI_IFNAME=eth0 \
		CNI_PATH=$WORK/cni-bin nsenter --net="/run/netns/$NODE" "$XEBEC_CNI" <"$WORK/client-pod.json"
}
result=$(cni_client ADD) || fail "xebec-cni ADD of the client pod: $result"
CLIENT_IP=$(sed -n 's/.*"address":"\([0-9.]*\)\/32".*/\1/p' <<<"$result")
expect_match "the client pod's address is in $SUBNET" "^${SUBNET_PREFIX//./\\.}\.[0-9]+$" "$CLIENT_IP"
[[ $CLIENT_IP != "$WEB_IP" ]] || fail "the client pod got the container's address $WEB_IP"
nsenter --net="/run/netns/$CLIENT" "$BUSYBOX" httpd -f -p 9090 -h "$WORK/client-www" >"$WORK/client-httpd.log" 2>&1 &
PIDS+=($!)
client_answers() { [[ $(get_from "$NODE" "$CLIENT_IP" 9090) == "served by the client pod" ]]; }
wait_for "the client pod's httpd at $CLIENT_IP:9090" client_answers

expect "container -> client pod" "served by the client pod" "$(get_in web "$CLIENT_IP" 9090)"
expect "client pod -> container" "served by the podman container" "$(get_from "$CLIENT" "$WEB_IP" 8080)"

# A service VIP in front of the container: only the tc programs ADD attached can serve it.
nsenter --net="/run/netns/$NODE" "$XEBEC" bpf lb update "$VIP:80/tcp" --backend "$WEB_IP:8080" \
	--bpf-root "$BPF_ROOT" >"$WORK/lb-update.log" 2>&1 || fail "xebec bpf lb update $VIP:80/tcp"
expect "client pod -> VIP $VIP:80 -> container" "served by the podman container" "$(get_from "$CLIENT" "$VIP" 80)"

# And from a second container, which `--rm` removes as it exits.
links_before=$(host_links)
out=$(podman_ run --rm --name vip-client --network "$NET" --cgroup-parent "$CGROUP_PARENT" --rootfs "$WORK/rootfs" \
	sh -c "ip -4 -o addr show eth0; printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 $VIP 80 | tail -n 1") ||
	fail "podman run --rm vip-client: $out"
VIP_CLIENT_IP=$(sed -n 's/.* inet \([0-9.]*\)\/32 .*/\1/p' <<<"$out")
expect_match "the second container's address is in $SUBNET" "^${SUBNET_PREFIX//./\\.}\.[0-9]+$" "$VIP_CLIENT_IP"
[[ $VIP_CLIENT_IP != "$WEB_IP" && $VIP_CLIENT_IP != "$CLIENT_IP" ]] || fail "the second container got a taken address"
expect "container -> VIP $VIP:80 -> container" "served by the podman container" "$(tail -n 1 <<<"$out")"

# --- 3. The end of a container is a CNI DEL ----------------------------------------------------

# `podman run --rm`: its reservation is gone, and so is its host side (deleted in the background).
expect "--rm: the IPAM holds the others' addresses only" "$(printf '%s\n' "$WEB_IP" "$CLIENT_IP" | sort -V | xargs)" \
	"$(reservations)"
links_back() { [[ $(host_links) == "$links_before" ]]; }
wait_for "--rm: the second container's host side to go" links_back
expect "--rm: podman's CNI result cache holds web's only" "$CNI_CACHE/results/$NET-$WEB_ID-eth0" \
	"$(compgen -G "$CNI_CACHE/results/$NET-*" || true)"
echo "ok: --rm: host side and CNI result gone"

# `podman rm -f` (--time 0: httpd as PID 1 ignores SIGTERM, which would cost podman's 10 s).
podman_ rm --force --time 0 web >/dev/null
expect "rm -f: the IPAM holds the client pod's address only" "$CLIENT_IP" "$(reservations)"
web_veth_gone() { ! ip -n "$NODE" link show "$WEB_VETH"; }
wait_for "rm -f: the container's host side $WEB_VETH to go" web_veth_gone
expect "rm -f: no route to the container's address" "" "$(ip -n "$NODE" route show "$WEB_IP")"
[[ ! -e $CNI_CACHE/results/$NET-$WEB_ID-eth0 ]] || fail "rm -f: podman kept web's CNI result"
[[ ! -e ${SANDBOXES[0]} ]] || fail "rm -f: podman left the container's network namespace ${SANDBOXES[0]}"
expect "rm -f: podman lists no container" "" "$(podman_ ps --all --quiet)"
echo "ok: rm -f: host side, route, CNI result and network namespace gone"

# The client pod's DEL, as a runtime would: nothing reserved, no host side left.
cni_client DEL >/dev/null || fail "xebec-cni DEL of the client pod"
expect "the IPAM holds no reservation" "" "$(reservations)"
expect "the IPAM holds no attachment" "" "$(ls "$WORK/ipam/$NET/attachments")"
no_host_links() { [[ -z $(host_links) ]]; }
wait_for "every host side to go" no_host_links

# The machine's own namespace saw none of it.
expect "no host side in the machine's namespace" "" "$(ip -o link show | grep -o ': xeb[0-9a-f]*' || true)"
for ip in "$WEB_IP" "$CLIENT_IP" "$VIP_CLIENT_IP"; do
	expect "no route to $ip in the machine's namespace" "" "$(ip route show exact "$ip/32")"
done

echo "podman CNI e2e: all checks passed"
