// Base64 through Beast's codec, with the strictness it leaves out: a decode must use every
// character but the padding.
#include "common/base64.h"

#include <algorithm>
#include <boost/beast/core/detail/base64.hpp>

namespace xebec {

namespace codec = boost::beast::detail::base64;

std::string base64_encode(std::string_view bytes) {
  std::string out(codec::encoded_size(bytes.size()), '\0');
  out.resize(codec::encode(out.data(), bytes.data(), bytes.size()));
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  std::string out(codec::decoded_size(text.size()), '\0');
  const auto [written, read] = codec::decode(out.data(), text.data(), text.size());
  const std::size_t padding = text.size() - std::min(text.size(), text.find_last_not_of('=') + 1);
  if (read + padding != text.size()) return err("not base64: \"" + std::string(text) + "\"", ErrorCode::kBadRequest);
  out.resize(written);
  return out;
}

}  // namespace xebec
