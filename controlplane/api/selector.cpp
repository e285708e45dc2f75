// Selector parsing: a small hand-written scanner, as the grammar is tiny.
#include "controlplane/api/selector.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace xebec::api {

namespace {

using nlohmann::json;

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// Splits at commas outside parentheses.
std::vector<std::string> split_top(const std::string& text) {
  std::vector<std::string> parts;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      parts.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(trim(cur));
  return parts;
}

// Label keys ([prefix/]name) and values: alphanumerics with - _ . inside.
bool valid_token(const std::string& s, bool allow_empty, bool allow_slash) {
  if (s.empty()) return allow_empty;
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || (allow_slash && c == '/');
  });
}

Error bad(const std::string& what, const std::string& text) {
  return err("unable to parse requirement: " + what + " in '" + text + "'", ErrorCode::kBadRequest);
}

}  // namespace

Result<LabelSelector> LabelSelector::parse(const std::string& text) {
  LabelSelector sel;
  if (trim(text).empty()) return sel;
  for (const auto& part : split_top(text)) {
    Requirement r;
    if (part.empty()) return bad("empty requirement", text);
    if (part[0] == '!') {
      r = {trim(part.substr(1)), Op::kNotExists, {}};
    } else if (auto p = part.find("!="); p != std::string::npos) {
      r = {trim(part.substr(0, p)), Op::kNotEquals, {trim(part.substr(p + 2))}};
    } else if (auto p2 = part.find("=="); p2 != std::string::npos) {
      r = {trim(part.substr(0, p2)), Op::kEquals, {trim(part.substr(p2 + 2))}};
    } else if (auto p3 = part.find('='); p3 != std::string::npos) {
      r = {trim(part.substr(0, p3)), Op::kEquals, {trim(part.substr(p3 + 1))}};
    } else if (auto open = part.find('('); open != std::string::npos) {
      const auto close = part.rfind(')');
      if (close == std::string::npos || close < open || !trim(part.substr(close + 1)).empty())
        return bad("unclosed '(' in '" + part + "'", text);
      std::string head = trim(part.substr(0, open));
      const auto space = head.find_last_of(" \t");
      if (space == std::string::npos) return bad("expected 'in' or 'notin' in '" + part + "'", text);
      const std::string op = head.substr(space + 1);
      if (op != "in" && op != "notin") return bad("unknown operator '" + op + "'", text);
      r = {trim(head.substr(0, space)), op == "in" ? Op::kIn : Op::kNotIn, {}};
      for (const auto& v : split_top(part.substr(open + 1, close - open - 1))) r.values.push_back(v);
    } else {
      r = {part, Op::kExists, {}};
    }
    if (!valid_token(r.key, false, true)) return bad("invalid label key '" + r.key + "'", text);
    for (const auto& v : r.values)
      if (!valid_token(v, true, false)) return bad("invalid label value '" + v + "'", text);
    sel.requirements_.push_back(std::move(r));
  }
  return sel;
}

Result<LabelSelector> LabelSelector::from_object(const json& selector) {
  LabelSelector sel;
  if (selector.is_null()) return sel;
  if (!selector.is_object()) return err("a label selector must be an object, not " + selector.dump(), ErrorCode::kInvalid);
  const json match_labels = selector.value("matchLabels", json::object());
  for (const auto& [key, value] : match_labels.items()) {
    if (!value.is_string()) return err("matchLabels." + key + " must be a string", ErrorCode::kInvalid);
    sel.requirements_.push_back({key, Op::kEquals, {value.get<std::string>()}});
  }
  static const std::map<std::string, Op> kOperators = {
      {"In", Op::kIn}, {"NotIn", Op::kNotIn}, {"Exists", Op::kExists}, {"DoesNotExist", Op::kNotExists}};
  for (const auto& e : selector.value("matchExpressions", json::array())) {
    const std::string op = e.is_object() ? e.value("operator", "") : "";
    const auto found = kOperators.find(op);
    if (found == kOperators.end())
      return err("matchExpressions: \"" + op + "\" is not a valid label selector operator (In, NotIn, Exists, DoesNotExist)",
                 ErrorCode::kInvalid);
    Requirement r{e.value("key", ""), found->second, {}};
    for (const auto& v : e.value("values", json::array()))
      if (v.is_string()) r.values.push_back(v.get<std::string>());
    const bool wants_values = r.op == Op::kIn || r.op == Op::kNotIn;
    if (r.key.empty() || wants_values == r.values.empty())
      return err("matchExpressions: " + e.dump() + ": " +
                     (r.key.empty() ? std::string("needs a key")
                                    : op + (wants_values ? " needs values" : " takes no values")),
                 ErrorCode::kInvalid);
    sel.requirements_.push_back(std::move(r));
  }
  return sel;
}

