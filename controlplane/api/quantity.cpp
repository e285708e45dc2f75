// Quantities: a decimal number, then a binary suffix (Ki..Ei), a decimal one (n, u, m, k, M..E)
// or an exponent (e3, E-2). Worked out in long double, which holds every quantity a cluster
// uses exactly enough to round it the way Kubernetes does.
#include "controlplane/api/quantity.h"

#include <cmath>
#include <string>

namespace xebec::api {

namespace {

struct Suffix {
  std::string_view text;
  long double factor;
};

constexpr Suffix kSuffixes[] = {
    {"Ki", 1024.0L}, {"Mi", 1048576.0L}, {"Gi", 1073741824.0L}, {"Ti", 1099511627776.0L},
    {"Pi", 1125899906842624.0L}, {"Ei", 1152921504606846976.0L}, {"n", 1e-9L}, {"u", 1e-6L},
    {"m", 1e-3L}, {"k", 1e3L}, {"M", 1e6L}, {"G", 1e9L}, {"T", 1e12L}, {"P", 1e15L}, {"E", 1e18L},
};

Error invalid(std::string_view text) {
  return err("quantities must match the regular expression "
             "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$', not \"" + std::string(text) + "\"",
             ErrorCode::kBadRequest);
}

// The value `text` spells, in units.
Result<long double> value_of(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  const std::size_t digits_start = i;
  bool point = false;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || (text[i] == '.' && !point))) {
    point = point || text[i] == '.';
    ++i;
  }
  const std::string number(text.substr(0, i));
  if (i == digits_start || (point && i - digits_start == 1)) return invalid(text);  // no digits, or only "."
  long double value = std::strtold(number.c_str(), nullptr);
  const std::string_view suffix = text.substr(i);
  if (suffix.empty()) return value;
  for (const auto& s : kSuffixes)
    if (suffix == s.text) return value * s.factor;
  if (suffix[0] == 'e' || suffix[0] == 'E') {
    const std::string exponent(suffix.substr(1));
    if (exponent.empty()) return invalid(text);
    const bool sign = exponent[0] == '+' || exponent[0] == '-';
    const std::string_view digits = std::string_view(exponent).substr(sign ? 1 : 0);
    if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string_view::npos)
      return invalid(text);
    return value * std::pow(10.0L, std::stoi(exponent));
  }
  return invalid(text);
}

Result<std::int64_t> rounded_up(std::string_view text, long double scale) {
  auto value = value_of(text);
  if (!value) return value.error();
  const long double scaled = std::ceil(*value * scale);
  if (!(std::fabs(scaled) < 9.2e18L)) return err("quantity \"" + std::string(text) + "\" is too large", ErrorCode::kBadRequest);
  return static_cast<std::int64_t>(scaled);
}

}  // namespace

Result<std::int64_t> parse_quantity_milli(std::string_view text) { return rounded_up(text, 1000.0L); }

Result<std::int64_t> parse_quantity(std::string_view text) { return rounded_up(text, 1.0L); }

}  // namespace xebec::api
