// The OpenAPI v3 documents kube-apiserver serves under /openapi/v3: a root naming one document
// per group version, each with its resources' paths and operations and the schemas they use.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace xebec::api {

// The document at `path`: "/openapi/v3" (the root: {"paths": {"api/v1": {"serverRelativeURL":
// "/openapi/v3/api/v1?hash=HASH"}, ...}}), "/openapi/v3/api/v1" or "/openapi/v3/apis/apps/v1".
// `path` carries no query (the ?hash= is the caller's to strip). nullptr when nothing is served
// there. The documents are built on first use and immutable afterwards (safe from any thread).
//
// kubectl create/apply (--validate=strict) looks in a group version's document for a PATCH
// operation whose x-kubernetes-group-version-kind is the object's and which lists the
// fieldValidation query parameter; finding it, it leaves field validation to this server.
const nlohmann::json* openapi_document(const std::string& path);

// A stable digest of a document, 16 upper-case hex digits (FNV-1a, 64 bits, over its compact
// dump): the root's ?hash= for each document, and a fit ETag.
std::string openapi_hash(const nlohmann::json& document);

}  // namespace xebec::api
