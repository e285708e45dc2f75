#include "common/duration.h"

#include <cctype>
#include <cmath>

namespace xebec {

Result<std::chrono::milliseconds> parse_duration(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return err("duration \"" + text + "\": " + why + " (write e.g. 500ms, 10s, 1m30s or 2h)", ErrorCode::kInvalid);
  };
  if (text.empty()) return bad("it is empty");
  if (text == "0") return std::chrono::milliseconds(0);
  double total_ms = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t start = at;
    while (at < text.size() && (std::isdigit(static_cast<unsigned char>(text[at])) || text[at] == '.')) ++at;
    if (at == start) return bad("expected a number at \"" + text.substr(start) + "\"");
    double number = 0;
    try {
      std::size_t used = 0;
      number = std::stod(text.substr(start, at - start), &used);
      if (used != at - start) return bad("\"" + text.substr(start, at - start) + "\" is not a number");
    } catch (const std::exception&) {
      return bad("\"" + text.substr(start, at - start) + "\" is not a number");
    }
    const std::size_t unit_start = at;
    while (at < text.size() && std::isalpha(static_cast<unsigned char>(text[at]))) ++at;
    const std::string unit = text.substr(unit_start, at - unit_start);
    if (unit.empty()) return bad("\"" + text.substr(start, at - start) + "\" has no unit");
    double scale = 0;
    if (unit == "ms")
      scale = 1;
    else if (unit == "s")
      scale = 1000;
    else if (unit == "m")
      scale = 60 * 1000;
    else if (unit == "h")
      scale = 3600 * 1000;
    else
      return bad("unknown unit \"" + unit + "\"");
    total_ms += number * scale;
  }
  return std::chrono::milliseconds(std::llround(total_ms));
}

}  // namespace xebec
