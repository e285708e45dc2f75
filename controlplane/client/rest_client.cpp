// RestClient: requests as kubectl sends them (see rest_client.h).
#include "controlplane/client/rest_client.h"

#include <string_view>
#include <utility>

#include "controlplane/client/json_field.h"
#include "controlplane/client/status_error.h"

namespace xebec::client {
namespace {

using nlohmann::json;

constexpr std::size_t kQuoted = 200;  // how much of an unreadable answer an error quotes

// "a b/c" -> "a%20b%2Fc": everything but RFC 3986's unreserved characters escaped, for a path
// segment or a query value.
std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// /api/v1[/namespaces/NS]/RESOURCE or /apis/GROUP/VERSION[/namespaces/NS]/RESOURCE.
std::string collection_path(const api::ResourceType& type, const std::string& ns) {
  std::string path = type.group.empty() ? "/api/" + type.version : "/apis/" + type.group + "/" + type.version;
  if (type.namespaced && !ns.empty()) path += "/namespaces/" + percent_encode(ns);
  return path + "/" + type.resource;
}

std::string object_path(const api::ResourceType& type, const std::string& ns, const std::string& name,
                        const std::string& subresource) {
  std::string path = collection_path(type, ns) + "/" + percent_encode(name);
  return subresource.empty() ? path : path + "/" + percent_encode(subresource);
}

// How errors name things: "pods default/web", "nodes n1"; "pods in default", "pods".
std::string object_name(const api::ResourceType& type, const std::string& ns, const std::string& name) {
  return type.resource + " " + (type.namespaced ? ns + "/" : "") + name;
}
std::string collection_name(const api::ResourceType& type, const std::string& ns) {
  return type.resource + (type.namespaced && !ns.empty() ? " in " + ns : "");
}

// Query parameters, left out when empty.
class Query {
 public:
  Query& add(const char* name, const std::string& value) {
    if (!value.empty()) text_ += (text_.empty() ? "?" : "&") + std::string(name) + "=" + percent_encode(value);
    return *this;
  }
  const std::string& str() const { return text_; }

 private:
  std::string text_;
};

// What a call on one object needs before it is sent.
Status check_object(const api::ResourceType& type, const std::string& ns, const std::string& name,
                    const std::string& what) {
  if (name.empty()) return err(what + ": no name was given (metadata.name)", ErrorCode::kBadRequest);
  if (type.namespaced && ns.empty())
    return err(what + ": " + type.resource + " are namespaced: give a namespace", ErrorCode::kBadRequest);
  return {};
}

const char* content_type(PatchType type) {
  switch (type) {
    case PatchType::kJson: return "application/json-patch+json";
    case PatchType::kMerge: return "application/merge-patch+json";
    case PatchType::kStrategic: return "application/strategic-merge-patch+json";
  }
  return "application/merge-patch+json";
}

// Turns a watch's lines into events for its sink; an ERROR event, or a line that is no event,
// ends the watch there and then (the transport's own end then goes unreported).
class WatchDecoder {
 public:
  WatchDecoder(WatchSink sink, std::string what) : sink_(std::move(sink)), what_(std::move(what)) {}

  void line(std::string_view text) {
    if (ended_ || text.empty()) return;
    json event = json::parse(text, nullptr, false);
    const std::string type = string_field(event, {"type"});
    if (!event.is_object() || !event.contains("object") || !event["object"].is_object())
      return finish(err(
          what_ + ": the apiserver sent a line that is not a watch event: " + std::string(text.substr(0, kQuoted))));
    json& object = event["object"];
    if (type == "ERROR") {
      const int code = object.contains("code") && object["code"].is_number_integer() ? object["code"].get<int>() : 500;
      return finish(response_error(code, dump(object), what_));
    }
    WatchEvent out;
    if (type == "ADDED") {
      out.type = WatchEvent::Type::kAdded;
    } else if (type == "MODIFIED") {
      out.type = WatchEvent::Type::kModified;
    } else if (type == "DELETED") {
      out.type = WatchEvent::Type::kDeleted;
    } else if (type == "BOOKMARK") {
      out.type = WatchEvent::Type::kBookmark;
    } else {
      return finish(err(what_ + ": the apiserver sent a watch event of unknown type \"" + type + "\""));
    }
    out.object = std::move(object);
    sink_.on_event(std::move(out));
  }

  void end(Status status) {
    if (!ended_) finish(std::move(status));
  }

 private:
  void finish(Status status) {
    ended_ = true;
    sink_.on_end(std::move(status));
  }

