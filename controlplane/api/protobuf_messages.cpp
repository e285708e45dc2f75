// The message tables: field numbers from Kubernetes' generated.proto files (k8s.io/api core/v1
// and apps/v1, k8s.io/apimachinery meta/v1), JSON names from schema.cpp, and which scalars keep
// their zero value (Go pointers, and fields Go's JSON prints without omitempty). Leaves come
// first: a table may only point at tables above it, so the whole set is built at compile time.
#include "controlplane/api/protobuf_messages.h"

#include <array>

namespace xebec::api::protobuf {

namespace {

constexpr Field str(uint32_t n, std::string_view name) { return {n, name, Type::kString}; }
constexpr Field boolean(uint32_t n, std::string_view name) { return {n, name, Type::kBool}; }
constexpr Field i32(uint32_t n, std::string_view name) { return {n, name, Type::kInt32}; }
constexpr Field i64(uint32_t n, std::string_view name) { return {n, name, Type::kInt64}; }
constexpr Field strings(uint32_t n, std::string_view name) { return {n, name, Type::kString, true}; }
constexpr Field string_map(uint32_t n, std::string_view name) { return {n, name, Type::kStringMap}; }
constexpr Field quantities(uint32_t n, std::string_view name) { return {n, name, Type::kQuantityMap}; }
constexpr Field time(uint32_t n, std::string_view name) { return {n, name, Type::kTime}; }
constexpr Field micro_time(uint32_t n, std::string_view name) { return {n, name, Type::kMicroTime}; }
constexpr Field int_or_string(uint32_t n, std::string_view name) { return {n, name, Type::kIntOrString}; }
constexpr Field object(uint32_t n, std::string_view name, const Message& m) {
  return {n, name, Type::kMessage, false, &m};
}
constexpr Field objects(uint32_t n, std::string_view name, const Message& m) {
  return {n, name, Type::kMessage, true, &m};
}
constexpr Field inlined(uint32_t n, const Message& m) { return {n, "", Type::kInline, false, &m}; }

// A Go pointer (*int32, *bool, *string, ...) or a field without omitempty: its zero stays.
constexpr Field kept(Field f) {
  f.presence = Presence::kKeepZero;
  return f;
}

// Types this server stores as given (open in schema.cpp) without a table here.
constexpr Message kManagedFieldsEntry{"io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry", {}};
constexpr Message kEnvVarSource{"io.k8s.api.core.v1.EnvVarSource", {}};
constexpr Message kProbe{"io.k8s.api.core.v1.Probe", {}};
constexpr Message kLifecycle{"io.k8s.api.core.v1.Lifecycle", {}};
constexpr Message kPodSecurityContext{"io.k8s.api.core.v1.PodSecurityContext", {}};
constexpr Message kAffinity{"io.k8s.api.core.v1.Affinity", {}};
constexpr Message kVolume{"io.k8s.api.core.v1.Volume", {}};
constexpr Message kNodeConfigSource{"io.k8s.api.core.v1.NodeConfigSource", {}};
constexpr Message kNodeStatus{"io.k8s.api.core.v1.NodeStatus", {}};

// meta/v1

constexpr Field kOwnerReferenceFields[] = {
    kept(str(5, "apiVersion")), kept(str(1, "kind")),           kept(str(3, "name")),
    kept(str(4, "uid")),        kept(boolean(6, "controller")), kept(boolean(7, "blockOwnerDeletion")),
};
constexpr Message kOwnerReference{"io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference", kOwnerReferenceFields};

constexpr Field kObjectMetaFields[] = {
    str(1, "name"),
    str(2, "generateName"),
    str(3, "namespace"),
    str(4, "selfLink"),
    str(5, "uid"),
    str(6, "resourceVersion"),
    i64(7, "generation"),
    time(8, "creationTimestamp"),
    time(9, "deletionTimestamp"),
    kept(i64(10, "deletionGracePeriodSeconds")),
    string_map(11, "labels"),
    string_map(12, "annotations"),
    objects(13, "ownerReferences", kOwnerReference),
    strings(14, "finalizers"),
    objects(17, "managedFields", kManagedFieldsEntry),
};
constexpr Message kObjectMeta{"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", kObjectMetaFields};

constexpr Field kLabelSelectorRequirementFields[] = {
    kept(str(1, "key")),
    kept(str(2, "operator")),
    strings(3, "values"),
};
constexpr Message kLabelSelectorRequirement{"io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement",
                                            kLabelSelectorRequirementFields};

constexpr Field kLabelSelectorFields[] = {
    string_map(1, "matchLabels"),
    objects(2, "matchExpressions", kLabelSelectorRequirement),
};
constexpr Message kLabelSelector{"io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector", kLabelSelectorFields};

constexpr Field kConditionFields[] = {
    kept(str(1, "type")),          kept(str(2, "status")), i64(3, "observedGeneration"),
    time(4, "lastTransitionTime"), kept(str(5, "reason")), kept(str(6, "message")),
};
constexpr Message kCondition{"io.k8s.apimachinery.pkg.apis.meta.v1.Condition", kConditionFields};

// core/v1: what containers are made of

constexpr Field kContainerPortFields[] = {
    str(1, "name"), i32(2, "hostPort"), kept(i32(3, "containerPort")), str(4, "protocol"), str(5, "hostIP"),
};
constexpr Message kContainerPort{"io.k8s.api.core.v1.ContainerPort", kContainerPortFields};

constexpr Field kEnvVarFields[] = {
    kept(str(1, "name")),
    str(2, "value"),
    object(3, "valueFrom", kEnvVarSource),
};
constexpr Message kEnvVar{"io.k8s.api.core.v1.EnvVar", kEnvVarFields};

constexpr Field kLocalObjectReferenceFields[] = {str(1, "name")};
constexpr Message kLocalObjectReference{"io.k8s.api.core.v1.LocalObjectReference", kLocalObjectReferenceFields};

// ConfigMapEnvSource and SecretEnvSource embed a LocalObjectReference: {"name": ..., "optional": ...}.
constexpr Field kEnvSourceFields[] = {
    inlined(1, kLocalObjectReference),
    kept(boolean(2, "optional")),
};
constexpr Message kConfigMapEnvSource{"io.k8s.api.core.v1.ConfigMapEnvSource", kEnvSourceFields};
constexpr Message kSecretEnvSource{"io.k8s.api.core.v1.SecretEnvSource", kEnvSourceFields};

constexpr Field kEnvFromSourceFields[] = {
    str(1, "prefix"),
    object(2, "configMapRef", kConfigMapEnvSource),
    object(3, "secretRef", kSecretEnvSource),
};
constexpr Message kEnvFromSource{"io.k8s.api.core.v1.EnvFromSource", kEnvFromSourceFields};

constexpr Field kResourceClaimFields[] = {kept(str(1, "name")), str(2, "request")};
constexpr Message kResourceClaim{"io.k8s.api.core.v1.ResourceClaim", kResourceClaimFields};

constexpr Field kResourceRequirementsFields[] = {
    quantities(1, "limits"),
    quantities(2, "requests"),
    objects(3, "claims", kResourceClaim),
};
constexpr Message kResourceRequirements{"io.k8s.api.core.v1.ResourceRequirements", kResourceRequirementsFields};

constexpr Field kContainerResizePolicyFields[] = {kept(str(1, "resourceName")), kept(str(2, "restartPolicy"))};
constexpr Message kContainerResizePolicy{"io.k8s.api.core.v1.ContainerResizePolicy", kContainerResizePolicyFields};

constexpr Field kVolumeMountFields[] = {
    kept(str(1, "name")),      boolean(2, "readOnly"), kept(str(7, "recursiveReadOnly")),
    kept(str(3, "mountPath")), str(4, "subPath"),      kept(str(5, "mountPropagation")),
    str(6, "subPathExpr"),
};
constexpr Message kVolumeMount{"io.k8s.api.core.v1.VolumeMount", kVolumeMountFields};

constexpr Field kVolumeDeviceFields[] = {kept(str(1, "name")), kept(str(2, "devicePath"))};
constexpr Message kVolumeDevice{"io.k8s.api.core.v1.VolumeDevice", kVolumeDeviceFields};

// The container security context (`kubectl run --privileged` sets one). Every field is a pointer.
constexpr Field kCapabilitiesFields[] = {strings(1, "add"), strings(2, "drop")};
constexpr Message kCapabilities{"io.k8s.api.core.v1.Capabilities", kCapabilitiesFields};

constexpr Field kSELinuxOptionsFields[] = {str(1, "user"), str(2, "role"), str(3, "type"), str(4, "level")};
constexpr Message kSELinuxOptions{"io.k8s.api.core.v1.SELinuxOptions", kSELinuxOptionsFields};

constexpr Field kWindowsSecurityContextOptionsFields[] = {
    kept(str(1, "gmsaCredentialSpecName")),
    kept(str(2, "gmsaCredentialSpec")),
    kept(str(3, "runAsUserName")),
    kept(boolean(4, "hostProcess")),
};
constexpr Message kWindowsSecurityContextOptions{"io.k8s.api.core.v1.WindowsSecurityContextOptions",
                                                 kWindowsSecurityContextOptionsFields};

// SeccompProfile and AppArmorProfile: {type, localhostProfile}.
constexpr Field kProfileFields[] = {kept(str(1, "type")), kept(str(2, "localhostProfile"))};
constexpr Message kSeccompProfile{"io.k8s.api.core.v1.SeccompProfile", kProfileFields};
constexpr Message kAppArmorProfile{"io.k8s.api.core.v1.AppArmorProfile", kProfileFields};

constexpr Field kSecurityContextFields[] = {
    object(1, "capabilities", kCapabilities),
    kept(boolean(2, "privileged")),
    object(3, "seLinuxOptions", kSELinuxOptions),
    object(10, "windowsOptions", kWindowsSecurityContextOptions),
    kept(i64(4, "runAsUser")),
    kept(i64(8, "runAsGroup")),
    kept(boolean(5, "runAsNonRoot")),
    kept(boolean(6, "readOnlyRootFilesystem")),
    kept(boolean(7, "allowPrivilegeEscalation")),
    kept(str(9, "procMount")),
    object(11, "seccompProfile", kSeccompProfile),
    object(12, "appArmorProfile", kAppArmorProfile),
};
constexpr Message kSecurityContext{"io.k8s.api.core.v1.SecurityContext", kSecurityContextFields};

// Container and EphemeralContainerCommon share their fields and numbers.
constexpr Field kContainerFields[] = {
    kept(str(1, "name")),
    str(2, "image"),
    strings(3, "command"),
    strings(4, "args"),
    str(5, "workingDir"),
    objects(6, "ports", kContainerPort),
    objects(19, "envFrom", kEnvFromSource),
    objects(7, "env", kEnvVar),
    object(8, "resources", kResourceRequirements),
    objects(23, "resizePolicy", kContainerResizePolicy),
    kept(str(24, "restartPolicy")),
    objects(9, "volumeMounts", kVolumeMount),
    objects(21, "volumeDevices", kVolumeDevice),
    object(10, "livenessProbe", kProbe),
    object(11, "readinessProbe", kProbe),
    object(22, "startupProbe", kProbe),
    object(12, "lifecycle", kLifecycle),
    str(13, "terminationMessagePath"),
    str(20, "terminationMessagePolicy"),
    str(14, "imagePullPolicy"),
    object(15, "securityContext", kSecurityContext),
    boolean(16, "stdin"),
    boolean(17, "stdinOnce"),
    boolean(18, "tty"),
};
constexpr Message kContainer{"io.k8s.api.core.v1.Container", kContainerFields};
constexpr Message kEphemeralContainerCommon{"io.k8s.api.core.v1.EphemeralContainerCommon", kContainerFields};

constexpr Field kEphemeralContainerFields[] = {
    inlined(1, kEphemeralContainerCommon),
    str(2, "targetContainerName"),
};
constexpr Message kEphemeralContainer{"io.k8s.api.core.v1.EphemeralContainer", kEphemeralContainerFields};

// core/v1: the pod spec and what else it holds

constexpr Field kTolerationFields[] = {
    str(1, "key"), str(2, "operator"), str(3, "value"), str(4, "effect"), kept(i64(5, "tolerationSeconds")),
};
constexpr Message kToleration{"io.k8s.api.core.v1.Toleration", kTolerationFields};

constexpr Field kHostAliasFields[] = {str(1, "ip"), strings(2, "hostnames")};
constexpr Message kHostAlias{"io.k8s.api.core.v1.HostAlias", kHostAliasFields};

constexpr Field kPodDNSConfigOptionFields[] = {str(1, "name"), kept(str(2, "value"))};
constexpr Message kPodDNSConfigOption{"io.k8s.api.core.v1.PodDNSConfigOption", kPodDNSConfigOptionFields};

constexpr Field kPodDNSConfigFields[] = {
    strings(1, "nameservers"),
    strings(2, "searches"),
    objects(3, "options", kPodDNSConfigOption),
};
constexpr Message kPodDNSConfig{"io.k8s.api.core.v1.PodDNSConfig", kPodDNSConfigFields};

constexpr Field kPodReadinessGateFields[] = {kept(str(1, "conditionType"))};
constexpr Message kPodReadinessGate{"io.k8s.api.core.v1.PodReadinessGate", kPodReadinessGateFields};

constexpr Field kTopologySpreadConstraintFields[] = {
    kept(i32(1, "maxSkew")),           kept(str(2, "topologyKey")),
    kept(str(3, "whenUnsatisfiable")), object(4, "labelSelector", kLabelSelector),
    kept(i32(5, "minDomains")),        kept(str(6, "nodeAffinityPolicy")),
    kept(str(7, "nodeTaintsPolicy")),  strings(8, "matchLabelKeys"),
};
constexpr Message kTopologySpreadConstraint{"io.k8s.api.core.v1.TopologySpreadConstraint",
                                            kTopologySpreadConstraintFields};

// PodOS and PodSchedulingGate: {name}, printed even when empty.
constexpr Field kNameOnlyFields[] = {kept(str(1, "name"))};
constexpr Message kPodOS{"io.k8s.api.core.v1.PodOS", kNameOnlyFields};
constexpr Message kPodSchedulingGate{"io.k8s.api.core.v1.PodSchedulingGate", kNameOnlyFields};

constexpr Field kPodResourceClaimFields[] = {
    kept(str(1, "name")),
    kept(str(3, "resourceClaimName")),
    kept(str(4, "resourceClaimTemplateName")),
};
constexpr Message kPodResourceClaim{"io.k8s.api.core.v1.PodResourceClaim", kPodResourceClaimFields};

constexpr Field kPodSpecFields[] = {
    objects(1, "volumes", kVolume),
    objects(20, "initContainers", kContainer),
    objects(2, "containers", kContainer),
    objects(34, "ephemeralContainers", kEphemeralContainer),
    str(3, "restartPolicy"),
    kept(i64(4, "terminationGracePeriodSeconds")),
    kept(i64(5, "activeDeadlineSeconds")),
    str(6, "dnsPolicy"),
    string_map(7, "nodeSelector"),
    str(8, "serviceAccountName"),
    str(9, "serviceAccount"),
    kept(boolean(21, "automountServiceAccountToken")),
    str(10, "nodeName"),
    boolean(11, "hostNetwork"),
    boolean(12, "hostPID"),
    boolean(13, "hostIPC"),
    kept(boolean(27, "shareProcessNamespace")),
    object(14, "securityContext", kPodSecurityContext),
    objects(15, "imagePullSecrets", kLocalObjectReference),
    str(16, "hostname"),
    str(17, "subdomain"),
    object(18, "affinity", kAffinity),
    str(19, "schedulerName"),
    objects(22, "tolerations", kToleration),
    objects(23, "hostAliases", kHostAlias),
    str(24, "priorityClassName"),
    kept(i32(25, "priority")),
    object(26, "dnsConfig", kPodDNSConfig),
    objects(28, "readinessGates", kPodReadinessGate),
    kept(str(29, "runtimeClassName")),
    kept(boolean(30, "enableServiceLinks")),
    kept(str(31, "preemptionPolicy")),
    quantities(32, "overhead"),
    objects(33, "topologySpreadConstraints", kTopologySpreadConstraint),
    kept(boolean(35, "setHostnameAsFQDN")),
    object(36, "os", kPodOS),
    kept(boolean(37, "hostUsers")),
    objects(38, "schedulingGates", kPodSchedulingGate),
    objects(39, "resourceClaims", kPodResourceClaim),
    object(40, "resources", kResourceRequirements),
};
constexpr Message kPodSpec{"io.k8s.api.core.v1.PodSpec", kPodSpecFields};

constexpr Field kPodTemplateSpecFields[] = {object(1, "metadata", kObjectMeta), object(2, "spec", kPodSpec)};
constexpr Message kPodTemplateSpec{"io.k8s.api.core.v1.PodTemplateSpec", kPodTemplateSpecFields};

// core/v1: the pod status

constexpr Field kPodConditionFields[] = {
    kept(str(1, "type")),     i64(7, "observedGeneration"),  kept(str(2, "status")),
    time(3, "lastProbeTime"), time(4, "lastTransitionTime"), str(5, "reason"),
    str(6, "message"),
};
constexpr Message kPodCondition{"io.k8s.api.core.v1.PodCondition", kPodConditionFields};

// HostIP and PodIP: {ip}.
constexpr Field kIPFields[] = {kept(str(1, "ip"))};
constexpr Message kHostIP{"io.k8s.api.core.v1.HostIP", kIPFields};
constexpr Message kPodIP{"io.k8s.api.core.v1.PodIP", kIPFields};

constexpr Field kContainerStateWaitingFields[] = {str(1, "reason"), str(2, "message")};
constexpr Message kContainerStateWaiting{"io.k8s.api.core.v1.ContainerStateWaiting", kContainerStateWaitingFields};

constexpr Field kContainerStateRunningFields[] = {time(1, "startedAt")};
constexpr Message kContainerStateRunning{"io.k8s.api.core.v1.ContainerStateRunning", kContainerStateRunningFields};

constexpr Field kContainerStateTerminatedFields[] = {
    kept(i32(1, "exitCode")), i32(2, "signal"),      str(3, "reason"),      str(4, "message"),
    time(5, "startedAt"),     time(6, "finishedAt"), str(7, "containerID"),
};
constexpr Message kContainerStateTerminated{"io.k8s.api.core.v1.ContainerStateTerminated",
                                            kContainerStateTerminatedFields};

constexpr Field kContainerStateFields[] = {
    object(1, "waiting", kContainerStateWaiting),
    object(2, "running", kContainerStateRunning),
    object(3, "terminated", kContainerStateTerminated),
};
constexpr Message kContainerState{"io.k8s.api.core.v1.ContainerState", kContainerStateFields};

constexpr Field kContainerStatusFields[] = {
    kept(str(1, "name")),
    object(2, "state", kContainerState),
    object(3, "lastState", kContainerState),
    kept(boolean(4, "ready")),
    kept(i32(5, "restartCount")),
    kept(str(6, "image")),
    kept(str(7, "imageID")),
    str(8, "containerID"),
    kept(boolean(9, "started")),
    quantities(10, "allocatedResources"),
    object(11, "resources", kResourceRequirements),
    kept(str(15, "stopSignal")),
};
constexpr Message kContainerStatus{"io.k8s.api.core.v1.ContainerStatus", kContainerStatusFields};

constexpr Field kPodResourceClaimStatusFields[] = {kept(str(1, "name")), kept(str(2, "resourceClaimName"))};
constexpr Message kPodResourceClaimStatus{"io.k8s.api.core.v1.PodResourceClaimStatus", kPodResourceClaimStatusFields};

constexpr Field kPodStatusFields[] = {
    i64(17, "observedGeneration"),
    str(1, "phase"),
    objects(2, "conditions", kPodCondition),
    str(3, "message"),
    str(4, "reason"),
    str(11, "nominatedNodeName"),
    str(5, "hostIP"),
    objects(16, "hostIPs", kHostIP),
    str(6, "podIP"),
    objects(12, "podIPs", kPodIP),
    time(7, "startTime"),
    objects(10, "initContainerStatuses", kContainerStatus),
    objects(8, "containerStatuses", kContainerStatus),
    str(9, "qosClass"),
    objects(13, "ephemeralContainerStatuses", kContainerStatus),
    str(14, "resize"),
    objects(15, "resourceClaimStatuses", kPodResourceClaimStatus),
    quantities(19, "allocatedResources"),
    object(20, "resources", kResourceRequirements),
};
constexpr Message kPodStatus{"io.k8s.api.core.v1.PodStatus", kPodStatusFields};

// The three parts of every served kind: metadata = 1, spec = 2, status = 3.
constexpr std::array<Field, 3> kind_fields(const Message& spec, const Message& status) {
  return {object(1, "metadata", kObjectMeta), object(2, "spec", spec), object(3, "status", status)};
}

constexpr auto kPodFields = kind_fields(kPodSpec, kPodStatus);
constexpr Message kPod{"io.k8s.api.core.v1.Pod", kPodFields};

// core/v1: Namespace

constexpr Field kNamespaceSpecFields[] = {strings(1, "finalizers")};
constexpr Message kNamespaceSpec{"io.k8s.api.core.v1.NamespaceSpec", kNamespaceSpecFields};

constexpr Field kNamespaceConditionFields[] = {
    kept(str(1, "type")), kept(str(2, "status")), time(4, "lastTransitionTime"), str(5, "reason"), str(6, "message"),
};
constexpr Message kNamespaceCondition{"io.k8s.api.core.v1.NamespaceCondition", kNamespaceConditionFields};

constexpr Field kNamespaceStatusFields[] = {str(1, "phase"), objects(2, "conditions", kNamespaceCondition)};
constexpr Message kNamespaceStatus{"io.k8s.api.core.v1.NamespaceStatus", kNamespaceStatusFields};

constexpr auto kNamespaceFields = kind_fields(kNamespaceSpec, kNamespaceStatus);
constexpr Message kNamespace{"io.k8s.api.core.v1.Namespace", kNamespaceFields};

// core/v1: Service

constexpr Field kServicePortFields[] = {
    str(1, "name"),
    str(2, "protocol"),
    kept(str(6, "appProtocol")),
    kept(i32(3, "port")),
    int_or_string(4, "targetPort"),
    i32(5, "nodePort"),
};
constexpr Message kServicePort{"io.k8s.api.core.v1.ServicePort", kServicePortFields};

constexpr Field kClientIPConfigFields[] = {kept(i32(1, "timeoutSeconds"))};
constexpr Message kClientIPConfig{"io.k8s.api.core.v1.ClientIPConfig", kClientIPConfigFields};

constexpr Field kSessionAffinityConfigFields[] = {object(1, "clientIP", kClientIPConfig)};
constexpr Message kSessionAffinityConfig{"io.k8s.api.core.v1.SessionAffinityConfig", kSessionAffinityConfigFields};

constexpr Field kServiceSpecFields[] = {
    objects(1, "ports", kServicePort),
    string_map(2, "selector"),
    str(3, "clusterIP"),
    strings(18, "clusterIPs"),
    str(4, "type"),
    strings(5, "externalIPs"),
    str(7, "sessionAffinity"),
    str(8, "loadBalancerIP"),
    strings(9, "loadBalancerSourceRanges"),
    str(10, "externalName"),
    str(11, "externalTrafficPolicy"),
    i32(12, "healthCheckNodePort"),
    boolean(13, "publishNotReadyAddresses"),
    object(14, "sessionAffinityConfig", kSessionAffinityConfig),
    strings(19, "ipFamilies"),
    kept(str(17, "ipFamilyPolicy")),
    kept(boolean(20, "allocateLoadBalancerNodePorts")),
    kept(str(21, "loadBalancerClass")),
    kept(str(22, "internalTrafficPolicy")),
    kept(str(23, "trafficDistribution")),
};
constexpr Message kServiceSpec{"io.k8s.api.core.v1.ServiceSpec", kServiceSpecFields};

constexpr Field kPortStatusFields[] = {kept(i32(1, "port")), kept(str(2, "protocol")), kept(str(3, "error"))};
constexpr Message kPortStatus{"io.k8s.api.core.v1.PortStatus", kPortStatusFields};

constexpr Field kLoadBalancerIngressFields[] = {
    str(1, "ip"),
    str(2, "hostname"),
    kept(str(3, "ipMode")),
    objects(4, "ports", kPortStatus),
};
constexpr Message kLoadBalancerIngress{"io.k8s.api.core.v1.LoadBalancerIngress", kLoadBalancerIngressFields};

constexpr Field kLoadBalancerStatusFields[] = {objects(1, "ingress", kLoadBalancerIngress)};
constexpr Message kLoadBalancerStatus{"io.k8s.api.core.v1.LoadBalancerStatus", kLoadBalancerStatusFields};

constexpr Field kServiceStatusFields[] = {
    object(1, "loadBalancer", kLoadBalancerStatus),
    objects(2, "conditions", kCondition),
};
constexpr Message kServiceStatus{"io.k8s.api.core.v1.ServiceStatus", kServiceStatusFields};

constexpr auto kServiceFields = kind_fields(kServiceSpec, kServiceStatus);
constexpr Message kService{"io.k8s.api.core.v1.Service", kServiceFields};

// core/v1: Endpoints

constexpr Field kObjectReferenceFields[] = {
    str(1, "kind"),       str(2, "namespace"),       str(3, "name"),      str(4, "uid"),
    str(5, "apiVersion"), str(6, "resourceVersion"), str(7, "fieldPath"),
};
constexpr Message kObjectReference{"io.k8s.api.core.v1.ObjectReference", kObjectReferenceFields};

constexpr Field kEndpointAddressFields[] = {
    kept(str(1, "ip")),
    str(3, "hostname"),
    kept(str(4, "nodeName")),
    object(2, "targetRef", kObjectReference),
};
constexpr Message kEndpointAddress{"io.k8s.api.core.v1.EndpointAddress", kEndpointAddressFields};

constexpr Field kEndpointPortFields[] = {
    str(1, "name"),
    kept(i32(2, "port")),
    str(3, "protocol"),
    kept(str(4, "appProtocol")),
};
constexpr Message kEndpointPort{"io.k8s.api.core.v1.EndpointPort", kEndpointPortFields};

constexpr Field kEndpointSubsetFields[] = {
    objects(1, "addresses", kEndpointAddress),
    objects(2, "notReadyAddresses", kEndpointAddress),
    objects(3, "ports", kEndpointPort),
};
constexpr Message kEndpointSubset{"io.k8s.api.core.v1.EndpointSubset", kEndpointSubsetFields};

constexpr Field kEndpointsFields[] = {object(1, "metadata", kObjectMeta), objects(2, "subsets", kEndpointSubset)};
constexpr Message kEndpoints{"io.k8s.api.core.v1.Endpoints", kEndpointsFields};

// core/v1: Event

constexpr Field kEventSourceFields[] = {str(1, "component"), str(2, "host")};
constexpr Message kEventSource{"io.k8s.api.core.v1.EventSource", kEventSourceFields};

constexpr Field kEventSeriesFields[] = {i32(1, "count"), micro_time(2, "lastObservedTime")};
constexpr Message kEventSeries{"io.k8s.api.core.v1.EventSeries", kEventSeriesFields};

constexpr Field kEventFields[] = {
    object(1, "metadata", kObjectMeta),
    object(2, "involvedObject", kObjectReference),
    str(3, "reason"),
    str(4, "message"),
    object(5, "source", kEventSource),
    time(6, "firstTimestamp"),
    time(7, "lastTimestamp"),
    i32(8, "count"),
    str(9, "type"),
    micro_time(10, "eventTime"),
    object(11, "series", kEventSeries),
    str(12, "action"),
    object(13, "related", kObjectReference),
    kept(str(14, "reportingComponent")),
    kept(str(15, "reportingInstance")),
};
constexpr Message kEvent{"io.k8s.api.core.v1.Event", kEventFields};

// core/v1: Node (its status has no table: the node agent writes it as JSON)

constexpr Field kTaintFields[] = {kept(str(1, "key")), str(2, "value"), kept(str(3, "effect")), time(4, "timeAdded")};
constexpr Message kTaint{"io.k8s.api.core.v1.Taint", kTaintFields};

constexpr Field kNodeSpecFields[] = {
    str(1, "podCIDR"),           strings(7, "podCIDRs"),       str(3, "providerID"),
    boolean(4, "unschedulable"), objects(5, "taints", kTaint), object(6, "configSource", kNodeConfigSource),
    str(2, "externalID"),
};
constexpr Message kNodeSpec{"io.k8s.api.core.v1.NodeSpec", kNodeSpecFields};

constexpr auto kNodeFields = kind_fields(kNodeSpec, kNodeStatus);
constexpr Message kNode{"io.k8s.api.core.v1.Node", kNodeFields};

// core/v1: ReplicationController; apps/v1: ReplicaSet, whose condition has the same shape

constexpr Field kReplicaConditionFields[] = {
    kept(str(1, "type")), kept(str(2, "status")), time(3, "lastTransitionTime"), str(4, "reason"), str(5, "message"),
};
constexpr Message kReplicationControllerCondition{"io.k8s.api.core.v1.ReplicationControllerCondition",
                                                  kReplicaConditionFields};
constexpr Message kReplicaSetCondition{"io.k8s.api.apps.v1.ReplicaSetCondition", kReplicaConditionFields};

constexpr Field kReplicationControllerSpecFields[] = {
    kept(i32(1, "replicas")),
    i32(4, "minReadySeconds"),
    string_map(2, "selector"),
    object(3, "template", kPodTemplateSpec),
};
constexpr Message kReplicationControllerSpec{"io.k8s.api.core.v1.ReplicationControllerSpec",
                                             kReplicationControllerSpecFields};

constexpr Field kReplicationControllerStatusFields[] = {
    kept(i32(1, "replicas")),     i32(2, "fullyLabeledReplicas"),
    i32(4, "readyReplicas"),      i32(5, "availableReplicas"),
    i64(3, "observedGeneration"), objects(6, "conditions", kReplicationControllerCondition),
};
constexpr Message kReplicationControllerStatus{"io.k8s.api.core.v1.ReplicationControllerStatus",
                                               kReplicationControllerStatusFields};

constexpr auto kReplicationControllerFields = kind_fields(kReplicationControllerSpec, kReplicationControllerStatus);
constexpr Message kReplicationController{"io.k8s.api.core.v1.ReplicationController", kReplicationControllerFields};

constexpr Field kReplicaSetSpecFields[] = {
    kept(i32(1, "replicas")),
    i32(4, "minReadySeconds"),
    object(2, "selector", kLabelSelector),
    object(3, "template", kPodTemplateSpec),
};
constexpr Message kReplicaSetSpec{"io.k8s.api.apps.v1.ReplicaSetSpec", kReplicaSetSpecFields};

constexpr Field kReplicaSetStatusFields[] = {
    kept(i32(1, "replicas")),
    i32(2, "fullyLabeledReplicas"),
    i32(4, "readyReplicas"),
    i32(5, "availableReplicas"),
    kept(i32(7, "terminatingReplicas")),
    i64(3, "observedGeneration"),
    objects(6, "conditions", kReplicaSetCondition),
};
constexpr Message kReplicaSetStatus{"io.k8s.api.apps.v1.ReplicaSetStatus", kReplicaSetStatusFields};

constexpr auto kReplicaSetFields = kind_fields(kReplicaSetSpec, kReplicaSetStatus);
constexpr Message kReplicaSet{"io.k8s.api.apps.v1.ReplicaSet", kReplicaSetFields};

// apps/v1: Deployment

constexpr Field kRollingUpdateDeploymentFields[] = {
    int_or_string(1, "maxUnavailable"),
    int_or_string(2, "maxSurge"),
};
constexpr Message kRollingUpdateDeployment{"io.k8s.api.apps.v1.RollingUpdateDeployment",
                                           kRollingUpdateDeploymentFields};

constexpr Field kDeploymentStrategyFields[] = {str(1, "type"), object(2, "rollingUpdate", kRollingUpdateDeployment)};
constexpr Message kDeploymentStrategy{"io.k8s.api.apps.v1.DeploymentStrategy", kDeploymentStrategyFields};

constexpr Field kDeploymentSpecFields[] = {
    kept(i32(1, "replicas")),
    object(2, "selector", kLabelSelector),
    object(3, "template", kPodTemplateSpec),
    object(4, "strategy", kDeploymentStrategy),
    i32(5, "minReadySeconds"),
    kept(i32(6, "revisionHistoryLimit")),
    boolean(7, "paused"),
    kept(i32(9, "progressDeadlineSeconds")),
};
constexpr Message kDeploymentSpec{"io.k8s.api.apps.v1.DeploymentSpec", kDeploymentSpecFields};

constexpr Field kDeploymentConditionFields[] = {
    kept(str(1, "type")),          kept(str(2, "status")), time(6, "lastUpdateTime"),
    time(7, "lastTransitionTime"), str(4, "reason"),       str(5, "message"),
};
constexpr Message kDeploymentCondition{"io.k8s.api.apps.v1.DeploymentCondition", kDeploymentConditionFields};

constexpr Field kDeploymentStatusFields[] = {
    i64(1, "observedGeneration"),        i32(2, "replicas"),
    i32(3, "updatedReplicas"),           i32(7, "readyReplicas"),
    i32(4, "availableReplicas"),         i32(5, "unavailableReplicas"),
    kept(i32(9, "terminatingReplicas")), objects(6, "conditions", kDeploymentCondition),
    kept(i32(8, "collisionCount")),
};
constexpr Message kDeploymentStatus{"io.k8s.api.apps.v1.DeploymentStatus", kDeploymentStatusFields};

constexpr auto kDeploymentFields = kind_fields(kDeploymentSpec, kDeploymentStatus);
constexpr Message kDeployment{"io.k8s.api.apps.v1.Deployment", kDeploymentFields};

constexpr const Message* kKinds[] = {
    &kNamespace, &kNode, &kPod, &kService, &kEndpoints, &kReplicationController, &kEvent, &kDeployment, &kReplicaSet,
};

}  // namespace

const Message* find_kind(std::string_view schema_name) {
  for (const Message* m : kKinds)
    if (m->name == schema_name) return m;
  return nullptr;
}

std::span<const Message* const> kinds() { return kKinds; }

}  // namespace xebec::api::protobuf
