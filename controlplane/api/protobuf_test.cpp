// Protobuf bodies, built here the way Go's gogo-protobuf writes them (every non-pointer scalar,
// even "", 0 and false; every non-pointer struct, even empty), against the JSON kubectl sends.
#include "controlplane/api/protobuf.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "controlplane/api/protobuf_messages.h"
#include "controlplane/api/schema.h"

using namespace xebec::api;
using namespace std::literals;
using nlohmann::json;
using protobuf::Field;
using protobuf::Message;
using protobuf::Type;

namespace {

// The encoder: wire types, and fields by what they hold.
constexpr int kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kStartGroup = 3, kFixed32 = 5;

std::string varint(uint64_t v) {
  std::string out;
  do {
    auto byte = static_cast<uint8_t>(v & 0x7f);
    v >>= 7;
    if (v != 0) byte |= 0x80;
    out.push_back(static_cast<char>(byte));
  } while (v != 0);
  return out;
}
std::string key(uint32_t number, int wire_type) { return varint(uint64_t{number} << 3 | wire_type); }
// A length-delimited field: a string, or a nested message built with these same functions.
std::string text(uint32_t number, std::string_view payload) {
  return key(number, kLengthDelimited) + varint(payload.size()) + std::string(payload);
}
std::string sub(uint32_t number, std::string_view message) { return text(number, message); }
// A varint field; negative int32 and int64 values are sign-extended to ten bytes, as in Go.
std::string num(uint32_t number, int64_t value) { return key(number, kVarint) + varint(static_cast<uint64_t>(value)); }
// A map<string, string> entry.
std::string entry(uint32_t number, std::string_view k, std::string_view v) {
  return sub(number, text(1, k) + text(2, v));
}
// A map<string, Quantity> entry.
std::string quantity(uint32_t number, std::string_view k, std::string_view v) {
  return sub(number, text(1, k) + sub(2, text(1, v)));
}
// meta/v1 Time; Go writes the zero time as an empty message.
std::string timestamp(uint32_t number, int64_t seconds, int32_t nanos = 0) {
  return sub(number, num(1, seconds) + num(2, nanos));
}
std::string int_or_string(uint32_t number, int32_t value) {
  return sub(number, num(1, 0) + num(2, value) + text(3, ""));
}
std::string int_or_string(uint32_t number, std::string_view value) {
  return sub(number, num(1, 1) + num(2, 0) + text(3, value));
}

// The envelope: "k8s\0" and runtime.Unknown {typeMeta, raw, contentEncoding, contentType}.
std::string body(std::string_view api_version, std::string_view kind, std::string_view raw) {
  return std::string("k8s\0", 4) + sub(1, text(1, api_version) + text(2, kind)) + text(2, raw) + text(3, "") +
         text(4, "");
}

// Messages as gogo writes them with nothing set, `extra` appended (a repeated field, once
// more, sets it again: protobuf keeps the last value).
std::string meta(std::string_view name, std::string_view extra = "") {
  return text(1, name) + text(2, "") + text(3, "") + text(4, "") + text(5, "") + text(6, "") + num(7, 0) + sub(8, "") +
         std::string(extra);
}
std::string container(std::string_view name, std::string_view image, std::string_view extra = "") {
  return text(1, name) + text(2, image) + text(5, "") + sub(8, "") + text(13, "") + text(14, "") + num(16, 0) +
         num(17, 0) + num(18, 0) + text(20, "") + std::string(extra);
}
std::string pod_spec(std::string_view containers, std::string_view extra = "") {
  return std::string(containers) + text(3, "") + text(6, "") + text(8, "") + text(9, "") + text(10, "") + num(11, 0) +
         num(12, 0) + num(13, 0) + text(16, "") + text(17, "") + text(19, "") + text(24, "") + std::string(extra);
}
std::string pod_status(std::string_view extra = "") {
  return text(1, "") + text(3, "") + text(4, "") + text(5, "") + text(6, "") + text(9, "") + text(11, "") +
         text(14, "") + std::string(extra);
}
std::string deployment_status() { return num(1, 0) + num(2, 0) + num(3, 0) + num(4, 0) + num(5, 0) + num(7, 0); }

const ResourceType& kind(std::string_view name) {
  for (const auto& t : resource_types())
    if (t.kind == name) return t;
  FAIL("no served kind " << name);
  return resource_types().front();
}

json decoded(const ResourceType& type, const std::string& raw) {
  auto r = decode_protobuf(body(type.api_version(), type.kind, raw), type);
  INFO((r ? std::string("ok") : r.error().message));
  REQUIRE(r.ok());
  return *r;
}

std::string error_of(const ResourceType& type, const std::string& whole_body) {
  auto r = decode_protobuf(whole_body, type);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == xebec::ErrorCode::kBadRequest);
  return r.error().message;
}

}  // namespace

