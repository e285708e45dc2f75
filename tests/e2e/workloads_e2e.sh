#!/usr/bin/env bash
# End-to-end: workloads on the whole control plane, driven by the real kubectl.
#
#   tests/e2e/workloads_e2e.sh XEBEC_BINARY STAND_IN_KUBELET_BINARY
#
# Starts the apiserver (SQLite), the scheduler, the controller-manager (with short node
# lifecycle periods) and a stand-in kubelet per node for three nodes (each keeps its Node's
# heartbeat and runs the pods bound to it, as far as the API can tell). Then: a Deployment of 3
# spreads over the 3 nodes; an image change rolls out within maxSurge/maxUnavailable (sampled
# throughout); rollout history, undo, scale, pause and resume; events; a node whose kubelet dies
# goes NotReady and its pods are replaced elsewhere; deleting a Deployment (background, orphan,
# foreground) and a namespace removes what they own.
set -euo pipefail

XEBEC=${1:?usage: $0 XEBEC_BINARY STAND_IN_KUBELET_BINARY}
KUBELET=${2:?usage: $0 XEBEC_BINARY STAND_IN_KUBELET_BINARY}
source "$(dirname "$0")/lib.sh"
WAIT_SECONDS=30

start_apiserver "$XEBEC" --store sqlite
"$XEBEC" scheduler --kubeconfig "$KUBECONFIG" >"$WORK/scheduler.log" 2>&1 &
PIDS+=($!)
"$XEBEC" controller-manager --kubeconfig "$KUBECONFIG" --node-monitor-grace-period 3s --pod-eviction-timeout 2s \
	>"$WORK/controller-manager.log" 2>&1 &
PIDS+=($!)
declare -A KUBELET_PID
for i in 1 2 3; do
	"$KUBELET" --kubeconfig "$KUBECONFIG" --node "n$i" --pod-cidr "10.244.$i.0/24" --start-delay-ms 200 \
		>"$WORK/kubelet-n$i.log" 2>&1 &
	KUBELET_PID[n$i]=$!
	PIDS+=($!)
done
three_ready_nodes() { [[ $(kubectl get nodes --no-headers | awk '$2 == "Ready"' | wc -l) == 3 ]]; }
wait_for "three Ready nodes" three_ready_nodes

# pods_of APP: "NAME NODE IMAGE READY" per pod of the app.
pods_of() {
	kubectl get pods -l "app=$1" -o jsonpath='{range .items[*]}{.metadata.name} {.spec.nodeName} {.spec.containers[0].image} {.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}'
}
rollout() { kubectl rollout status "deployment/$1" --timeout=60s; }

# A Deployment of three spreads over the three nodes.
expect "create" "deployment.apps/web created" "$(kubectl create deployment web --image=nginx:1.25 --replicas=3)"
expect_match "rollout status" 'deployment "web" successfully rolled out$' "$(rollout web)"
expect "one pod per node" "n1 n2 n3" "$(pods_of web | awk '{print $2}' | sort | xargs)"
expect_match "get deployment" $'\nweb +3/3 +3 +3 ' "$(kubectl get deployment web)"

# An image change rolls out within the limits: 25%/25% of 3 is a surge of 1 and none
# unavailable, so never more than 4 pods and never fewer than 3 ready.
(while true; do
	pods_of web | awk '{n++; if ($4 == "True") r++} END {print n+0, r+0}' >>"$WORK/samples"
	sleep 0.05
done) &
sampler=$!
PIDS+=($sampler)
kubectl set image deployment/web nginx=nginx:1.26 >/dev/null
expect_match "rolled out" 'successfully rolled out$' "$(rollout web)"
kill "$sampler"
expect "only the new image runs" "nginx:1.26 nginx:1.26 nginx:1.26" "$(pods_of web | awk '{print $3}' | xargs)"
read -r most least <<<"$(awk 'NR == 1 {lo = $2} {if ($1 > hi) hi = $1; if ($2 < lo) lo = $2} END {print hi, lo}' "$WORK/samples")"
expect "at most replicas + maxSurge pods (of $(wc -l <"$WORK/samples") samples)" 4 "$most"
expect "at least replicas - maxUnavailable ready" 3 "$least"
expect_match "rollout history" $'REVISION +CHANGE-CAUSE\n1 +<none>\n2 +<none>' "$(kubectl rollout history deployment/web)"

# Undo restores the previous template, through its own ReplicaSet.
expect "undo" "deployment.apps/web rolled back" "$(kubectl rollout undo deployment/web)"
expect_match "rolled back" 'successfully rolled out$' "$(rollout web)"
expect "the old image again" "nginx:1.25" "$(kubectl get deployment web -o jsonpath='{.spec.template.spec.containers[0].image}')"
expect "no third ReplicaSet" 2 "$(kubectl get rs -l app=web --no-headers | wc -l)"
expect_match "history: revision 1 is now 3" $'\n2 +<none>\n3 +<none>' "$(kubectl rollout history deployment/web)"

