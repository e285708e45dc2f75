#!/usr/bin/env bash
# End-to-end: the real kubectl against `xebec apiserver`, on the SQLite store or on a real etcd.
#
#   tests/e2e/kubectl_e2e.sh XEBEC_BINARY sqlite|etcd
#
# Starts the apiserver (and etcd) on free loopback ports in a scratch directory, drives kubectl
# through apply, get (table, -o json, -o yaml, -w), describe, patch, scale, label, the
# imperative create commands (protobuf bodies), run and delete; starts the scheduler and checks
# that it binds a pod and says why another fits nowhere (get events, describe); starts the
# controller-manager and checks a ReplicaSet's pods, scaling and a Service's Endpoints; checks
# what comes back, and removes everything it started or wrote, also on failure.
set -euo pipefail

XEBEC=${1:?usage: $0 XEBEC_BINARY sqlite|etcd}
STORE=${2:?usage: $0 XEBEC_BINARY sqlite|etcd}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
source "$REPO/tests/e2e/lib.sh"

store_flags=(--store sqlite)
if [[ $STORE == etcd ]]; then
	client=$(free_port)
	peer=$(free_port)
	etcd --name e2e --data-dir "$WORK/etcd" --log-level error \
		--listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
		--listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
		--initial-cluster "e2e=http://127.0.0.1:$peer" >"$WORK/etcd.log" 2>&1 &
	PIDS+=($!)
	wait_for etcd curl -sf "http://127.0.0.1:$client/health"
	store_flags=(--store etcd --etcd-endpoints "http://127.0.0.1:$client")
fi

start_apiserver "$XEBEC" "${store_flags[@]}"
port=$PORT

# Unauthenticated requests are refused.
code=$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$port/api/v1/namespaces")
expect "no token: 401" 401 "$code"

# apply: a Deployment and a Service, with server-side validation.
out=$(kubectl apply -f "$REPO/manifests/web.yaml")
expect "apply creates both" $'deployment.apps/web created\nservice/web created' "$out"
out=$(kubectl apply -f "$REPO/manifests/web.yaml")
expect "apply again changes nothing" $'deployment.apps/web unchanged\nservice/web unchanged' "$out"
if out=$(sed 's/replicas: 3/replica: 3/' "$REPO/manifests/web.yaml" | kubectl apply -f - 2>&1); then
	fail "a manifest with an unknown field was accepted"
fi
expect_match "unknown fields are refused" 'unknown field "spec.replica"' "$out"

# get: table, wide, json, yaml, selectors.
out=$(kubectl get deployments)
expect_match "table header" '^NAME +READY +UP-TO-DATE +AVAILABLE +AGE' "$out"
expect_match "table row" $'\nweb +0/3 +0 +0 +[0-9]+s' "$out"
out=$(kubectl get svc web -o wide)
expect_match "service: ClusterIP from 10.96.0.0/12 and selector" 'web +ClusterIP +10\.(9[6-9]|10[0-9]|11[01])\.[0-9]+\.[0-9]+ +<none> +80/TCP +[0-9]+s +app=web' "$out"
expect "json" "3" "$(kubectl get deploy web -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["spec"]["replicas"])')"
expect_match "yaml carries defaults" 'maxSurge: 25%' "$(kubectl get deploy web -o yaml)"
expect "sessionAffinity timeout defaulted" "10800" "$(kubectl get svc web -o jsonpath='{.spec.sessionAffinityConfig.clientIP.timeoutSeconds}')"
expect "label selector" "web" "$(kubectl get deploy -l app=web -o name | sed 's|.*/||')"
expect "field selector" "web" "$(kubectl get svc --field-selector metadata.name=web -o name | sed 's|.*/||')"
expect "all namespaces" "default" "$(kubectl get deploy -A -o jsonpath='{.items[0].metadata.namespace}')"
expect_match "short names and the all category" 'deployment.apps/web' "$(kubectl get all)"

# describe
expect_match "describe deployment" 'Replicas: +3 desired' "$(kubectl describe deploy web)"
expect_match "describe service" 'Session Affinity: +ClientIP' "$(kubectl describe svc web)"