  WatchSink sink_;
  const std::string what_;
  bool ended_ = false;  // the transport calls line() and end() from one thread: no lock
};

}  // namespace

RestClient::RestClient(std::unique_ptr<Transport> transport) : transport_(std::move(transport)) {}

Result<json> RestClient::call(const HttpRequest& request) {
  auto response = transport_->round_trip(request);
  if (!response) return response.error();
  if (response->status < 200 || response->status > 299)
    return response_error(response->status, response->body, request.what);
  json body = json::parse(response->body, nullptr, false);
  if (body.is_discarded())
    return err(request.what + ": the apiserver's answer is not JSON: " + response->body.substr(0, kQuoted));
  return body;
}

Result<json> RestClient::get(const api::ResourceType& type, const std::string& ns, const std::string& name) {
  const std::string what = "get " + object_name(type, ns, name);
  if (auto ok = check_object(type, ns, name, what); !ok) return ok.error();
  return call({"GET", object_path(type, ns, name, ""), "", "", what});
}

Result<json> RestClient::list(const api::ResourceType& type, const std::string& ns, const ListOptions& options) {
  Query query;
  query.add("labelSelector", options.label_selector)
      .add("fieldSelector", options.field_selector)
      .add("limit", options.limit > 0 ? std::to_string(options.limit) : "")
      .add("continue", options.continue_token)
      .add("resourceVersion", options.resource_version);
  return call({"GET", collection_path(type, ns) + query.str(), "", "", "list " + collection_name(type, ns)});
}

Result<json> RestClient::create(const api::ResourceType& type, const std::string& ns, const json& object) {
  const std::string name = string_field(object, {"metadata", "name"});
  const std::string what = "create " + (name.empty() ? collection_name(type, ns) : object_name(type, ns, name));
  if (type.namespaced && ns.empty())
    return err(what + ": " + type.resource + " are namespaced: give a namespace", ErrorCode::kBadRequest);
  return call({"POST", collection_path(type, ns), "application/json", dump(object), what});
}

Result<json> RestClient::update(const api::ResourceType& type, const std::string& ns, const json& object,
                                const std::string& subresource) {
  const std::string name = string_field(object, {"metadata", "name"});
  const std::string what = "update " + object_name(type, ns, name) + (subresource.empty() ? "" : "/" + subresource);
  if (auto ok = check_object(type, ns, name, what); !ok) return ok.error();
  return call({"PUT", object_path(type, ns, name, subresource), "application/json", dump(object), what});
}

Result<json> RestClient::patch(const api::ResourceType& type, const std::string& ns, const std::string& name,
                               PatchType patch_type, const json& body, const std::string& subresource) {
  const std::string what = "patch " + object_name(type, ns, name) + (subresource.empty() ? "" : "/" + subresource);
  if (auto ok = check_object(type, ns, name, what); !ok) return ok.error();
  return call({"PATCH", object_path(type, ns, name, subresource), content_type(patch_type), dump(body), what});
}

Result<json> RestClient::remove(const api::ResourceType& type, const std::string& ns, const std::string& name,
                                const DeleteOptions& options) {
  const std::string what = "delete " + object_name(type, ns, name);
  if (auto ok = check_object(type, ns, name, what); !ok) return ok.error();
  json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (!options.propagation_policy.empty()) body["propagationPolicy"] = options.propagation_policy;
  if (options.grace_period_seconds) body["gracePeriodSeconds"] = *options.grace_period_seconds;
  if (!options.precondition_uid.empty()) body["preconditions"]["uid"] = options.precondition_uid;
  return call({"DELETE", object_path(type, ns, name, ""), "application/json", dump(body), what});
}

Status RestClient::bind(const std::string& ns, const std::string& pod, const std::string& node) {
  const api::ResourceType& pods = *api::find_resource("", "v1", "pods");
  const std::string what = "bind " + object_name(pods, ns, pod) + " to node " + node;
  if (auto ok = check_object(pods, ns, pod, what); !ok) return ok.error();
  if (node.empty()) return err(what + ": no node was given", ErrorCode::kBadRequest);
  const json binding = {{"apiVersion", "v1"},
                        {"kind", "Binding"},
                        {"metadata", {{"name", pod}, {"namespace", ns}}},
                        {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}};
  auto bound = call({"POST", object_path(pods, ns, pod, "binding"), "application/json", dump(binding), what});
  if (!bound) return bound.error();
  return {};
}

Result<std::unique_ptr<WatchHandle>> RestClient::watch(const api::ResourceType& type, const std::string& ns,
                                                       const WatchOptions& options, WatchSink sink) {
  Query query;
  query.add("watch", "true")
      .add("resourceVersion", options.resource_version)
      .add("labelSelector", options.label_selector)
      .add("fieldSelector", options.field_selector)
      .add("allowWatchBookmarks", options.allow_bookmarks ? "true" : "")
      .add("timeoutSeconds", options.timeout_seconds > 0 ? std::to_string(options.timeout_seconds) : "");
  const std::string what = "watch " + collection_name(type, ns);
  auto decoder = std::make_shared<WatchDecoder>(std::move(sink), what);
  LineSink lines{[decoder](std::string_view line) { decoder->line(line); },
                 [decoder](Status status) { decoder->end(std::move(status)); }};
  return transport_->stream({"GET", collection_path(type, ns) + query.str(), "", "", what}, std::move(lines));
}

}  // namespace xebec::client
