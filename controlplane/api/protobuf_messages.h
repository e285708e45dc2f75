// The message tables the protobuf decoder reads objects with: for each Kubernetes message, its
// field numbers (from Kubernetes' generated.proto files) and the JSON field each one becomes
// (the names in schema.cpp). Internal to the decoder and its tests.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace xebec::api::protobuf {

// What a field holds on the wire and how it becomes JSON.
enum class Type : uint8_t {
  kString,       // a string
  kBool,         // a varint, true when not 0
  kInt32,        // a varint, its low 32 bits (Go truncates the same way)
  kInt64,        // a varint
  kMessage,      // a nested object, decoded with Field::message
  kInline,       // a Go struct embedded with `json:",inline"`: its fields join the enclosing object
  kStringMap,    // map<string, string>: entries {key = 1, value = 2} become one JSON object
  kQuantityMap,  // map<string, Quantity>: the same, with Quantity values
  kTime,         // meta/v1 Time {seconds = 1, nanos = 2}: an RFC 3339 string, to the second
  kMicroTime,    // meta/v1 MicroTime, the same message: an RFC 3339 string, to the microsecond
  kIntOrString,  // intstr.IntOrString {type = 1, intVal = 2, strVal = 3}: a number or a string
};

// Whether a scalar that arrives as its zero value ("", 0, false) stays in the JSON. Go's
// protobuf encoder writes every non-pointer scalar, so a zero one means only "unset", and Go's
// JSON (omitempty) leaves it out. Pointer fields (*int32 replicas, *bool ...) are written only
// when set, and fields without omitempty always show in Go's JSON: both keep their zeros.
enum class Presence : uint8_t { kOmitEmpty, kKeepZero };

struct Message;

struct Field {
  uint32_t number = 0;
  std::string_view name;  // the JSON name
  Type type = Type::kString;
  bool repeated = false;             // once per element on the wire; a JSON array
  const Message* message = nullptr;  // for kMessage and kInline
  Presence presence = Presence::kOmitEmpty;
};

// A message: its schema name (the component name in schema.cpp, also used in errors) and its
// fields. A message without fields stands for a type this server stores as given (open in
// schema.cpp: Probe, Volume, ...) but has no table for: only its empty form decodes ({}).
struct Message {
  std::string_view name;
  std::span<const Field> fields;

  const Field* field(uint32_t number) const {
    for (const auto& f : fields)
      if (f.number == number) return &f;
    return nullptr;
  }
};

// The table of a served kind, by its schema name ("io.k8s.api.apps.v1.Deployment"); nullptr
// when there is none.
const Message* find_kind(std::string_view schema_name);

// Every kind that has a table; the messages they use are reached through Field::message.
std::span<const Message* const> kinds();

}  // namespace xebec::api::protobuf
