// ApiHandler: one function per verb, after the path and query are read.
#include "controlplane/apiserver/api_handler.h"

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>

#include "common/document.h"
#include "controlplane/api/discovery.h"
#include "controlplane/api/openapi.h"
#include "controlplane/api/patch.h"
#include "controlplane/api/protobuf.h"
#include "controlplane/api/request_path.h"
#include "controlplane/api/schema.h"
#include "controlplane/api/table.h"
#include "controlplane/server/k8s_status.h"

namespace xebec::apiserver {

namespace {

using nlohmann::json;
using server::Request;
using server::Response;

constexpr int kPatchAttempts = 5;  // a patch re-reads and retries when it loses a race

using Clock = std::chrono::steady_clock;

// How often watches are looked after: timeouts, clients gone, bookmarks.
constexpr std::chrono::milliseconds kTendInterval{250};

// A count (of seconds, ...) as a query parameter gives it.
std::optional<std::int64_t> non_negative(const std::string& text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// JSON text as the apiserver sends it: compact, invalid UTF-8 replaced rather than refused.
std::string json_text(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

Response json_response(int code, const json& body) { return Response{code, "application/json", json_text(body), {}}; }

// Kubernetes' status code and reason for each kind of error.
Response error_response(const Error& e) {
  switch (e.code) {
    case ErrorCode::kNotFound: return server::status_response(404, "NotFound", e.message);
    case ErrorCode::kAlreadyExists: return server::status_response(409, "AlreadyExists", e.message);
    case ErrorCode::kConflict: return server::status_response(409, "Conflict", e.message);
    case ErrorCode::kGone: return server::status_response(410, "Expired", e.message);
    case ErrorCode::kInvalid: return server::status_response(422, "Invalid", e.message);
    case ErrorCode::kBadRequest: return server::status_response(400, "BadRequest", e.message);
    case ErrorCode::kUnavailable: return server::status_response(503, "ServiceUnavailable", e.message);
    case ErrorCode::kForbidden: return server::status_response(403, "Forbidden", e.message);
    case ErrorCode::kExhausted:
    case ErrorCode::kUnknown: break;
  }
  return server::status_response(500, "InternalError", e.message);
}

// A create refused because its namespace is being terminated (the only 403 of a create), with
// the details kube-apiserver's NamespaceLifecycle admission gives it: controllers test for the
// cause (client-go's HasStatusCause(err, NamespaceTerminatingCause)) to stop creating quietly.
Response create_forbidden(const Error& e, const api::ResourceType& type, const std::string& ns,
                          const std::string& name) {
  json details = {{"kind", type.resource},
                  {"causes",
                   {{{"reason", "NamespaceTerminating"},
                     {"message", "namespace " + ns + " is being terminated"},
                     {"field", "metadata.namespace"}}}}};
  if (!name.empty()) details["name"] = name;
  if (!type.group.empty()) details["group"] = type.group;
  return json_response(403, {{"kind", "Status"},
                             {"apiVersion", "v1"},
                             {"metadata", json::object()},
                             {"status", "Failure"},
                             {"message", e.message},
                             {"reason", "Forbidden"},
                             {"details", details},
                             {"code", 403}});
}

Response success_status(int code) {
  return json_response(code, {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()},
                              {"status", "Success"}, {"code", code}});
}

std::string param(const Request& r, const std::string& name) {
  auto it = r.query.find(name);
  return it == r.query.end() ? "" : it->second;
}

bool flag(const Request& r, const std::string& name) {
  const std::string v = param(r, name);
  return v == "true" || v == "1";
}

bool dry_run(const Request& r) { return param(r, "dryRun") == "All"; }

bool wants_table(const Request& r) { return std::string(r.header("Accept")).find("as=Table") != std::string::npos; }

api::RowObject row_object(const Request& r) {
  const std::string include = param(r, "includeObject");
  if (include == "Object") return api::RowObject::kObject;
  if (include == "None") return api::RowObject::kNone;
  return api::RowObject::kMetadata;
}

// The body of a create or update, in JSON, YAML or Kubernetes protobuf, read into JSON.
Result<json> read_body(const Request& r, const api::ResourceType& type) {
  const std::string content_type(r.header("Content-Type"));
  if (content_type.starts_with(api::kProtobufContentType)) return api::decode_protobuf(r.body, type);
  if (content_type.starts_with("application/yaml")) {
    auto body = parse_document(r.body);
    if (!body) return err("the body of the request is not valid YAML: " + body.error().message, ErrorCode::kBadRequest);
    return body;
  }
  if (!content_type.empty() && !content_type.starts_with("application/json") && !content_type.starts_with("*/*"))
    return err("the body of the request was in an unknown format (" + content_type +
                   ") - accepted media types include: application/json, application/yaml, " +
                   std::string(api::kProtobufContentType),
               ErrorCode::kBadRequest);
  json body = json::parse(r.body, nullptr, false);
  if (body.is_discarded()) return err("the body of the request is not valid JSON", ErrorCode::kBadRequest);
  return body;
}

// The request body as JSON: an object whose apiVersion and kind, when given, are the type's.
Result<json> decode_body(const Request& r, const api::ResourceType& type) {
  auto read = read_body(r, type);
  if (!read) return read.error();
  json body = std::move(*read);
  if (!body.is_object()) return err("the body of the request must be an object", ErrorCode::kBadRequest);
  if (body.contains("apiVersion") && body["apiVersion"] != type.api_version())
    return err("the API version in the data (" + body["apiVersion"].dump() + ") does not match the expected API version (" +
                   type.api_version() + ")",
               ErrorCode::kBadRequest);
  if (body.contains("kind") && body["kind"] != type.kind)
    return err("the kind in the data (" + body["kind"].dump() + ") does not match the expected kind (" + type.kind + ")",
               ErrorCode::kBadRequest);
  return body;
}

// fieldValidation=Strict|Warn|Ignore (Warn when absent): an unknown field in `object` is an
// error, a warning, or nothing. Returns the warnings.
Result<std::vector<std::string>> check_body(const Request& r, const api::ResourceType& type, const json& object) {
  const std::string mode = param(r, "fieldValidation");
  if (mode == "Ignore") return std::vector<std::string>{};
  if (!mode.empty() && mode != "Warn" && mode != "Strict")
    return err("fieldValidation must be one of Ignore, Warn or Strict, not '" + mode + "'", ErrorCode::kBadRequest);
  return api::check_fields(type, object, mode == "Strict");
}

// Unknown fields as kube-apiserver reports them: `Warning: 299 - "unknown field \"spec.x\""`.
Response with_warnings(Response response, const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) response.headers.emplace("Warning", "299 - " + json(w).dump());
  return response;
}

Result<api::ListQuery> list_query(const Request& r) {
  api::ListQuery q;
  auto labels = api::LabelSelector::parse(param(r, "labelSelector"));
  if (!labels) return labels.error();
  auto fields = api::FieldSelector::parse(param(r, "fieldSelector"));
  if (!fields) return fields.error();
  q.labels = std::move(*labels);
  q.fields = std::move(*fields);
  if (const std::string limit = param(r, "limit"); !limit.empty()) {
    try {
      q.limit = std::stoll(limit);
    } catch (const std::exception&) {
      return err("invalid limit '" + limit + "'", ErrorCode::kBadRequest);
    }
  }
  q.continue_token = param(r, "continue");
  q.resource_version = param(r, "resourceVersion");
  if (q.resource_version == "0") q.resource_version.clear();
  return q;
}

json scale_of(const json& object) {
  const json& meta = object["metadata"];
  json scale_meta = {{"name", meta["name"]}};
  for (const char* f : {"namespace", "uid", "resourceVersion", "creationTimestamp"})
    if (meta.contains(f)) scale_meta[f] = meta[f];
  const json spec = object.value("spec", json::object());
  const json status = object.value("status", json::object());
  return {{"kind", "Scale"},
          {"apiVersion", "autoscaling/v1"},
          {"metadata", scale_meta},
          {"spec", {{"replicas", spec.value("replicas", 1)}}},
          {"status", {{"replicas", status.value("replicas", 0)}, {"selector", api::format_selector(spec.value("selector", json()))}}}};
}

Result<api::DeleteOptions> delete_options(const Request& r) {
  api::DeleteOptions o;
  if (!r.body.empty()) {
    json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return err("DeleteOptions must be a JSON object", ErrorCode::kBadRequest);
    o.propagation_policy = body.value("propagationPolicy", "");
    const json pre = body.value("preconditions", json::object());
    o.precondition_uid = pre.value("uid", "");
    o.precondition_resource_version = pre.value("resourceVersion", "");
    const json dry = body.value("dryRun", json::array());
    o.dry_run = dry.is_array() && std::find(dry.begin(), dry.end(), "All") != dry.end();
  }
  if (const std::string p = param(r, "propagationPolicy"); !p.empty()) o.propagation_policy = p;
  static const std::set<std::string> policies = {"", "Background", "Foreground", "Orphan"};
  if (!policies.contains(o.propagation_policy))
    return err("Unsupported value: \"" + o.propagation_policy + "\": supported values: \"Background\", \"Foreground\", \"Orphan\"",
               ErrorCode::kBadRequest);
  o.dry_run = o.dry_run || dry_run(r);
  return o;
}

}  // namespace

// One watch request: what its client was told, where to, and the store watch feeding it.
// Its sink holds it; it holds the watch: whoever ends the watch takes `handle` out first.
struct ApiHandler::WatchState {
  std::mutex mu;
  std::set<std::string> matching;  // keys of objects the client was told of
  std::shared_ptr<server::Stream> stream;
  std::unique_ptr<store::Watch> handle;
  bool columns_sent = false;
  store::Revision revision = 0;  // the client has every change up to it (a bookmark may say so)
  std::string bookmark;          // the event line before its resourceVersion; "": no bookmarks
  Clock::time_point last_bookmark = Clock::now();
  Clock::time_point deadline = Clock::time_point::max();  // ?timeoutSeconds=
};

void ApiHandler::operator()(Request& request, server::Reply& reply) {
  if (request.method == "GET" && flag(request, "watch")) {
    auto path = api::parse_resource_path(request.path);
    if (path && path->name.empty() && path->subresource.empty()) return watch(request, *path, reply);
  }
  reply.send(handle(request));
}

Response ApiHandler::handle(const Request& r) {
  if (r.method == "GET") {
    if (r.path == "/version") return json_response(200, api::version_info());
    if (r.path == "/api") return json_response(200, api::api_versions());
    if (r.path == "/apis") return json_response(200, api::api_group_list());
    if (r.path == "/healthz" || r.path == "/livez" || r.path == "/readyz") return Response{200, "text/plain", "ok", {}};
    if (r.path == "/openapi/v3" || r.path.starts_with("/openapi/v3/")) {
      const json* document = api::openapi_document(r.path);
      if (!document) return server::status_response(404, "NotFound", "no OpenAPI document at " + r.path);
      Response response = json_response(200, *document);
      response.headers.emplace("ETag", "\"" + api::openapi_hash(*document) + "\"");
      return response;
    }
    for (const auto& gv : api::group_versions()) {
      const std::string at = gv.group.empty() ? "/api/" + gv.version : "/apis/" + gv.group + "/" + gv.version;
      if (r.path == at) return json_response(200, api::api_resource_list(gv));
    }
  }
  auto path = api::parse_resource_path(r.path);
  if (!path) return error_response(path.error());
  return handle_resource(r, *path);
}

Response ApiHandler::handle_resource(const Request& r, const api::ResourcePath& p) {
  const api::ResourceType& type = *p.type;
  auto reply = [&](int code, Result<json> object) {
    if (!object) return error_response(object.error());
    if (wants_table(r)) return json_response(code, api::to_table(type, *object, true, row_object(r)));
    return json_response(code, *object);
  };

  if (r.method == "GET") {
    if (p.name.empty()) {
      auto query = list_query(r);
      if (!query) return error_response(query.error());
      return reply(200, objects_.list(type, p.ns, *query));
    }
    auto object = objects_.get(type, p.ns, p.name);
    if (p.subresource == "scale" && object) return json_response(200, scale_of(*object));
    return reply(200, std::move(object));
  }

  if (r.method == "POST") {
    if (p.subresource == "binding") {
      auto body = json::parse(r.body, nullptr, false);
      const std::string node = body.is_object() ? body.value("target", json::object()).value("name", "") : "";
      if (node.empty()) return error_response(err("a Binding needs target.name", ErrorCode::kBadRequest));
      auto pod = objects_.get(type, p.ns, p.name);
      if (!pod) return error_response(pod.error());
      const std::string current = (*pod)["spec"].value("nodeName", "");
      if (!current.empty())
        return error_response(err("pod " + p.name + " is already assigned to node \"" + current + "\"", ErrorCode::kConflict));
      (*pod)["spec"]["nodeName"] = node;
      auto bound = objects_.update(type, p.ns, p.name, *pod, "", dry_run(r));
      return bound ? success_status(201) : error_response(bound.error());
    }
    if (!p.name.empty()) return server::status_response(405, "MethodNotAllowed", "POST is not supported on " + r.path);
    auto body = decode_body(r, type);
    if (!body) return error_response(body.error());
    auto warnings = check_body(r, type, *body);
    if (!warnings) return error_response(warnings.error());
    std::string name;  // as the request gave it: "" when it is to be generated
    if (auto meta = body->find("metadata"); meta != body->end() && meta->is_object())
      if (auto given = meta->find("name"); given != meta->end() && given->is_string()) name = *given;
    auto created = objects_.create(type, p.ns, std::move(*body), dry_run(r));
    if (!created && created.error().code == ErrorCode::kForbidden)
      return create_forbidden(created.error(), type, p.ns, name);
    return with_warnings(reply(201, std::move(created)), *warnings);
  }

  if (p.name.empty() && r.method != "DELETE")
    return server::status_response(405, "MethodNotAllowed", r.method + " is not supported on a collection");

  if (r.method == "PUT") {
    if (p.subresource == "scale") {
      json body = json::parse(r.body, nullptr, false);
      if (!body.is_object()) return error_response(err("the body must be a Scale object", ErrorCode::kBadRequest));
      auto object = objects_.get(type, p.ns, p.name);
      if (!object) return error_response(object.error());
      (*object)["spec"]["replicas"] = body.value("spec", json::object()).value("replicas", 0);
      auto updated = objects_.update(type, p.ns, p.name, *object, "", dry_run(r));
      return updated ? json_response(200, scale_of(*updated)) : error_response(updated.error());
    }
    auto body = decode_body(r, type);
    if (!body) return error_response(body.error());
    auto warnings = check_body(r, type, *body);
    if (!warnings) return error_response(warnings.error());
    return with_warnings(reply(200, objects_.update(type, p.ns, p.name, std::move(*body), p.subresource, dry_run(r))),
                         *warnings);
  }

  if (r.method == "PATCH") {
    auto patch_type = api::patch_type(std::string(r.header("Content-Type")));
    if (!patch_type) return server::status_response(415, "UnsupportedMediaType", patch_type.error().message);
    Result<json> updated = err("", ErrorCode::kConflict);
    std::vector<std::string> warnings;
    for (int attempt = 0; attempt < kPatchAttempts && !updated && updated.error().code == ErrorCode::kConflict; ++attempt) {
      auto current = objects_.get(type, p.ns, p.name);
      if (!current) return error_response(current.error());
      const bool scale = p.subresource == "scale";
      auto patched = api::apply_patch(scale ? scale_of(*current) : *current, r.body, *patch_type);
      if (!patched) return error_response(patched.error());
      json object = *current;
      if (scale) {
        object["spec"]["replicas"] = (*patched)["spec"].value("replicas", 0);
      } else {
        auto checked = check_body(r, type, *patched);
        if (!checked) return error_response(checked.error());
        warnings = std::move(*checked);
        object = std::move(*patched);
      }
      // Conditional on what was read, unless the patch itself names a version.
      if (!object["metadata"].contains("resourceVersion") || scale)
        object["metadata"]["resourceVersion"] = (*current)["metadata"]["resourceVersion"];
      updated = objects_.update(type, p.ns, p.name, object, scale ? "" : p.subresource, dry_run(r));
      if (updated && scale) updated = scale_of(*updated);
    }
    return with_warnings(reply(200, std::move(updated)), warnings);
  }

  if (r.method == "DELETE") {
    auto options = delete_options(r);
    if (!options) return error_response(options.error());
    if (!p.name.empty()) return reply(200, objects_.remove(type, p.ns, p.name, *options));
    auto query = list_query(r);
    if (!query) return error_response(query.error());
    auto list = objects_.list(type, p.ns, *query);
    if (!list) return error_response(list.error());
    for (const auto& item : (*list)["items"]) {
      const json& meta = item["metadata"];
      auto gone = objects_.remove(type, meta.value("namespace", ""), meta["name"], *options);
      if (!gone && gone.error().code != ErrorCode::kNotFound) return error_response(gone.error());
    }
    return json_response(200, *list);
  }
  return server::status_response(405, "MethodNotAllowed", r.method + " is not supported");
}

// A watch: the objects that exist first (as ADDED) unless the client gave a resourceVersion,
// then every change after it, filtered, one JSON event per line, until the client goes.
void ApiHandler::watch(const Request& r, const api::ResourcePath& p, server::Reply& reply) {
  auto query = list_query(r);
  if (!query) return reply.send(error_response(query.error()));
  const api::ResourceType& type = *p.type;

  auto state = std::make_shared<WatchState>();
  if (const std::string timeout = param(r, "timeoutSeconds"); !timeout.empty()) {
    auto seconds = non_negative(timeout);
    if (!seconds) return reply.send(error_response(err("invalid timeoutSeconds '" + timeout + "'", ErrorCode::kBadRequest)));
    if (*seconds > 0) state->deadline = Clock::now() + std::chrono::seconds(*seconds);  // 0: the default, none
  }
  if (flag(r, "allowWatchBookmarks"))
    state->bookmark = R"({"type":"BOOKMARK","object":{"kind":")" + type.kind + R"(","apiVersion":")" + type.api_version() +
                      R"(","metadata":{"resourceVersion":")";
  store::Revision from = 0;
  std::vector<json> initial;
  if (query->resource_version.empty()) {
    api::ListQuery all = *query;
    all.limit = 0;
    auto list = objects_.list(type, p.ns, all);
    if (!list) return reply.send(error_response(list.error()));
    from = std::stoll((*list)["metadata"]["resourceVersion"].get<std::string>());
    for (auto& item : (*list)["items"]) {
      state->matching.insert(api::ObjectStorage::key(type, item["metadata"].value("namespace", ""), item["metadata"]["name"]));
      initial.push_back(std::move(item));
    }
  } else {
    try {
      from = std::stoll(query->resource_version);
    } catch (const std::exception&) {
      return reply.send(error_response(err("invalid resourceVersion", ErrorCode::kBadRequest)));
    }
    if (!query->labels.empty() || !query->fields.empty()) {
      // What the selection held at that revision, so that an object a change moves out of it
      // is told of as DELETED (and one moving in as ADDED), as kube-apiserver does.
      api::ListQuery then = *query;
      then.limit = 0;
      then.continue_token.clear();
      auto list = objects_.list(type, p.ns, then);
      if (!list) return reply.send(error_response(list.error()));
      for (const auto& item : (*list)["items"])
        state->matching.insert(api::ObjectStorage::key(type, item["metadata"].value("namespace", ""), item["metadata"]["name"]));
    }
  }

  const std::string prefix = "/registry/" + type.resource + "/" + (p.ns.empty() ? "" : p.ns + "/");
  // kubectl get -w asks for Tables: each event then carries a one-row Table, the first with
  // the column definitions. Other watches send the object's JSON text, encoded once for all.
  const bool table = wants_table(r);
  auto line = [tp = &type, table, rows = row_object(r), state](const char* kind, const json& object,
                                                               const std::string& text) {
    if (!table) return event_line(kind, text);
    const bool first = !state->columns_sent;
    state->columns_sent = true;
    return event_line(kind, json_text(api::to_table(*tp, object, first, rows)));
  };
  // `matching` is then all there is
  const bool listed = query->resource_version.empty() || !query->labels.empty() || !query->fields.empty();
  auto labels = query->labels;
  auto fields = query->fields;
  auto sink = [state, prefix, labels, fields, listed, line,
               watched = watched_](Result<std::vector<store::Event>> batch) {
    std::lock_guard lock(state->mu);
    if (state->stream->closed()) {
      state->handle.reset();  // the client is gone (a sink may drop its own watch: store.h)
      return;
    }
    if (!batch) {
      const Response status = error_response(batch.error());
      state->stream->write("{\"type\":\"ERROR\",\"object\":" + status.body + "}\n");
      state->stream->close();
      return;
    }
    std::string out;
    for (const auto& e : *batch) {
      if (!e.kv.key.starts_with(prefix)) continue;
      auto decoded = watched->get(e.kv);
      if (!decoded) continue;
      const json& object = (*decoded)->object;
      const std::string& text = (*decoded)->text;
      const bool told = state->matching.contains(e.kv.key);
      const bool matches = e.type == store::Event::Type::kPut &&
                           labels.matches(object["metadata"].value("labels", json())) && fields.matches(object);
      if (matches) {
        out += line(told ? "MODIFIED" : listed || e.created() ? "ADDED" : "MODIFIED", object, text);
        state->matching.insert(e.kv.key);
      } else if (told || (!listed && e.type == store::Event::Type::kDelete &&
                          labels.matches(object["metadata"].value("labels", json())) && fields.matches(object))) {
        out += line("DELETED", object, text);
        state->matching.erase(e.kv.key);
      }
    }
    if (!batch->empty()) state->revision = batch->back().revision();
    if (!out.empty() && !state->stream->write(std::move(out))) state->handle.reset();
  };

  // Held until the stream is set up: the sink waits for it.
  std::unique_lock lock(state->mu);
  auto handle = store_.watch(from, sink);
  if (!handle) {
    lock.unlock();
    return reply.send(error_response(handle.error()));
  }
  state->stream = reply.start_stream(200, "application/json", {});
  for (const auto& object : initial) state->stream->write(line("ADDED", object, table ? "" : json_text(object)));
  state->handle = std::move(*handle);
  state->revision = from;
  std::lock_guard watches(watches_mu_);
  std::erase_if(watches_, [](const std::weak_ptr<WatchState>& w) { return w.expired(); });
  watches_.push_back(state);
}

ApiHandler::ApiHandler(store::Store& store, ApiHandlerOptions options)
    : store_(store), objects_(store), options_(options), tender_([this](std::stop_token stop) { tend_loop(stop); }) {}

// Ends the watches whose client left (at once, not at their next event) or whose timeout came,
// and sends the bookmarks that are due.
void ApiHandler::tend_watches() {
  std::vector<std::shared_ptr<WatchState>> live;
  {
    std::lock_guard lock(watches_mu_);
    std::erase_if(watches_, [](const std::weak_ptr<WatchState>& w) { return w.expired(); });
    for (const auto& weak : watches_)
      if (auto state = weak.lock()) live.push_back(std::move(state));
  }
  const auto now = Clock::now();
  for (const auto& state : live) {
    std::unique_ptr<store::Watch> ended;  // dropped outside the state's lock, which its sink takes
    std::lock_guard lock(state->mu);
    if (!state->handle) continue;
    if (state->stream->closed() || now >= state->deadline) {
      state->stream->close();
      ended = std::move(state->handle);
    } else if (!state->bookmark.empty() && now - state->last_bookmark >= options_.bookmark_interval) {
      state->stream->write(state->bookmark + std::to_string(state->revision) + "\"}}}\n");
      state->last_bookmark = now;
    }
  }
}

void ApiHandler::tend_loop(std::stop_token stop) {
  const auto tick = std::min<Clock::duration>(kTendInterval, options_.bookmark_interval);
  std::mutex mu;
  std::condition_variable_any never;
  std::unique_lock lock(mu);
  while (!never.wait_for(lock, stop, tick, [] { return false; }) && !stop.stop_requested()) tend_watches();
}

ApiHandler::~ApiHandler() {
  tender_ = {};  // joins: it must not tend watches while they are ended below
  // The watches' sinks own their state, which owns the watch: drop each watch here, before the
  // store goes, and outside its state's lock, which a running sink may hold.
  std::lock_guard lock(watches_mu_);
  for (const auto& weak : watches_) {
    auto state = weak.lock();
    if (!state) continue;
    std::unique_ptr<store::Watch> handle;
    {
      std::lock_guard state_lock(state->mu);
      handle = std::move(state->handle);
      if (state->stream) state->stream->close();
    }
  }
}

}  // namespace xebec::apiserver
