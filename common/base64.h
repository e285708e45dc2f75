// Base64 (RFC 4648, with padding), as Kubernetes and etcd's JSON gateway write bytes.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace xebec {

std::string base64_encode(std::string_view bytes);
// kBadRequest when `text` holds anything but base64 and its padding; the caller says whose
// text it was.
Result<std::string> base64_decode(std::string_view text);

}  // namespace xebec