# Scale, pause and resume.
expect "scale" "deployment.apps/web scaled" "$(kubectl scale deployment web --replicas=5)"
expect_match "scaled" 'successfully rolled out$' "$(rollout web)"
expect "five pods" 5 "$(pods_of web | wc -l)"
expect "pause" "deployment.apps/web paused" "$(kubectl rollout pause deployment/web)"
kubectl set image deployment/web nginx=nginx:1.27 >/dev/null
sleep 1
expect "paused: nothing rolls" "nginx:1.25" "$(pods_of web | awk '{print $3}' | sort -u)"
expect "resume" "deployment.apps/web resumed" "$(kubectl rollout resume deployment/web)"
expect_match "resumed" 'successfully rolled out$' "$(rollout web)"
expect "then it rolls" "nginx:1.27" "$(pods_of web | awk '{print $3}' | sort -u)"

# What happened is in the events.
events=$(kubectl get events)
expect_match "ScalingReplicaSet events" 'Normal +ScalingReplicaSet +deployment/web +Scaled up replica set web-[a-z0-9]+ from 0 to 1' "$events"
expect_match "SuccessfulCreate events" 'Normal +SuccessfulCreate +replicaset/web-[a-z0-9]+ +Created pod: web-' "$events"
expect_match "describe deployment shows them" 'ScalingReplicaSet +[0-9a-z]+ +deployment-controller +Scaled down replica set' \
	"$(kubectl describe deployment web)"

# A node whose kubelet stops goes NotReady; its pods are evicted and made again elsewhere.
kill "${KUBELET_PID[n3]}"
wait_for "n3 NotReady" bash -c '[[ $(kubectl get node n3 --no-headers | awk "{print \$2}") == NotReady ]]'
expect_match "tainted unreachable" 'node.kubernetes.io/unreachable:NoExecute' "$(kubectl describe node n3)"
wait_for "the pods to leave n3" bash -c "! kubectl get pods -l app=web -o wide --no-headers | grep -qw n3"
expect_match "replaced" 'successfully rolled out$' "$(rollout web)"
expect "five pods on n1 and n2" "n1 n2" "$(pods_of web | awk '{print $2}' | sort -u | xargs)"
expect "five of them" 5 "$(pods_of web | wc -l)"

# Deleting a Deployment deletes its ReplicaSets and their pods (background propagation).
kubectl delete deployment web >/dev/null
wait_for "web's ReplicaSets and pods to go" bash -c '[[ -z $(kubectl get rs,pods -l app=web -o name) ]]'
echo "ok: background deletion"

# Orphan: the ReplicaSet and its pods stay, without their owner.
kubectl create deployment keep --image=nginx:1.25 --replicas=2 >/dev/null
rollout keep >/dev/null
kubectl delete deployment keep --cascade=orphan >/dev/null
expect "orphaned ReplicaSet stays" 1 "$(kubectl get rs -l app=keep --no-headers | wc -l)"
wait_for "its owner reference to go" bash -c '[[ -z $(kubectl get rs -l app=keep -o jsonpath="{.items[0].metadata.ownerReferences}") ]]'
expect "its pods stay" 2 "$(pods_of keep | wc -l)"
kubectl delete rs -l app=keep >/dev/null
wait_for "its pods to go with it" bash -c '[[ -z $(kubectl get pods -l app=keep -o name) ]]'
echo "ok: orphan deletion"

# Foreground: kubectl waits until the pods and ReplicaSet are gone, then the Deployment.
kubectl create deployment fg --image=nginx:1.25 --replicas=2 >/dev/null
rollout fg >/dev/null
kubectl delete deployment fg --cascade=foreground --timeout=60s >/dev/null
expect "foreground: nothing left once the owner is gone" "" "$(kubectl get deploy,rs,pods -l app=fg -o name)"

# Deleting a namespace deletes what is in it, then the namespace. A pod held by a finalizer
# keeps it Terminating for a while, and nothing new may be made in it meanwhile.
kubectl create namespace team >/dev/null
kubectl create deployment api -n team --image=nginx:1.25 --replicas=2 >/dev/null
kubectl create service clusterip api -n team --tcp=80:80 >/dev/null
kubectl run held -n team --image=nginx:1.25 --overrides='{"metadata":{"finalizers":["example.com/hold"]}}' >/dev/null
kubectl rollout status -n team deployment/api --timeout=60s >/dev/null
kubectl delete namespace team --wait=false >/dev/null
wait_for "only the held pod left" bash -c '[[ $(kubectl get all -n team -o name) == pod/held ]]'
expect "still terminating" "Terminating" "$(kubectl get namespace team -o jsonpath='{.status.phase}')"
expect_match "it says why" 'Some finalizers are remaining: example.com/hold in 1 resource instances' \
	"$(kubectl get namespace team -o jsonpath='{.status.conditions[*].message}')"
if out=$(kubectl run late -n team --image=nginx 2>&1); then fail "a pod was created in a terminating namespace"; fi
expect_match "no new content while it terminates" 'unable to create new content in namespace team because it is being terminated' "$out"
kubectl patch pod held -n team --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null
wait_for "the namespace to go" bash -c '! kubectl get namespace team'
echo "ok: namespace deletion"

echo "workloads e2e: all checks passed"
