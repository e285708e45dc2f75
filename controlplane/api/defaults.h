// Defaulting and validation of the served types, as Kubernetes does it on create and update:
// the fields a user may leave out get Kubernetes' defaults, and objects that cannot work are
// refused with the field and the reason.
#pragma once

#include <nlohmann/json.hpp>

#include "controlplane/api/resource.h"
#include "common/result.h"

namespace xebec::api {

// Fills in what Kubernetes defaults: a Pod's restartPolicy, dnsPolicy, schedulerName,
// terminationGracePeriodSeconds and containers' imagePullPolicy and port protocols; a
// Service's type, sessionAffinity (and its 10800 s timeout), ports' protocol and targetPort;
// replicas, strategy and history limits of Deployments, ReplicaSets and RCs.
void apply_defaults(const ResourceType& type, nlohmann::json& object);

// What Kubernetes' create strategies set whatever the client sent, before defaults: a
// Namespace starts Active (its status reset) with the "kubernetes" finalizer in
// spec.finalizers, which the namespace controller removes once the namespace is emptied.
void prepare_for_create(const ResourceType& type, nlohmann::json& object);

// kInvalid with Kubernetes' wording ("Deployment.apps \"web\" is invalid: spec.selector:
// Invalid value: ...: `selector` does not match template `labels`") for what cannot work:
// pods without containers or images, ports out of range, selectors that do not match their
// template, labels that are not valid label values, namespace finalizers that are not names,
// and the like.
Status validate(const ResourceType& type, const nlohmann::json& object);

}  // namespace xebec::api