# get -w: the watch sees the changes that follow.
kubectl get deploy web -w --output-watch-events -o json >"$WORK/watch.out" 2>&1 &
watcher=$!
PIDS+=($watcher)
sleep 1

# scale, patch (strategic, merge, JSON), label
expect "scale" "deployment.apps/web scaled" "$(kubectl scale deploy web --replicas=5)"
expect "scaled" "5" "$(kubectl get deploy web -o jsonpath='{.spec.replicas}')"
kubectl patch deploy web -p '{"spec":{"template":{"spec":{"containers":[{"name":"httpd","image":"busybox:1.36"}]}}}}' >/dev/null
expect "strategic patch keeps the container's other fields" "busybox:1.36 8080" \
	"$(kubectl get deploy web -o jsonpath='{.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort}')"
expect "a spec change bumps generation" "3" "$(kubectl get deploy web -o jsonpath='{.metadata.generation}')"
kubectl patch svc web --type=merge -p '{"spec":{"type":"NodePort"}}' >/dev/null
expect_match "NodePort allocated" '^3[0-2][0-9]{3}$' "$(kubectl get svc web -o jsonpath='{.spec.ports[0].nodePort}')"
kubectl patch deploy web --type=json -p '[{"op":"replace","path":"/spec/replicas","value":2}]' >/dev/null
expect "json patch" "2" "$(kubectl get deploy web -o jsonpath='{.spec.replicas}')"
kubectl label deploy web tier=front >/dev/null
expect "label" "front" "$(kubectl get deploy web -o jsonpath='{.metadata.labels.tier}')"
expect "labelled selector" "web" "$(kubectl get deploy -l 'tier in (front)' -o name | sed 's|.*/||')"
kubectl label deploy web tier- >/dev/null
expect "unlabel" "" "$(kubectl get deploy -l tier -o name)"

# Optimistic concurrency: a stale resourceVersion is a conflict.
stale=$(kubectl get deploy web -o json | python3 -c 'import json,sys; o=json.load(sys.stdin); o["metadata"]["resourceVersion"]="1"; print(json.dumps(o))')
if out=$(echo "$stale" | kubectl replace -f - 2>&1); then fail "a stale update was accepted"; fi
expect_match "conflict" 'the object has been modified' "$out"

# Imperative commands: create sends protobuf bodies (run sends JSON).
expect "create namespace" "namespace/team-a created" "$(kubectl create namespace team-a)"
expect "a protobuf namespace" "team-a Active" "$(kubectl get ns team-a -o jsonpath='{.metadata.name} {.status.phase}')"
expect "create deployment" "deployment.apps/api created" \
	"$(kubectl create deployment api -n team-a --image=busybox:1.36 --replicas=2 --port=8080 -- sleep 3600)"
expect "a protobuf deployment" "2 api busybox:1.36 sleep 3600 8080 RollingUpdate" \
	"$(kubectl get deploy api -n team-a -o jsonpath='{.spec.replicas} {.spec.selector.matchLabels.app} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].command[*]} {.spec.template.spec.containers[0].ports[0].containerPort} {.spec.strategy.type}')"
expect "create service" "service/api created" "$(kubectl create service clusterip api -n team-a --tcp=80:8080)"
expect_match "a protobuf service" '^10\.[0-9.]+ 80 8080 TCP api$' \
	"$(kubectl get svc api -n team-a -o jsonpath='{.spec.clusterIP} {.spec.ports[0].port} {.spec.ports[0].targetPort} {.spec.ports[0].protocol} {.spec.selector.app}')"
expect "run" "pod/one created" "$(kubectl run one -n team-a --image=busybox:1.36 --labels=tier=batch --env=MODE=fast -- sleep 10)"
expect "a protobuf pod" "batch busybox:1.36 MODE=fast Always" \
	"$(kubectl get pod one -n team-a -o jsonpath='{.metadata.labels.tier} {.spec.containers[0].image} {.spec.containers[0].env[0].name}={.spec.containers[0].env[0].value} {.spec.restartPolicy}')"