TEST_CASE("protobuf objects read as the JSON kubectl sends", "[api][protobuf]") {
  struct Row {
    const char* description;
    const char* kind;
    std::string raw;
    const char* json;  // without apiVersion and kind, which the test adds
  };
  const Row rows[] = {
      {"a namespace: zero scalars dropped, empty spec and status kept", "Namespace",
       sub(1, meta("foo")) + sub(2, "") + sub(3, text(1, "")), R"({"metadata":{"name":"foo"},"spec":{},"status":{}})"},
      {"namespace labels, annotations, finalizers and a status condition", "Namespace",
       sub(1, meta("foo", entry(11, "team", "a") + entry(11, "tier", "") + entry(12, "note", "x"))) +
           sub(2, text(1, "kubernetes") + text(1, "")) +
           sub(3, text(1, "Active") +
                      sub(2, text(1, "Ready") + text(2, "False") + sub(4, "") + text(5, "") + text(6, ""))),
       R"({"metadata":{"name":"foo","labels":{"team":"a","tier":""},"annotations":{"note":"x"}},
           "spec":{"finalizers":["kubernetes",""]},
           "status":{"phase":"Active","conditions":[{"type":"Ready","status":"False"}]}})"},
      {"a deployment as kubectl create deployment writes it", "Deployment",
       sub(1, meta("web", entry(11, "app", "web"))) +
           sub(2, num(1, 3) + sub(2, entry(1, "app", "web")) +
                      sub(3, sub(1, meta("", entry(11, "app", "web"))) +
                                 sub(2, pod_spec(sub(2, container("nginx", "nginx"))))) +
                      sub(4, text(1, "")) + num(5, 0) + num(7, 0)) +
           sub(3, deployment_status()),
       R"({"metadata":{"name":"web","labels":{"app":"web"}},
           "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
                   "template":{"metadata":{"labels":{"app":"web"}},
                               "spec":{"containers":[{"name":"nginx","image":"nginx","resources":{}}]}},
                   "strategy":{}},
           "status":{}})"},
      {"deployment pointers keep their zeros; IntOrString as string and number", "Deployment",
       sub(1, meta("web")) +
           sub(2, num(1, 0) + num(6, 0) + num(9, 0) + num(5, 0) + num(7, 0) +
                      sub(4, text(1, "RollingUpdate") + sub(2, int_or_string(1, "25%") + int_or_string(2, 1)))) +
           sub(3, deployment_status() + num(8, 0) +
                      sub(6, text(1, "Available") + text(2, "True") + timestamp(6, 1795600800) + sub(7, "") +
                                 text(4, "MinimumReplicasAvailable") + text(5, ""))),
       R"({"metadata":{"name":"web"},
           "spec":{"replicas":0,"revisionHistoryLimit":0,"progressDeadlineSeconds":0,
                   "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":1}}},
           "status":{"collisionCount":0,"conditions":[{"type":"Available","status":"True",
                     "lastUpdateTime":"2026-11-25T10:00:00Z","reason":"MinimumReplicasAvailable"}]}})"},
      {"a replica set: selector expressions; status replicas has no omitempty", "ReplicaSet",
       sub(1, meta("web-1")) +
           sub(2, num(1, 2) + num(4, 0) +
                      sub(2, sub(2, text(1, "app") + text(2, "In") + text(3, "a") + text(3, "b")) +
                                 sub(2, text(1, "tier") + text(2, "Exists"))) +
                      sub(3, sub(1, meta("")) + sub(2, pod_spec(sub(2, container("c", "busybox")))))) +
           sub(3, num(1, 0) + num(2, 0) + num(3, 0) + num(4, 0) + num(5, 0)),
       R"({"metadata":{"name":"web-1"},
           "spec":{"replicas":2,"selector":{"matchExpressions":[{"key":"app","operator":"In","values":["a","b"]},
                                                               {"key":"tier","operator":"Exists"}]},
                   "template":{"metadata":{},"spec":{"containers":[{"name":"c","image":"busybox","resources":{}}]}}},
           "status":{"replicas":0}})"},
      {"a service as kubectl create service clusterip writes it", "Service",
       sub(1, meta("svc", entry(11, "app", "svc"))) +
           sub(2, sub(1, text(1, "80-8080") + text(2, "TCP") + num(3, 80) + int_or_string(4, 8080) + num(5, 0)) +
                      entry(2, "app", "svc") + text(3, "") + text(4, "ClusterIP") + text(7, "") + text(8, "") +
                      text(10, "") + text(11, "") + num(12, 0) + num(13, 0)) +
           sub(3, sub(1, "")),
       R"({"metadata":{"name":"svc","labels":{"app":"svc"}},
           "spec":{"ports":[{"name":"80-8080","protocol":"TCP","port":80,"targetPort":8080}],
                   "selector":{"app":"svc"},"type":"ClusterIP"},
           "status":{"loadBalancer":{}}})"},
      {"service pointers: session affinity timeout 0, empty ipFamilyPolicy, false allocate", "Service",
       sub(1, meta("svc")) +
           sub(2, sub(1, text(1, "") + text(2, "UDP") + num(3, 53) + int_or_string(4, "dns") + num(5, 30053) +
                             text(6, "")) +
                      text(7, "ClientIP") + sub(14, sub(1, num(1, 0))) + text(17, "") + num(20, 0) +
                      text(18, "10.0.0.1") + text(19, "IPv4")) +
           sub(3, sub(1, sub(1, text(1, "1.2.3.4") + text(2, "") + sub(4, num(1, 80) + text(2, "TCP"))))),
       R"({"metadata":{"name":"svc"},
           "spec":{"ports":[{"protocol":"UDP","port":53,"targetPort":"dns","nodePort":30053,"appProtocol":""}],
                   "sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":0}},
                   "ipFamilyPolicy":"","allocateLoadBalancerNodePorts":false,
                   "clusterIPs":["10.0.0.1"],"ipFamilies":["IPv4"]},
           "status":{"loadBalancer":{"ingress":[{"ip":"1.2.3.4","ports":[{"port":80,"protocol":"TCP"}]}]}}})"},
      {"the pod kubectl run builds, as a Go client sends it", "Pod",
       sub(1, meta("p", entry(11, "x", "y"))) +
           sub(2,
               pod_spec(sub(2, container("p", "busybox",
                                         text(4, "sleep") + text(4, "10") +
                                             sub(6, text(1, "") + num(2, 0) + num(3, 80) + text(4, "") + text(5, "")) +
                                             sub(7, text(1, "A") + text(2, "b")))),
                        text(3, "Always") + text(6, "ClusterFirst"))) +
           sub(3, pod_status()),
       R"({"metadata":{"name":"p","labels":{"x":"y"}},
           "spec":{"containers":[{"name":"p","image":"busybox","args":["sleep","10"],
                                  "ports":[{"containerPort":80}],"env":[{"name":"A","value":"b"}],
                                  "resources":{}}],
                   "restartPolicy":"Always","dnsPolicy":"ClusterFirst"},
           "status":{}})"},
      {"pod spec pointers, tolerations, mounts, quantities and a node selector", "Pod",
       sub(1, meta("p")) +
           sub(2, pod_spec(
                      sub(2, container("c", "img",
                                       sub(8, quantity(1, "cpu", "500m") + quantity(2, "memory", "64Mi") +
                                                  sub(2, text(1, "empty") + sub(2, ""))) +
                                           sub(9, text(1, "data") + num(2, 1) + text(3, "/data") + text(4, "") +
                                                      text(6, "")) +
                                           sub(15, num(2, 1) + sub(1, text(1, "NET_ADMIN")) + num(4, 0)))),
                      num(4, 0) + num(21, 0) + num(25, -5) + num(30, 0) + num(37, 0) + num(11, 0) +
                          entry(7, "disk", "ssd") +
                          sub(22, text(1, "") + text(2, "Exists") + text(3, "") + text(4, "NoExecute") + num(5, 0)))) +
           sub(3, pod_status()),
       R"({"metadata":{"name":"p"},
           "spec":{"containers":[{"name":"c","image":"img",
                                  "resources":{"limits":{"cpu":"500m"},"requests":{"memory":"64Mi","empty":"0"}},
                                  "volumeMounts":[{"name":"data","readOnly":true,"mountPath":"/data"}],
                                  "securityContext":{"privileged":true,"capabilities":{"add":["NET_ADMIN"]},
                                                     "runAsUser":0}}],
                   "terminationGracePeriodSeconds":0,"automountServiceAccountToken":false,"priority":-5,
                   "enableServiceLinks":false,"hostUsers":false,"nodeSelector":{"disk":"ssd"},
                   "tolerations":[{"operator":"Exists","effect":"NoExecute","tolerationSeconds":0}]},
           "status":{}})"},
      {"pod status: times, IPs, conditions and container states", "Pod",
       sub(1, meta("p")) + sub(2, pod_spec("")) +
           sub(3, pod_status(text(1, "Running") + timestamp(7, 1795600800, 999) + sub(12, text(1, "10.0.0.5")) +
                             sub(2, text(1, "Ready") + text(2, "True") + sub(3, "") + timestamp(4, 0) + text(5, "") +
                                        text(6, "")) +
                             sub(8, text(1, "c") + sub(2, sub(2, timestamp(1, 1795600800))) + sub(3, "") + num(4, 0) +
                                        num(5, 0) + text(6, "img") + text(7, "") + text(8, "")))),
       R"({"metadata":{"name":"p"},"spec":{},
           "status":{"phase":"Running","startTime":"2026-11-25T10:00:00Z","podIPs":[{"ip":"10.0.0.5"}],
                     "conditions":[{"type":"Ready","status":"True","lastTransitionTime":"1970-01-01T00:00:00Z"}],
                     "containerStatuses":[{"name":"c","state":{"running":{"startedAt":"2026-11-25T10:00:00Z"}},
                                           "lastState":{},"ready":false,"restartCount":0,"image":"img",
                                           "imageID":""}]}})"},
      {"object meta: owner references, a creation time, a deletion grace period of 0", "Pod",
       sub(1, meta("p", timestamp(8, 1795600800, 500) + num(10, 0) + num(7, 3) + text(3, "default") +
                            sub(13, text(1, "ReplicaSet") + text(3, "web-1") + text(4, "u-1") + text(5, "apps/v1") +
                                        num(6, 1) + num(7, 0)) +
                            text(14, "example.com/guard"))) +
           sub(2, pod_spec("")) + sub(3, pod_status()),
       R"({"metadata":{"name":"p","namespace":"default","generation":3,
                       "creationTimestamp":"2026-11-25T10:00:00Z","deletionGracePeriodSeconds":0,
                       "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-1","uid":"u-1",
                                           "controller":true,"blockOwnerDeletion":false}],
                       "finalizers":["example.com/guard"]},
           "spec":{},"status":{}})"},
      {"ephemeral containers and env sources embed their common part", "Pod",
       sub(1, meta("p")) +
           sub(2, pod_spec(sub(2, container("c", "img",
                                            sub(19, text(1, "CFG_") + sub(2, sub(1, text(1, "settings")) + num(2, 0))) +
                                                sub(19, sub(3, sub(1, text(1, "creds")))))) +
                           sub(34, sub(1, container("debug", "busybox")) + text(2, "c")))) +
           sub(3, pod_status()),
       R"({"metadata":{"name":"p"},
           "spec":{"containers":[{"name":"c","image":"img","resources":{},
                                  "envFrom":[{"prefix":"CFG_","configMapRef":{"name":"settings","optional":false}},
                                             {"secretRef":{"name":"creds"}}]}],
                   "ephemeralContainers":[{"name":"debug","image":"busybox","resources":{},
                                           "targetContainerName":"c"}]},
           "status":{}})"},
      {"a replication controller: replicas 0 kept, a map selector", "ReplicationController",
       sub(1, meta("rc")) +
           sub(2,
               num(1, 0) + num(4, 0) + entry(2, "app", "rc") +
                   sub(3, sub(1, meta("", entry(11, "app", "rc"))) + sub(2, pod_spec(sub(2, container("c", "i")))))) +
           sub(3, num(1, 1) + num(2, 0) + num(3, 0) + num(4, 0) + num(5, 0)),
       R"({"metadata":{"name":"rc"},
           "spec":{"replicas":0,"selector":{"app":"rc"},
                   "template":{"metadata":{"labels":{"app":"rc"}},
                               "spec":{"containers":[{"name":"c","image":"i","resources":{}}]}}},
           "status":{"replicas":1}})"},
      {"endpoints: addresses, a target reference and ports", "Endpoints",
       sub(1, meta("svc")) + sub(2, sub(1, text(1, "10.0.0.5") + text(3, "") + text(4, "n1") +
                                               sub(2, text(1, "Pod") + text(2, "default") + text(3, "p") + text(4, "") +
                                                          text(5, "") + text(6, "") + text(7, ""))) +
                                        sub(3, text(1, "") + num(2, 8080) + text(3, "TCP"))),
       R"({"metadata":{"name":"svc"},
           "subsets":[{"addresses":[{"ip":"10.0.0.5","nodeName":"n1",
                                     "targetRef":{"kind":"Pod","namespace":"default","name":"p"}}],
                       "ports":[{"port":8080,"protocol":"TCP"}]}]})"},
      {"an event: MicroTime to the microsecond, reporting fields kept empty", "Event",
       sub(1, meta("e")) + sub(2, text(1, "Pod") + text(3, "p")) + text(3, "Started") + text(4, "") +
           sub(5, text(1, "") + text(2, "")) + sub(6, "") + timestamp(7, 1795600800) + num(8, 2) + text(9, "Normal") +
           timestamp(10, 1795600800, 123456789) + sub(11, num(1, 2) + timestamp(2, 1795600801)) + text(12, "") +
           text(14, "") + text(15, ""),
       R"({"metadata":{"name":"e"},"involvedObject":{"kind":"Pod","name":"p"},"reason":"Started",
           "source":{},"lastTimestamp":"2026-11-25T10:00:00Z","count":2,"type":"Normal",
           "eventTime":"2026-11-25T10:00:00.123456Z",
           "series":{"count":2,"lastObservedTime":"2026-11-25T10:00:01.000000Z"},
           "reportingComponent":"","reportingInstance":""})"},
      {"a node: taints with a time added, an empty status", "Node",
       sub(1, meta("n1")) +
           sub(2, text(1, "10.244.0.0/24") + text(2, "") + text(3, "") + num(4, 1) +
                      sub(5, text(1, "dedicated") + text(2, "") + text(3, "NoSchedule") + timestamp(4, 1795600800))) +
           sub(3, ""),
       R"({"metadata":{"name":"n1"},
           "spec":{"podCIDR":"10.244.0.0/24","unschedulable":true,
                   "taints":[{"key":"dedicated","effect":"NoSchedule","timeAdded":"2026-11-25T10:00:00Z"}]},
           "status":{}})"},
      {"a field that comes twice: scalars take the last value, messages merge", "Namespace",
       sub(1, meta("first", entry(11, "a", "1"))) + sub(1, text(1, "second") + entry(11, "b", "2") + text(3, "")) +
           sub(2, "") + sub(3, text(1, "Active") + text(1, "")),
       R"({"metadata":{"name":"second","labels":{"a":"1","b":"2"}},"spec":{},"status":{}})"},
  };
  for (const auto& row : rows) {
    SECTION(row.description) {
      const ResourceType& type = kind(row.kind);
      json expected = json::parse(row.json);
      expected["apiVersion"] = type.api_version();
      expected["kind"] = type.kind;
      CHECK(decoded(type, row.raw) == expected);
    }
  }
}

