// The protobuf wire reader: tags, varints and length-delimited fields, each read checked
// against the end of the buffer so that a cut or forged body is an error, never an over-read.
#include "controlplane/api/protobuf_wire.h"

namespace xebec::api {

namespace {

constexpr uint64_t kMaxFieldNumber = (uint64_t{1} << 29) - 1;
constexpr int kMaxVarintBytes = 10;  // 7 bits a byte: ten bytes carry 64 bits

enum class VarintRead { kOk, kCutShort, kTooLong };

// Reads the varint at data[pos] into `value` and moves `pos` past it. Bits past the 64th are
// dropped, as Go's decoder drops them.
VarintRead read_varint(std::string_view data, size_t& pos, uint64_t& value) {
  value = 0;
  for (int i = 0; i < kMaxVarintBytes; ++i) {
    if (pos == data.size()) return VarintRead::kCutShort;
    const auto byte = static_cast<uint8_t>(data[pos++]);
    value |= uint64_t{byte & 0x7fu} << (7 * i);
    if ((byte & 0x80) == 0) return VarintRead::kOk;
  }
  return VarintRead::kTooLong;
}

Error bad_request(std::string message) { return err("protobuf body: " + std::move(message), ErrorCode::kBadRequest); }

}  // namespace

std::string_view wire_type_name(WireType type) {
  switch (type) {
    case WireType::kVarint:
      return "varint";
    case WireType::kFixed64:
      return "fixed64";
    case WireType::kLengthDelimited:
      return "length-delimited";
    case WireType::kStartGroup:
    case WireType::kEndGroup:
      return "group";
    case WireType::kFixed32:
      return "fixed32";
  }
  return "invalid";
}

Error field_error(uint32_t number, std::string_view message, std::string_view what) {
  return bad_request("field " + std::to_string(number) + " of " + std::string(message) + " " + std::string(what));
}

Result<WireField> WireReader::next() {
  uint64_t tag = 0;
  if (const VarintRead read = read_varint(data_, pos_, tag); read != VarintRead::kOk)
    return bad_request("a field tag of " + std::string(message_) +
                       (read == VarintRead::kCutShort ? " is cut short" : " is a malformed varint"));
  const uint64_t number = tag >> 3;
  if (number == 0 || number > kMaxFieldNumber)
    return bad_request(std::string(message_) + " holds field number " + std::to_string(number) +
                       ", which protobuf does not allow");

  WireField field;
  field.number = static_cast<uint32_t>(number);
  field.type = static_cast<WireType>(tag & 7);
  switch (field.type) {
    case WireType::kVarint: {
      const VarintRead read = read_varint(data_, pos_, field.varint);
      if (read == VarintRead::kOk) return field;
      return field_error(field.number, message_,
                         read == VarintRead::kCutShort ? "is cut short" : "is a malformed varint");
    }
    case WireType::kFixed64:
    case WireType::kFixed32: {
      const size_t width = field.type == WireType::kFixed64 ? 8 : 4;
      if (data_.size() - pos_ < width) return field_error(field.number, message_, "is cut short");
      pos_ += width;
      return field;
    }
    case WireType::kLengthDelimited: {
      uint64_t length = 0;
      const VarintRead read = read_varint(data_, pos_, length);
      if (read == VarintRead::kTooLong) return field_error(field.number, message_, "has a malformed length");
      if (read == VarintRead::kCutShort || length > data_.size() - pos_)
        return field_error(field.number, message_, "is cut short");
      field.bytes = data_.substr(pos_, length);
      pos_ += length;
      return field;
    }
    case WireType::kStartGroup:
    case WireType::kEndGroup:
      return field_error(field.number, message_, "is a protobuf group, which Kubernetes objects never contain");
  }
  return field_error(field.number, message_, "has the invalid wire type " + std::to_string(tag & 7));
}

}  // namespace xebec::api