token=$(kubectl config view --raw -o jsonpath='{.users[0].user.token}')
code=$(curl -sk -o "$WORK/yaml.out" -w '%{http_code}' -X POST -H "Authorization: Bearer $token" \
	-H 'Content-Type: application/yaml' --data-binary $'apiVersion: v1\nkind: ConfigMap\n' \
	"https://127.0.0.1:$port/api/v1/namespaces/team-a/pods")
expect "a YAML body of the wrong kind: 400" 400 "$code"
code=$(curl -sk -o "$WORK/yaml.out" -w '%{http_code}' -X POST -H "Authorization: Bearer $token" \
	-H 'Content-Type: application/yaml' \
	--data-binary $'apiVersion: v1\nkind: Pod\nmetadata:\n  name: two\nspec:\n  containers:\n  - name: c\n    image: busybox\n' \
	"https://127.0.0.1:$port/api/v1/namespaces/team-a/pods")
expect "a YAML body: 201" 201 "$code"
expect "the YAML pod" "two" "$(kubectl get pod two -n team-a -o jsonpath='{.metadata.name}')"
kubectl delete -n team-a deploy/api svc/api pod/one pod/two >/dev/null
# Deleting a namespace marks it Terminating; the controller-manager (started below) empties it
# and removes it.
expect "delete namespace" 'namespace "team-a" deleted' "$(kubectl delete namespace team-a --wait=false)"
expect "terminating" "Terminating" "$(kubectl get namespace team-a -o jsonpath='{.status.phase}')"
if out=$(kubectl delete namespace default 2>&1); then fail "the default namespace was deleted"; fi
expect_match "the default namespace stays: 403" 'namespaces "default" is forbidden: this namespace may not be deleted' "$out"

# The scheduler binds pods to Ready nodes, and says through an event why one fits nowhere.
"$XEBEC" scheduler --kubeconfig "$KUBECONFIG" >"$WORK/scheduler.log" 2>&1 &
PIDS+=($!)
for node in n1 n2; do
	kubectl create -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata: {name: $node, labels: {kubernetes.io/hostname: $node}}
EOF
	kubectl get node "$node" -o json | python3 -c '
import json, sys
node = json.load(sys.stdin)
node["status"] = {"allocatable": {"cpu": "2", "memory": "4Gi", "pods": "110"},
                  "conditions": [{"type": "Ready", "status": "True"}]}
print(json.dumps(node))' | kubectl replace --subresource=status -f - >/dev/null
done
kubectl run small --image=busybox:1.36 --overrides='{"spec":{"containers":[{"name":"small","image":"busybox:1.36","resources":{"requests":{"cpu":"1"}}}]}}' >/dev/null
kubectl run huge --image=busybox:1.36 --overrides='{"spec":{"containers":[{"name":"huge","image":"busybox:1.36","resources":{"requests":{"cpu":"3"}}}]}}' >/dev/null
wait_for "the small pod to be bound" bash -c '[[ -n $(kubectl get pod small -o jsonpath={.spec.nodeName}) ]]'
expect_match "bound to a node" '^n[12]$' "$(kubectl get pod small -o jsonpath='{.spec.nodeName}')"
wait_for "the FailedScheduling event" bash -c 'kubectl get events --field-selector reason=FailedScheduling -o name | grep -q .'
expect_match "kubectl get events says why" 'Warning +FailedScheduling +pod/huge +0/2 nodes are available: 2 Insufficient cpu\.' "$(kubectl get events)"
expect_match "describe shows it" 'Warning +FailedScheduling .*default-scheduler +0/2 nodes are available' "$(kubectl describe pod huge)"
expect "the pod says so too" "False Unschedulable" "$(kubectl get pod huge -o jsonpath='{.status.conditions[0].status} {.status.conditions[0].reason}')"
kubectl delete pod small huge >/dev/null