TEST_CASE("protobuf bodies kubectl 1.32 sent read as the JSON it prints for the same command", "[api][protobuf]") {
  // Captured with `kubectl -v=9 COMMAND` against this apiserver (client-go logs a protobuf request
  // body as a hex dump). The JSON is `kubectl COMMAND -o json --dry-run=client` without its
  // "creationTimestamp": null, Go's JSON for the zero time, which the decoder leaves out.
  struct Fixture {
    const char* command;
    const char* kind;
    std::string_view body;
    const char* json;
  };
  const Fixture fixtures[] = {
      {"kubectl create namespace foo", "Namespace",
       "k8s\000\012\017\012\002v1\022\011Namespace\022\033\012\023\012\003foo\022\000\032\000\042\000*"
       "\0002\0008\000B\000\022\000\032\002\012\000\032\000\042\000"sv,
       R"({"kind":"Namespace","apiVersion":"v1","metadata":{"name":"foo"},"spec":{},"status":{}})"},
      {"kubectl create deployment web --image=nginx --replicas=3", "Deployment",
       "k8s\000\012\025\012\007apps/v1\022\012Deployment\022\253\001\012\037\012\003web\022\000\032\000"
       "\042\000*\0002\0008\000B\000Z\012\012\003app\022\003web\022z\010\003\022\014\012\012\012\003app"
       "\022\003web\032`\012\034\012\000\022\000\032\000\042\000*\0002\0008\000B\000Z\012\012\003app\022"
       "\003web\022@\022\042\012\005nginx\022\005nginx*\000B\000j\000r\000\200\001\000\210\001\000\220"
       "\001\000\242\001\000\032\0002\000B\000J\000R\000X\000`\000h\000\202\001\000\212\001\000\232\001"
       "\000\302\001\000\042\002\012\000(\0008\000\032\014\010\000\020\000\030\000 \000(\0008\000\032"
       "\000\042\000"sv,
       R"({"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","labels":{"app":"web"}},
         "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
         "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx",
         "image":"nginx","resources":{}}]}},"strategy":{}},"status":{}})"},
      {"kubectl create deployment web2 --image=nginx:1.27 --image=busybox --port=8080", "Deployment",
       "k8s\000\012\025\012\007apps/v1\022\012Deployment\022\353\001\012!\012\004web2\022\000\032\000"
       "\042\000*\0002\0008\000B\000Z\013\012\003app\022\004web2\022\267\001\010\001\022\015\012\013\012"
       "\003app\022\004web2\032\233\001\012\035\012\000\022\000\032\000\042\000*\0002\0008\000B\000Z\013"
       "\012\003app\022\004web2\022z\0224\012\005nginx\022\012nginx:1.27*\0002\013\012\000\020\000\030"
       "\220?\042\000*\000B\000j\000r\000\200\001\000\210\001\000\220\001\000\242\001\000\022&\012\007bu"
       "sybox\022\007busybox*\000B\000j\000r\000\200\001\000\210\001\000\220\001\000\242\001\000\032\000"
       "2\000B\000J\000R\000X\000`\000h\000\202\001\000\212\001\000\232\001\000\302\001\000\042\002\012"
       "\000(\0008\000\032\014\010\000\020\000\030\000 \000(\0008\000\032\000\042\000"sv,
       R"({"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web2","labels":{"app":"web2"}},
         "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web2"}},
         "template":{"metadata":{"labels":{"app":"web2"}},"spec":{"containers":[{"name":"nginx",
         "image":"nginx:1.27","ports":[{"containerPort":8080}],"resources":{}},{"name":"busybox",
         "image":"busybox","resources":{}}]}},"strategy":{}},"status":{}})"},
      {"kubectl create deployment web3 --image=busybox --replicas=0 -- sleep 3600", "Deployment",
       "k8s\000\012\025\012\007apps/v1\022\012Deployment\022\301\001\012!\012\004web3\022\000\032\000"
       "\042\000*\0002\0008\000B\000Z\013\012\003app\022\004web3\022\215\001\010\000\022\015\012\013\012"
       "\003app\022\004web3\032r\012\035\012\000\022\000\032\000\042\000*\0002\0008\000B\000Z\013\012"
       "\003app\022\004web3\022Q\0223\012\007busybox\022\007busybox\032\005sleep\032\0043600*\000B\000j"
       "\000r\000\200\001\000\210\001\000\220\001\000\242\001\000\032\0002\000B\000J\000R\000X\000`\000h"
       "\000\202\001\000\212\001\000\232\001\000\302\001\000\042\002\012\000(\0008\000\032\014\010\000"
       "\020\000\030\000 \000(\0008\000\032\000\042\000"sv,
       R"({"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web3","labels":{"app":"web3"}},
         "spec":{"replicas":0,"selector":{"matchLabels":{"app":"web3"}},
         "template":{"metadata":{"labels":{"app":"web3"}},"spec":{"containers":[{"name":"busybox",
         "image":"busybox","command":["sleep","3600"],"resources":{}}]}},"strategy":{}},"status":{}})"},
      {"kubectl create service clusterip svc --tcp=80:8080", "Service",
       "k8s\000\012\015\012\002v1\022\007Service\022i\012\037\012\003svc\022\000\032\000\042\000*\0002"
       "\0008\000B\000Z\012\012\003app\022\003svc\022B\012\033\012\00780-8080\022\003TCP\030P\042\007"
       "\010\000\020\220?\032\000(\000\022\012\012\003app\022\003svc\032\000\042\011ClusterIP:\000B\000R"
       "\000Z\000`\000h\000\032\002\012\000\032\000\042\000"sv,
       R"({"kind":"Service","apiVersion":"v1","metadata":{"name":"svc","labels":{"app":"svc"}},
         "spec":{"ports":[{"name":"80-8080","protocol":"TCP","port":80,"targetPort":8080}],
         "selector":{"app":"svc"},"type":"ClusterIP"},"status":{"loadBalancer":{}}})"},
      {"kubectl create service externalname ext --external-name=example.com", "Service",
       "k8s\000\012\015\012\002v1\022\007Service\022Z\012\037\012\003ext\022\000\032\000\042\000*\0002"
       "\0008\000B\000Z\012\012\003app\022\003ext\0223\022\012\012\003app\022\003ext\032\000\042\014Exte"
       "rnalName:\000B\000R\013example.comZ\000`\000h\000\032\002\012\000\032\000\042\000"sv,
       R"({"kind":"Service","apiVersion":"v1","metadata":{"name":"ext","labels":{"app":"ext"}},
         "spec":{"selector":{"app":"ext"},"type":"ExternalName","externalName":"example.com"},
         "status":{"loadBalancer":{}}})"},
  };
  for (const auto& f : fixtures) {
    SECTION(f.command) {
      const ResourceType& type = kind(f.kind);
      auto r = decode_protobuf(f.body, type);
      INFO((r ? std::string("ok") : r.error().message));
      REQUIRE(r.ok());
      CHECK(*r == json::parse(f.json));
      // kubectl sends these with fieldValidation=Strict: every field must be one the schema knows.
      CHECK(check_fields(type, *r, true).ok());
    }
  }
}

