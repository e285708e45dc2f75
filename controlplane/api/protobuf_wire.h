// The protobuf wire format, read one field at a time: tags, varints and length-delimited
// bytes, every read checked against the end of the buffer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace xebec::api {

// How a field's value is laid out after its tag (protobuf's wire types 0-5).
enum class WireType : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

// "varint", "length-delimited", ...: for error messages.
std::string_view wire_type_name(WireType type);

// One field as it sits on the wire. `varint` holds a kVarint value; `bytes` a
// kLengthDelimited payload (a string, a nested message or a map entry), pointing into the
// reader's buffer. Fixed-width values are skipped: no Kubernetes field uses them.
struct WireField {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t varint = 0;
  std::string_view bytes;
};

// Reads the fields of one serialized message in order. Borrows `data`, which must outlive it.
// Errors are kBadRequest and name the field and `message` (a schema name such as
// "io.k8s.api.core.v1.PodSpec"): "protobuf body: field 2 of io.k8s.api.core.v1.PodSpec is
// cut short". Groups (wire types 3 and 4), which Kubernetes never writes, are errors too.
class WireReader {
 public:
  WireReader(std::string_view data, std::string_view message) : data_(data), message_(message) {}

  bool done() const { return pos_ == data_.size(); }

  // The next field; call only while !done().
  Result<WireField> next();

 private:
  std::string_view data_;
  std::string_view message_;
  size_t pos_ = 0;
};

// "protobuf body: field N of MESSAGE " + what: the prefix every decoding error shares.
Error field_error(uint32_t number, std::string_view message, std::string_view what);

}  // namespace xebec::api