# The controller-manager keeps a ReplicaSet's pods (which the scheduler binds) and writes the
# Endpoints of a Service over them once they have IPs (written here, as a kubelet would).
"$XEBEC" controller-manager --kubeconfig "$KUBECONFIG" >"$WORK/controller-manager.log" 2>&1 &
PIDS+=($!)
kubectl create -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: echo}
spec:
  replicas: 2
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      containers:
      - {name: echo, image: busybox:1.36, ports: [{name: http, containerPort: 8080}]}
EOF
kubectl create service clusterip echo --tcp=80:http >/dev/null
wait_for "two bound echo pods" bash -c "[[ \$(kubectl get pods -l app=echo -o jsonpath='{.items[*].spec.nodeName}' | wc -w) == 2 ]]"
expect "owned by the ReplicaSet" "ReplicaSet/echo ReplicaSet/echo" \
	"$(kubectl get pods -l app=echo -o jsonpath='{range .items[*]}{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} {end}' | sed 's/ $//')"
expect "scale a ReplicaSet" "replicaset.apps/echo scaled" "$(kubectl scale rs echo --replicas=3)"
wait_for "three echo pods" bash -c "[[ \$(kubectl get pods -l app=echo -o name | wc -l) == 3 ]]"
wait_for "the ReplicaSet's status" bash -c "[[ \$(kubectl get rs echo -o jsonpath='{.status.replicas}') == 3 ]]"
expect_match "get rs" $'\necho +3 +3 +0 +[0-9]+s' "$(kubectl get rs)"
i=0
for pod in $(kubectl get pods -l app=echo -o jsonpath='{.items[*].metadata.name}'); do
	i=$((i + 1))
	kubectl get pod "$pod" -o json | python3 -c '
import json, sys
pod = json.load(sys.stdin)
pod["status"]["podIP"] = sys.argv[1]
pod["status"]["phase"] = "Running"
pod["status"]["conditions"] = [{"type": "Ready", "status": "True"}]
print(json.dumps(pod))' "10.244.0.$i" | kubectl replace --subresource=status -f - >/dev/null
done
wait_for "the echo Endpoints" bash -c "[[ \$(kubectl get endpoints echo -o jsonpath='{.subsets[0].addresses[*].ip}') == '10.244.0.1 10.244.0.2 10.244.0.3' ]]"
expect "endpoints ports resolved by name" "8080" "$(kubectl get endpoints echo -o jsonpath='{.subsets[0].ports[0].port}')"
expect_match "get endpoints" $'\necho +10\\.244\\.0\\.1:8080,10\\.244\\.0\\.2:8080,10\\.244\\.0\\.3:8080' "$(kubectl get endpoints echo)"
kubectl delete rs echo >/dev/null
kubectl delete svc echo >/dev/null
kubectl delete pods -l app=echo >/dev/null

kubectl delete node n1 n2 >/dev/null
wait_for "the terminating namespace to go" bash -c '! kubectl get namespace team-a'

# delete
expect "delete" 'deployment.apps "web" deleted' "$(kubectl delete deploy web)"
if out=$(kubectl get deploy web 2>&1); then fail "a deleted deployment is still there"; fi
expect_match "not found after delete" 'deployments.apps "web" not found' "$out"
kubectl delete -f "$REPO/manifests/web.yaml" --ignore-not-found >/dev/null

sleep 1
kill "$watcher" 2>/dev/null || true
# Each event as {"type": ..., "object": ...}: the object as it was, then every change.
events=$(python3 -c '
import json, sys
text, decoder, at, out = open(sys.argv[1]).read(), json.JSONDecoder(), 0, []
while at < len(text):
    if text[at].isspace():
        at += 1
        continue
    event, at = decoder.raw_decode(text, at)
    out.append("%s:%s" % (event["type"], event["object"]["spec"]["replicas"]))
print(" ".join(out))' "$WORK/watch.out")
expect_match "watch: added, scaled to 5, ..., deleted at 2" '^ADDED:3 MODIFIED:5 .*DELETED:2$' "$events"

echo "e2e ($STORE): all checks passed"