TEST_CASE("protobuf envelope: magic, typeMeta and what the raw bytes are", "[api][protobuf]") {
  const ResourceType& ns = kind("Namespace");
  const std::string raw = sub(1, meta("foo"));
  const std::string magic("k8s\0", 4);
  SECTION("an empty typeMeta defers to the URL; the result names the kind") {
    auto r = decode_protobuf(magic + sub(1, "") + text(2, raw), ns);
    REQUIRE(r.ok());
    CHECK(*r == json::parse(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"foo"}})"));
  }
  SECTION("no raw bytes: an object with nothing set") {
    auto r = decode_protobuf(magic, ns);
    REQUIRE(r.ok());
    CHECK(*r == json::parse(R"({"apiVersion":"v1","kind":"Namespace"})"));
  }
  SECTION("contentType naming protobuf is accepted") {
    auto r = decode_protobuf(magic + text(2, raw) + text(4, kProtobufContentType), ns);
    CHECK(r.ok());
  }
}

TEST_CASE("protobuf bodies that cannot be read are bad requests that say why", "[api][protobuf]") {
  const ResourceType& ns = kind("Namespace");
  const ResourceType& pod = kind("Pod");
  const std::string magic("k8s\0", 4);
  const std::string pod_with = sub(1, meta("p"));  // a pod's metadata, to put a broken spec after
  struct Row {
    const char* description;
    const ResourceType& type;
    std::string body;
    const char* message;
  };
  const Row rows[] = {
      {"JSON, not protobuf", ns, R"({"kind":"Namespace"})",
       "protobuf body: it does not start with the Kubernetes protobuf magic \"k8s\\x00\""},
      {"an empty body", ns, "", "does not start with the Kubernetes protobuf magic"},
      {"the envelope cut inside a field", ns, magic + key(2, kLengthDelimited) + varint(5) + "ab",
       "protobuf body: field 2 of io.k8s.apimachinery.pkg.runtime.Unknown is cut short"},
      {"a tag cut short", ns, body("v1", "Namespace", "\x80"),
       "protobuf body: a field tag of io.k8s.api.core.v1.Namespace is cut short"},
      {"a varint cut short", ns, body("v1", "Namespace", sub(1, key(7, kVarint) + "\xff")),
       "protobuf body: field 7 of io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta is cut short"},
      {"a varint longer than ten bytes", ns,
       body("v1", "Namespace", sub(1, key(7, kVarint) + std::string(10, '\xff') + "\x01")),
       "protobuf body: field 7 of io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta is a malformed varint"},
      {"a length past the end", ns, body("v1", "Namespace", key(1, kLengthDelimited) + varint(10) + "abc"),
       "protobuf body: field 1 of io.k8s.api.core.v1.Namespace is cut short"},
      {"a length past the end of the enclosing message", pod,
       body("v1", "Pod", pod_with + sub(2, key(2, kLengthDelimited) + varint(3) + "a") + "bcdef"),
       "protobuf body: field 2 of io.k8s.api.core.v1.PodSpec is cut short"},
      {"a fixed64 cut short", ns, body("v1", "Namespace", sub(1, key(7, kFixed64) + "1234")),
       "protobuf body: field 7 of io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta is cut short"},
      {"the wrong kind", ns, body("v1", "Pod", ""),
       "the kind in the data (\"Pod\") does not match the expected kind (Namespace)"},
      {"the wrong API version", ns, body("apps/v1", "Namespace", ""),
       "the API version in the data (\"apps/v1\") does not match the expected API version (v1)"},
      {"a compressed object", ns, magic + text(2, "") + text(3, "gzip"),
       "protobuf body: the object is encoded as \"gzip\", which this server does not decode; send it unencoded"},
      {"an object that is JSON inside", ns, magic + text(2, "{}") + text(4, "application/json"),
       "protobuf body: the object inside is \"application/json\", not application/vnd.kubernetes.protobuf"},
      {"a field number the table does not know", pod, body("v1", "Pod", pod_with + sub(2, text(99, "x"))),
       "protobuf body: field 99 of io.k8s.api.core.v1.PodSpec is not understood by this server; send the object "
       "as JSON instead (e.g. kubectl create ... --dry-run=client -o json | kubectl create -f -)"},
      {"an open type with fields in it", pod,
       body("v1", "Pod", pod_with + sub(2, sub(2, container("c", "i", sub(10, num(2, 5)))))),
       "protobuf body: field 2 of io.k8s.api.core.v1.Probe is not understood by this server"},
      {"a field of the envelope it does not know", ns, magic + text(5, ""),
       "protobuf body: field 5 of io.k8s.apimachinery.pkg.runtime.Unknown is not understood"},
      {"a string sent as a varint", ns, body("v1", "Namespace", sub(1, num(1, 7))),
       "protobuf body: field 1 of io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta has wire type varint where its "
       "type needs length-delimited"},
      {"a number sent as bytes", pod, body("v1", "Pod", pod_with + sub(2, text(4, "30"))),
       "protobuf body: field 4 of io.k8s.api.core.v1.PodSpec has wire type length-delimited where its type needs "
       "varint"},
      {"a number sent as fixed32", pod, body("v1", "Pod", pod_with + sub(2, key(4, kFixed32) + "\x1e\0\0\0"s)),
       "field 4 of io.k8s.api.core.v1.PodSpec has wire type fixed32 where its type needs varint"},
      {"a group", ns, body("v1", "Namespace", key(1, kStartGroup)),
       "protobuf body: field 1 of io.k8s.api.core.v1.Namespace is a protobuf group, which Kubernetes objects never "
       "contain"},
      {"field number 0", ns, body("v1", "Namespace", "\x02\x00"s),
       "protobuf body: io.k8s.api.core.v1.Namespace holds field number 0, which protobuf does not allow"},
      {"a map entry cut short", ns, body("v1", "Namespace", sub(1, sub(11, key(2, kLengthDelimited) + varint(4)))),
       "protobuf body: field 2 of io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta.LabelsEntry is cut short"},
      {"a string that is not UTF-8", ns, body("v1", "Namespace", sub(1, text(1, "\xc3\x28"))),
       "protobuf body: field 1 of io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta is not valid UTF-8"},
      {"an IntOrString of a third type", kind("Service"), body("v1", "Service", sub(2, sub(1, sub(4, num(1, 2))))),
       "protobuf body: field 1 of io.k8s.apimachinery.pkg.util.intstr.IntOrString is type 2, neither 0 (int) nor "
       "1 (string)"},
      {"a time past the year 9999", ns, body("v1", "Namespace", sub(1, timestamp(8, 253402300800))),
       "protobuf body: field 8 of io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta is a time outside "
       "0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z"},
      {"negative nanoseconds", ns, body("v1", "Namespace", sub(1, timestamp(8, 0, -1))),
       "field 8 of io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta is a time outside"},
  };
  for (const auto& row : rows) {
    SECTION(row.description) { CHECK_THAT(error_of(row.type, row.body), Catch::Contains(row.message)); }
  }
  SECTION("a kind without a table") {
    const ResourceType job{"batch", "v1", "Job", "jobs", "job", true, {}, {}};
    CHECK(error_of(job, body("batch/v1", "Job", "")) ==
          "protobuf body: this server cannot read a Job sent as protobuf; send it as JSON");
  }
  SECTION("every prefix of a good body is an error or a smaller object, never an over-read") {
    const std::string whole = body("v1", "Pod", pod_with + sub(2, pod_spec(sub(2, container("c", "i")))));
    for (size_t n = 0; n < whole.size(); ++n) {
      auto r = decode_protobuf(std::string_view(whole).substr(0, n), pod);
      if (!r) CHECK(r.error().code == xebec::ErrorCode::kBadRequest);
    }
  }
}