bool LabelSelector::matches(const json& labels) const {
  for (const auto& r : requirements_) {
    const bool has = labels.is_object() && labels.contains(r.key) && labels[r.key].is_string();
    const std::string value = has ? labels[r.key].get<std::string>() : "";
    const bool listed = std::find(r.values.begin(), r.values.end(), value) != r.values.end();
    bool ok = false;
    switch (r.op) {
      case Op::kEquals: ok = has && value == r.values[0]; break;
      case Op::kNotEquals: ok = !has || value != r.values[0]; break;
      case Op::kIn: ok = has && listed; break;
      case Op::kNotIn: ok = !has || !listed; break;
      case Op::kExists: ok = has; break;
      case Op::kNotExists: ok = !has; break;
    }
    if (!ok) return false;
  }
  return true;
}

Result<FieldSelector> FieldSelector::parse(const std::string& text) {
  static const std::vector<std::string> kSupported = {
      "metadata.name",         "metadata.namespace",         "spec.nodeName",         "status.phase",
      "involvedObject.kind",   "involvedObject.namespace",   "involvedObject.name",   "involvedObject.uid",
      "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
      "type",                  "reportingComponent"};
  FieldSelector sel;
  if (trim(text).empty()) return sel;
  for (const auto& part : split_top(text)) {
    Term t;
    if (auto p = part.find("!="); p != std::string::npos) t = {trim(part.substr(0, p)), false, trim(part.substr(p + 2))};
    else if (auto p2 = part.find("=="); p2 != std::string::npos) t = {trim(part.substr(0, p2)), true, trim(part.substr(p2 + 2))};
    else if (auto p3 = part.find('='); p3 != std::string::npos) t = {trim(part.substr(0, p3)), true, trim(part.substr(p3 + 1))};
    else return err("invalid field selector '" + part + "': expected FIELD=VALUE or FIELD!=VALUE", ErrorCode::kBadRequest);
    if (std::find(kSupported.begin(), kSupported.end(), t.field) == kSupported.end())
      return err("field label not supported: " + t.field, ErrorCode::kBadRequest);
    sel.terms_.push_back(std::move(t));
  }
  return sel;
}

bool FieldSelector::matches(const json& object) const {
  for (const auto& t : terms_) {
    const json* v = &object;
    std::size_t start = 0;
    while (v && start <= t.field.size()) {
      auto dot = t.field.find('.', start);
      const std::string part = t.field.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      v = v->is_object() && v->contains(part) ? &(*v)[part] : nullptr;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    const std::string value = v && v->is_string() ? v->get<std::string>() : "";
    if ((value == t.value) != t.equals) return false;
  }
  return true;
}

std::string format_selector(const json& selector) {
  const json& labels = selector.is_object() && selector.contains("matchLabels") ? selector["matchLabels"] : selector;
  std::string out;
  if (labels.is_object())
    for (const auto& [k, v] : labels.items()) out += (out.empty() ? "" : ",") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

}  // namespace xebec::api
