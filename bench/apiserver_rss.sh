#!/usr/bin/env bash
# The apiserver's memory with N pods stored (default 1000): starts `xebec apiserver` on the
# SQLite store in a scratch directory, creates the pods through its HTTPS API over one
# keep-alive connection, and prints its resident set size and the create rate. Removes
# everything afterwards. Target: RSS <= 64 MB with 1000 pods.
#
#   bench/apiserver_rss.sh [XEBEC_BINARY] [PODS]
set -euo pipefail
XEBEC=${1:-build/cmd/xebec}
PODS=${2:-1000}
WORK=$(mktemp -d /tmp/xebec-rss-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$XEBEC" apiserver --data-dir "$WORK" --listen "127.0.0.1:$port" >"$WORK/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do [[ -f "$WORK/admin.kubeconfig" ]] && break; sleep 0.1; done

rss() { awk '/VmRSS/ {print $2 / 1024 " MB"}' "/proc/$pid/status"; }
echo "apiserver RSS at start: $(rss)"
python3 - "$port" "$WORK/pki/ca.crt" "$(cat "$WORK/pki/admin.token")" "$PODS" <<'PY'
import http.client, json, ssl, sys, time
port, ca, token, pods = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
conn = http.client.HTTPSConnection("127.0.0.1", port, context=ssl.create_default_context(cafile=ca))
headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
start = time.monotonic()
for i in range(pods):
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "pod-%d" % i, "labels": {"app": "web", "index": str(i)}},
           "spec": {"containers": [{"name": "app", "image": "busybox:1.36", "command": ["sleep", "3600"],
                                    "resources": {"requests": {"cpu": "100m", "memory": "32Mi"}}}]}}
    conn.request("POST", "/api/v1/namespaces/default/pods", json.dumps(pod), headers)
    response = conn.getresponse()
    response.read()
    if response.status != 201:
        sys.exit("create pod-%d: HTTP %d" % (i, response.status))
elapsed = time.monotonic() - start
conn.request("GET", "/api/v1/pods", headers=headers)
listed = json.loads(conn.getresponse().read())["items"]
print("created %d pods through the API in %.2f s (%.0f/s); a list returns %d" % (pods, elapsed, pods / elapsed, len(listed)))
PY
echo "apiserver RSS with $PODS pods stored: $(rss)"
