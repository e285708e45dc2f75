// How etcd's JSON gateway spells things: bytes as base64, int64 as strings (left out when 0),
// key ranges as [key, range_end), mvcc.KeyValue objects, and errors as gRPC codes.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/base64.h"
#include "controlplane/store/store.h"
#include "common/result.h"

namespace xebec::store::etcd {

// The range_end that makes [prefix, range_end) every key starting with `prefix`: the prefix
// with its last byte below 0xff incremented; "\0" (to the end of the keyspace) when none is.
std::string prefix_end(std::string_view prefix);

// An int64 field: a JSON string of digits, or absent for 0. kUnknown when it is neither.
Result<std::int64_t> int64_field(const nlohmann::json& object, const char* name);
// A bool field: true when it is there and true (proto3 JSON leaves false out).
bool bool_field(const nlohmann::json& object, const char* name);
// A string field, or "" when it is absent or not a string.
std::string string_field(const nlohmann::json& object, const char* name);
// A repeated field: an array, or absent for empty. kUnknown when it is something else.
Result<nlohmann::json> array_field(const nlohmann::json& object, const char* name);
// A bytes field: base64, or absent for empty.
Result<std::string> bytes_field(const nlohmann::json& object, const char* name);

// What an error etcd answered means to a caller, from its gRPC status code and message.
ErrorCode error_code_of(std::int64_t grpc_code, std::string_view message);

// The revision in a response's header.
Result<Revision> header_revision(const nlohmann::json& response);

// An mvcc.KeyValue, its key without `key_prefix`.
Result<KeyValue> decode_kv(const nlohmann::json& kv, std::string_view key_prefix);

}  // namespace xebec::store::etcd
