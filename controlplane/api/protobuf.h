// Kubernetes' protobuf request bodies (Content-Type: application/vnd.kubernetes.protobuf), which
// kubectl's imperative commands (create namespace, create deployment, run, ...) send, read into
// the JSON object kubectl would have sent, so that the apiserver treats them like JSON bodies.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "controlplane/api/resource.h"
#include "common/result.h"

namespace xebec::api {

// The media type of Kubernetes' protobuf encoding.
inline constexpr std::string_view kProtobufContentType = "application/vnd.kubernetes.protobuf";

// Decodes a protobuf body: the magic "k8s\0", then a runtime.Unknown whose typeMeta names the
// object's apiVersion and kind and whose raw bytes are the object, of kind `type`. Returns the
// object as Go's JSON encoding of it reads, with "apiVersion" and "kind" set: zero scalars that
// Go leaves out (omitempty) left out, zero pointer fields kept, nested structs kept even when
// empty ("status": {}), a zero Time left out and any other an RFC 3339 string, IntOrString a
// number or a string, Quantity a string.
//
// Every error is kBadRequest, with a message naming what is wrong: a body without the magic,
// one cut short or malformed ("protobuf body: field 2 of io.k8s.api.core.v1.PodSpec is cut
// short"), a typeMeta naming another kind or version (worded as for a JSON body), raw bytes
// that are compressed or not protobuf, or a field or kind this server has no table for, which
// the client can send as JSON instead. Never reads outside `body`; never throws.
Result<nlohmann::json> decode_protobuf(std::string_view body, const ResourceType& type);

}  // namespace xebec::api
