// Label and field selectors of list and watch requests (?labelSelector=, ?fieldSelector=), in
// Kubernetes' syntax: "app=web,tier!=db,env in (prod,staging),!canary".
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"

namespace xebec::api {

class LabelSelector {
 public:
  // kBadRequest with the offending part when the text does not parse. "" selects everything.
  static Result<LabelSelector> parse(const std::string& text);
  // A meta/v1 LabelSelector object: {matchLabels, matchExpressions} with the operators In,
  // NotIn, Exists and DoesNotExist. {} selects everything (what a null selector means is the
  // caller's to say). kInvalid naming the part that is wrong.
  static Result<LabelSelector> from_object(const nlohmann::json& selector);
  // `labels`: an object's metadata.labels (null when it has none).
  bool matches(const nlohmann::json& labels) const;
  bool empty() const { return requirements_.empty(); }

 private:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kNotExists };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;
  };
  std::vector<Requirement> requirements_;
};

class FieldSelector {
 public:
  // Supports metadata.name, metadata.namespace, spec.nodeName, status.phase and the fields
  // of Events kubectl describe selects on (involvedObject.*, reason, type), with =, == and !=;
  // kBadRequest naming any other field.
  static Result<FieldSelector> parse(const std::string& text);
  bool matches(const nlohmann::json& object) const;
  bool empty() const { return terms_.empty(); }

 private:
  struct Term {
    std::string field;
    bool equals;
    std::string value;
  };
  std::vector<Term> terms_;
};

// "app=web,tier=front" from an object's selector: a {matchLabels} selector or a plain map (a
// Service's or ReplicationController's); "" when it has none.
std::string format_selector(const nlohmann::json& selector);

}  // namespace xebec::api
