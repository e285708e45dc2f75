// Header lookups for handlers (see handler.h).
#include "controlplane/server/handler.h"

#include <strings.h>

#include <algorithm>

namespace xebec::server {

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  int c = strncasecmp(a.data(), b.data(), std::min(a.size(), b.size()));
  return c != 0 ? c < 0 : a.size() < b.size();
}

std::string_view Request::header(std::string_view name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string_view() : std::string_view(it->second);
}

}  // namespace xebec::server
