# What the end-to-end scripts share: a scratch directory and the processes they started, both
# removed on exit (also on failure), checks that say what differed, waiting, free ports and
# starting the apiserver. Sourced, after `set -euo pipefail`.

WORK=$(mktemp -d /tmp/xebec-e2e-XXXXXX)
PIDS=()

cleanup() {
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	rm -rf "$WORK"
}
trap cleanup EXIT

# fail WHAT: prints it and the logs of what the script started, then exits 1.
fail() {
	echo "FAIL: $*" >&2
	for log in "$WORK"/*.log; do
		[[ -f $log ]] || continue
		echo "--- $(basename "$log"):" >&2
		tail -n 50 "$log" >&2
	done
	exit 1
}

# expect WHAT EXPECTED ACTUAL
expect() {
	[[ "$3" == "$2" ]] || fail "$1: expected '$2', got '$3'"
	echo "ok: $1"
}

# expect_match WHAT REGEX TEXT
expect_match() {
	[[ "$3" =~ $2 ]] || fail "$1: '$3' does not match /$2/"
	echo "ok: $1"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_for WHAT COMMAND...: runs COMMAND every 0.1 s until it succeeds, for at most
# $WAIT_SECONDS (default 10) seconds.
wait_for() {
	local what=$1
	shift
	local deadline=$((SECONDS + ${WAIT_SECONDS:-10}))
	while ((SECONDS < deadline)); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	fail "$what: not within ${WAIT_SECONDS:-10} s"
}

# start_apiserver XEBEC [FLAGS...]: on a free loopback port, with its data in $WORK/data; sets
# PORT and exports KUBECONFIG and KUBECACHEDIR for kubectl.
start_apiserver() {
	local xebec=$1
	shift
	PORT=$(free_port)
	"$xebec" apiserver --data-dir "$WORK/data" --listen "127.0.0.1:$PORT" "$@" >"$WORK/apiserver.log" 2>&1 &
	PIDS+=($!)
	export KUBECONFIG="$WORK/data/admin.kubeconfig"
	export KUBECACHEDIR="$WORK/kube-cache"
	wait_for "the apiserver" kubectl get --raw /readyz
}