namespace {

// The component a field's schema names: "io.k8s.api.core.v1.Container" for
// {"allOf": [{"$ref": "#/components/schemas/io.k8s.api.core.v1.Container"}]}.
std::string ref_of(const json& schema) {
  if (!schema.contains("allOf")) return "";
  const std::string ref = schema["allOf"][0].value("$ref", "");
  return ref.substr(ref.rfind('/') + 1);
}

// Whether the table's field and the schema's property agree on what the value is.
bool same_shape(const Field& f, const json& property) {
  const std::string kMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.";
  if (f.repeated) {
    if (property.value("type", "") != "array") return false;
    Field item = f;
    item.repeated = false;
    return same_shape(item, property["items"]);
  }
  switch (f.type) {
    case Type::kString:
      return property.value("type", "") == "string";
    case Type::kBool:
      return property.value("type", "") == "boolean";
    case Type::kInt32:
      return property.value("type", "") == "integer" && property.value("format", "") == "int32";
    case Type::kInt64:
      return property.value("type", "") == "integer" && property.value("format", "") == "int64";
    case Type::kMessage:
      return ref_of(property) == f.message->name;
    case Type::kStringMap:
      return property.contains("additionalProperties") &&
             property["additionalProperties"].value("type", "") == "string";
    case Type::kQuantityMap:
      return property.contains("additionalProperties") &&
             ref_of(property["additionalProperties"]) == "io.k8s.apimachinery.pkg.api.resource.Quantity";
    case Type::kTime:
      return ref_of(property) == kMeta + "Time";
    case Type::kMicroTime:
      return ref_of(property) == kMeta + "MicroTime";
    case Type::kIntOrString:
      return ref_of(property) == "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
    case Type::kInline:
      return false;
  }
  return false;
}

// Checks the fields of `m` (and of what it inlines) against `schema`, then every message they
// lead to against its own. Types found only under open parents (conditions, container
// statuses) have no schema: nullptr.
void check_against_schemas(const Message& m, const json* schema, std::set<std::string_view>& seen) {
  const bool checked = schema != nullptr && !schema->value("x-kubernetes-preserve-unknown-fields", false);
  INFO(m.name);
  if (m.fields.empty()) CHECK(!checked);  // a table-less stand-in only for types stored as given
  for (const auto& f : m.fields) {
    INFO("field " << f.number << " " << f.name);
    CHECK((!f.repeated || f.type == Type::kString || f.type == Type::kMessage));
    if (f.type == Type::kInline) {
      check_against_schemas(*f.message, schema, seen);
      continue;
    }
    if (checked) {
      REQUIRE((*schema)["properties"].contains(std::string(f.name)));
      CHECK(same_shape(f, (*schema)["properties"][std::string(f.name)]));
    }
    if (f.type == Type::kMessage && seen.insert(f.message->name).second) {
      const json& schemas = component_schemas();
      const std::string name(f.message->name);
      check_against_schemas(*f.message, schemas.contains(name) ? &schemas[name] : nullptr, seen);
    }
  }
}

// The field numbers and JSON names of `m`, inlined fields included, for the uniqueness check.
void collect(const Message& m, std::multiset<uint32_t>& numbers, std::multiset<std::string_view>& names) {
  for (const auto& f : m.fields) {
    numbers.insert(f.number);
    if (f.type == Type::kInline) {
      std::multiset<uint32_t> inner;
      collect(*f.message, inner, names);
    } else {
      names.insert(f.name);
    }
  }
}

void check_unique(const Message& m, std::set<std::string_view>& seen) {
  if (!seen.insert(m.name).second) return;
  std::multiset<uint32_t> numbers;
  std::multiset<std::string_view> names;
  collect(m, numbers, names);
  for (uint32_t n : numbers) CHECK(numbers.count(n) == 1);
  for (std::string_view n : names) CHECK(names.count(n) == 1);
  for (const auto& f : m.fields)
    if (f.message) check_unique(*f.message, seen);
}

}  // namespace

TEST_CASE("protobuf message tables agree with schema.cpp", "[api][protobuf]") {
  const json& schemas = component_schemas();
  SECTION("every served kind has a table, named as its schema") {
    for (const auto& t : resource_types()) {
      INFO(t.kind);
      const Message* m = protobuf::find_kind(schema_name(t));
      REQUIRE(m != nullptr);
      CHECK(m->name == schema_name(t));
    }
  }
  SECTION("every field is a property of its message's schema, of the same type") {
    std::set<std::string_view> seen;
    for (const Message* m : protobuf::kinds()) check_against_schemas(*m, &schemas.at(std::string(m->name)), seen);
  }
  SECTION("field numbers and JSON names are unique within a message") {
    std::set<std::string_view> seen;
    for (const Message* m : protobuf::kinds()) check_unique(*m, seen);
  }
}
