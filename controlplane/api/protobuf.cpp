// The protobuf body decoder: the runtime.Unknown envelope, then the object inside it, field by
// field, through the message tables of protobuf_messages.cpp. The tables have no cycles, so the
// recursion is as deep as the deepest table (a few levels), whatever the body says.
#include "controlplane/api/protobuf.h"

#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "controlplane/api/protobuf_messages.h"
#include "controlplane/api/protobuf_wire.h"
#include "controlplane/api/schema.h"

namespace xebec::api {

namespace {

using nlohmann::json;
using protobuf::Field;
using protobuf::Message;
using protobuf::Presence;
using protobuf::Type;

constexpr std::string_view kMagic{"k8s\0", 4};
constexpr std::string_view kUnknown = "io.k8s.apimachinery.pkg.runtime.Unknown";
constexpr std::string_view kTypeMeta = "io.k8s.apimachinery.pkg.runtime.TypeMeta";
constexpr std::string_view kTime = "io.k8s.apimachinery.pkg.apis.meta.v1.Time";
constexpr std::string_view kMicroTime = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime";
constexpr std::string_view kIntOrString = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
constexpr std::string_view kQuantity = "io.k8s.apimachinery.pkg.api.resource.Quantity";

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range meta/v1 Time allows.
constexpr int64_t kMinSeconds = -62135596800;
constexpr int64_t kMaxSeconds = 253402300799;

Error not_understood(uint32_t number, std::string_view message) {
  return field_error(number, message,
                     "is not understood by this server; send the object as JSON instead "
                     "(e.g. kubectl create ... --dry-run=client -o json | kubectl create -f -)");
}

// Calls visit(field) for each field of the message in `bytes`; stops at the first error.
template <typename Visit>
Status for_each_field(std::string_view bytes, std::string_view message, Visit&& visit) {
  WireReader reader(bytes, message);
  while (!reader.done()) {
    auto field = reader.next();
    if (!field) return field.error();
    if (Status s = visit(*field); !s) return s;
  }
  return {};
}

Status expect(const WireField& f, WireType type, std::string_view message) {
  if (f.type == type) return {};
  return field_error(f.number, message,
                     "has wire type " + std::string(wire_type_name(f.type)) + " where its type needs " +
                         std::string(wire_type_name(type)));
}

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF). nlohmann::json cannot print anything else, so such strings are refused here.
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<uint8_t>(s[i]);
    size_t continuation = 0;
    uint32_t code = 0, min = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xe0) == 0xc0) {
      continuation = 1, code = lead & 0x1f, min = 0x80;
    } else if ((lead & 0xf0) == 0xe0) {
      continuation = 2, code = lead & 0x0f, min = 0x800;
    } else if ((lead & 0xf8) == 0xf0) {
      continuation = 3, code = lead & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (s.size() - i - 1 < continuation) return false;
    for (size_t k = 1; k <= continuation; ++k) {
      const auto byte = static_cast<uint8_t>(s[i + k]);
      if ((byte & 0xc0) != 0x80) return false;
      code = (code << 6) | (byte & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    i += continuation + 1;
  }
  return true;
}

Result<std::string> read_string(const WireField& f, std::string_view message) {
  if (Status s = expect(f, WireType::kLengthDelimited, message); !s) return s.error();
  if (!valid_utf8(f.bytes)) return field_error(f.number, message, "is not valid UTF-8");
  return std::string(f.bytes);
}

Result<uint64_t> read_varint(const WireField& f, std::string_view message) {
  if (Status s = expect(f, WireType::kVarint, message); !s) return s.error();
  return f.varint;
}

// "2026-11-25T10:00:00Z", or with `micro` "2026-11-25T10:00:00.000000Z": how Go prints
// meta/v1 Time and MicroTime. `seconds` must lie in [kMinSeconds, kMaxSeconds].
std::string rfc3339(int64_t seconds, int32_t nanos, bool micro) {
  using namespace std::chrono;
  const sys_seconds t{std::chrono::seconds{seconds}};
  const sys_days day = floor<days>(t);
  const year_month_day date{day};
  const hh_mm_ss clock{t - day};
  char out[40];
  std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  std::string text = out;
  if (micro) {
    std::snprintf(out, sizeof out, ".%06d", nanos / 1000);
    text += out;
  }
  return text + "Z";
}

// A Time or MicroTime {seconds = 1, nanos = 2}, the value of field `parent` of `message`. Go
// writes the zero time, which its JSON prints as null, as an empty message: that is nullopt.
Result<std::optional<std::string>> decode_time(const WireField& parent, std::string_view message, bool micro) {
  if (parent.bytes.empty()) return std::optional<std::string>{};
  const std::string_view name = micro ? kMicroTime : kTime;
  int64_t seconds = 0;
  int32_t nanos = 0;
  Status s = for_each_field(parent.bytes, name, [&](const WireField& f) -> Status {
    if (f.number != 1 && f.number != 2) return not_understood(f.number, name);
    auto v = read_varint(f, name);
    if (!v) return v.error();
    if (f.number == 1)
      seconds = static_cast<int64_t>(*v);
    else
      nanos = static_cast<int32_t>(static_cast<uint32_t>(*v));
    return {};
  });
  if (!s) return s.error();
  if (seconds < kMinSeconds || seconds > kMaxSeconds || nanos < 0 || nanos > 999'999'999)
    return field_error(parent.number, message, "is a time outside 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z");
  return std::optional<std::string>{rfc3339(seconds, nanos, micro)};
}

// intstr.IntOrString {type = 1, intVal = 2, strVal = 3}: type 0 is the number, 1 the string.
Result<json> decode_int_or_string(std::string_view bytes) {
  uint64_t kind = 0;
  int32_t number = 0;
  std::string text;
  Status s = for_each_field(bytes, kIntOrString, [&](const WireField& f) -> Status {
    if (f.number == 3) {
      auto v = read_string(f, kIntOrString);
      if (!v) return v.error();
      text = std::move(*v);
      return {};
    }
    if (f.number != 1 && f.number != 2) return not_understood(f.number, kIntOrString);
    auto v = read_varint(f, kIntOrString);
    if (!v) return v.error();
    if (f.number == 1)
      kind = *v;
    else
      number = static_cast<int32_t>(static_cast<uint32_t>(*v));
    return {};
  });
  if (!s) return s.error();
  if (kind > 1)
    return field_error(1, kIntOrString, "is type " + std::to_string(kind) + ", neither 0 (int) nor 1 (string)");
  return kind == 0 ? json(number) : json(std::move(text));
}

// resource.Quantity {string = 1}. Go reads an empty message as the zero quantity, "0".
Result<json> decode_quantity(std::string_view bytes) {
  std::string text = "0";
  Status s = for_each_field(bytes, kQuantity, [&](const WireField& f) -> Status {
    if (f.number != 1) return not_understood(f.number, kQuantity);
    auto v = read_string(f, kQuantity);
    if (!v) return v.error();
    text = std::move(*v);
    return {};
  });
  if (!s) return s.error();
  return json(std::move(text));
}

// One entry {key = 1, value = 2} of the map field `field` of `message`, added to `map`. Entries
// are messages of their own, which protobuf names after the field: ObjectMeta.LabelsEntry.
Status decode_map_entry(const Field& field, std::string_view message, std::string_view bytes, json& map) {
  std::string entry = std::string(message) + "." + std::string(field.name) + "Entry";
  entry[message.size() + 1] = static_cast<char>(std::toupper(static_cast<unsigned char>(field.name[0])));
  const bool quantity = field.type == Type::kQuantityMap;
  std::string key;
  json value = quantity ? "0" : "";
  Status s = for_each_field(bytes, entry, [&](const WireField& f) -> Status {
    if (f.number == 1) {
      auto k = read_string(f, entry);
      if (!k) return k.error();
      key = std::move(*k);
      return {};
    }
    if (f.number != 2) return not_understood(f.number, entry);
    if (!quantity) {
      auto v = read_string(f, entry);
      if (!v) return v.error();
      value = std::move(*v);
      return {};
    }
    if (Status ok = expect(f, WireType::kLengthDelimited, entry); !ok) return ok;
    auto v = decode_quantity(f.bytes);
    if (!v) return v.error();
    value = std::move(*v);
    return {};
  });
  if (!s) return s;
  map[key] = std::move(value);
  return {};
}

// Sets a scalar field, or appends to a repeated one. A zero scalar is left out unless the table
// keeps it. A later occurrence overrides an earlier one, as in protobuf.
void put(json& out, const Field& f, json value, bool zero) {
  const std::string name(f.name);
  if (f.repeated)
    out[name].push_back(std::move(value));
  else if (zero && f.presence == Presence::kOmitEmpty)
    out.erase(name);
  else
    out[name] = std::move(value);
}

// The JSON object `out[name]`, made one if it is not yet.
json& child_object(json& out, std::string_view name) {
  json& child = out[std::string(name)];
  if (!child.is_object()) child = json::object();
  return child;
}

Status decode_into(const Message& m, std::string_view bytes, json& out);

Status decode_field(const Message& m, const Field& f, const WireField& w, json& out) {
  const bool varint = f.type == Type::kBool || f.type == Type::kInt32 || f.type == Type::kInt64;
  if (Status s = expect(w, varint ? WireType::kVarint : WireType::kLengthDelimited, m.name); !s) return s;
  switch (f.type) {
    case Type::kString: {
      auto s = read_string(w, m.name);
      if (!s) return s.error();
      const bool zero = s->empty();
      put(out, f, std::move(*s), zero);
      return {};
    }
    case Type::kBool:
      put(out, f, w.varint != 0, w.varint == 0);
      return {};
    case Type::kInt32: {
      const auto n = static_cast<int32_t>(static_cast<uint32_t>(w.varint));
      put(out, f, n, n == 0);
      return {};
    }
    case Type::kInt64: {
      const auto n = static_cast<int64_t>(w.varint);
      put(out, f, n, n == 0);
      return {};
    }
    case Type::kMessage: {
      if (!f.repeated) return decode_into(*f.message, w.bytes, child_object(out, f.name));
      json item = json::object();
      if (Status s = decode_into(*f.message, w.bytes, item); !s) return s;
      put(out, f, std::move(item), false);
      return {};
    }
    case Type::kInline:
      return decode_into(*f.message, w.bytes, out);
    case Type::kStringMap:
    case Type::kQuantityMap:
      return decode_map_entry(f, m.name, w.bytes, child_object(out, f.name));
    case Type::kTime:
    case Type::kMicroTime: {
      auto t = decode_time(w, m.name, f.type == Type::kMicroTime);
      if (!t) return t.error();
      if (*t)
        out[std::string(f.name)] = std::move(**t);
      else
        out.erase(std::string(f.name));
      return {};
    }
    case Type::kIntOrString: {
      auto v = decode_int_or_string(w.bytes);
      if (!v) return v.error();
      out[std::string(f.name)] = std::move(*v);
      return {};
    }
  }
  return not_understood(w.number, m.name);
}

// Decodes the message `bytes` of type `m` into the JSON object `out`, merging with what `out`
// holds already (a nested message that comes twice merges, as in protobuf).
Status decode_into(const Message& m, std::string_view bytes, json& out) {
  return for_each_field(bytes, m.name, [&](const WireField& w) -> Status {
    const Field* f = m.field(w.number);
    if (f == nullptr) return not_understood(w.number, m.name);
    return decode_field(m, *f, w, out);
  });
}

// runtime.Unknown {typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, contentEncoding = 3,
// contentType = 4}: the envelope around every protobuf object.
struct Envelope {
  std::string api_version;
  std::string kind;
  std::string_view raw;
  std::string content_encoding;
  std::string content_type;
};

Status decode_type_meta(std::string_view bytes, Envelope& e) {
  return for_each_field(bytes, kTypeMeta, [&](const WireField& f) -> Status {
    if (f.number != 1 && f.number != 2) return not_understood(f.number, kTypeMeta);
    auto v = read_string(f, kTypeMeta);
    if (!v) return v.error();
    (f.number == 1 ? e.api_version : e.kind) = std::move(*v);
    return {};
  });
}

Result<Envelope> decode_envelope(std::string_view bytes) {
  Envelope e;
  Status s = for_each_field(bytes, kUnknown, [&](const WireField& f) -> Status {
    if (f.number == 3 || f.number == 4) {
      auto v = read_string(f, kUnknown);
      if (!v) return v.error();
      (f.number == 3 ? e.content_encoding : e.content_type) = std::move(*v);
      return {};
    }
    if (f.number != 1 && f.number != 2) return not_understood(f.number, kUnknown);
    if (Status ok = expect(f, WireType::kLengthDelimited, kUnknown); !ok) return ok;
    if (f.number == 1) return decode_type_meta(f.bytes, e);
    e.raw = f.bytes;
    return {};
  });
  if (!s) return s.error();
  return e;
}

// The envelope's typeMeta against the kind the URL names (an empty one defers to the URL, as
// Kubernetes' decoder does), and what the raw bytes are.
Status check_envelope(const Envelope& e, const ResourceType& type) {
  if (!e.api_version.empty() && e.api_version != type.api_version())
    return err("the API version in the data (" + json(e.api_version).dump() +
                   ") does not match the expected API version (" + type.api_version() + ")",
               ErrorCode::kBadRequest);
  if (!e.kind.empty() && e.kind != type.kind)
    return err(
        "the kind in the data (" + json(e.kind).dump() + ") does not match the expected kind (" + type.kind + ")",
        ErrorCode::kBadRequest);
  if (!e.content_encoding.empty())
    return err("protobuf body: the object is encoded as " + json(e.content_encoding).dump() +
                   ", which this server does not decode; send it unencoded",
               ErrorCode::kBadRequest);
  if (!e.content_type.empty() && e.content_type != kProtobufContentType)
    return err("protobuf body: the object inside is " + json(e.content_type).dump() + ", not " +
                   std::string(kProtobufContentType),
               ErrorCode::kBadRequest);
  return {};
}

}  // namespace

Result<json> decode_protobuf(std::string_view body, const ResourceType& type) {
  if (!body.starts_with(kMagic))
    return err("protobuf body: it does not start with the Kubernetes protobuf magic \"k8s\\x00\"",
               ErrorCode::kBadRequest);
  auto envelope = decode_envelope(body.substr(kMagic.size()));
  if (!envelope) return envelope.error();
  if (Status s = check_envelope(*envelope, type); !s) return s.error();
  const Message* kind = protobuf::find_kind(schema_name(type));
  if (kind == nullptr)
    return err("protobuf body: this server cannot read a " + type.kind + " sent as protobuf; send it as JSON",
               ErrorCode::kBadRequest);
  json object = json::object();
  if (Status s = decode_into(*kind, envelope->raw, object); !s) return s.error();
  object["apiVersion"] = type.api_version();
  object["kind"] = type.kind;
  return object;
}

}  // namespace xebec::api
