// ObjectStorage: objects are stored without resourceVersion (the store's mod_revision is it)
// and given it back on every read.
#include "controlplane/api/object_storage.h"

#include <algorithm>

#include "common/base64.h"
#include "controlplane/api/defaults.h"
#include "controlplane/api/object_meta.h"

namespace xebec::api {

namespace {

using nlohmann::json;
using store::Revision;

// A list's continue token: the revision of the first page and the last key handed out.
std::string continue_token(Revision revision, const std::string& last_key) {
  return base64_encode(json{{"v", "meta.k8s.io/v1"}, {"rv", revision}, {"start", last_key}}.dump());
}

Result<Revision> parse_version(const std::string& text) {
  if (text.empty()) return Revision{0};
  try {
    std::size_t used = 0;
    const long long v = std::stoll(text, &used);
    if (used == text.size() && v >= 0) return Revision{v};
  } catch (const std::exception&) {
  }
  return err("invalid resourceVersion '" + text + "': expected a number", ErrorCode::kBadRequest);
}

// The string at object[a][b], or "" when there is none.
std::string string_at(const json& object, const char* a, const char* b) {
  const auto outer = object.find(a);
  if (outer == object.end() || !outer->is_object()) return "";
  const auto inner = outer->find(b);
  return inner != outer->end() && inner->is_string() ? inner->get<std::string>() : "";
}

// spec.finalizers of a Namespace: what must finish before a namespace being deleted goes.
json namespace_finalizers(const json& ns) {
  const auto spec = ns.find("spec");
  if (spec == ns.end() || !spec->is_object()) return json::array();
  const auto finalizers = spec->find("finalizers");
  return finalizers != spec->end() && finalizers->is_array() ? *finalizers : json::array();
}

// A namespace being deleted: it takes no new content.
bool terminating(const json& ns) {
  const auto meta = ns.find("metadata");
  return (meta != ns.end() && meta->is_object() && meta->contains("deletionTimestamp")) ||
         string_at(ns, "status", "phase") == "Terminating";
}

// `deployments.apps`, `pods`: how Kubernetes names a resource in errors.
std::string qualified(const ResourceType& type) {
  return type.resource + (type.group.empty() ? "" : "." + type.group);
}

// `deployments.apps "web"`, `pods "web"`: how Kubernetes names an object in errors.
std::string quoted(const ResourceType& type, const std::string& name) { return qualified(type) + " \"" + name + "\""; }

// An object just written as `kv`, as decode(kv) would give it back, without parsing the text it
// was written as: the object itself with the revision the write got.
json stored(json object, const store::KeyValue& kv) {
  object["metadata"]["resourceVersion"] = std::to_string(kv.mod_revision);
  return object;
}

}  // namespace

std::string ObjectStorage::key(const ResourceType& type, const std::string& ns, const std::string& name) {
  return "/registry/" + type.resource + "/" + (ns.empty() ? "" : ns + "/") + name;
}

Result<json> ObjectStorage::decode(const store::KeyValue& kv) {
  json object = json::parse(kv.value, nullptr, false);
  if (object.is_discarded() || !object.is_object())
    return err("stored object " + kv.key + " is not JSON", ErrorCode::kUnknown);
  object["metadata"]["resourceVersion"] = std::to_string(kv.mod_revision);
  return object;
}

// Store errors in Kubernetes' words: `pods "web" not found`.
Error ObjectStorage::translate(const Error& e, const ResourceType& type, const std::string& name) const {
  switch (e.code) {
    case ErrorCode::kNotFound: return err(quoted(type, name) + " not found", e.code);
    case ErrorCode::kAlreadyExists: return err(quoted(type, name) + " already exists", e.code);
    case ErrorCode::kConflict:
      return err("Operation cannot be fulfilled on " + quoted(type, name) +
                     ": the object has been modified; please apply your changes to the latest version and try again",
                 e.code);
    default: return e;
  }
}

Status ObjectStorage::admit_create(const ResourceType& type, const std::string& ns, const std::string& name) {
  if (!type.namespaced) return {};
  const ResourceType& namespaces = *find_resource("", "v1", "namespaces");
  auto found = store_.get(key(namespaces, "", ns));
  if (!found) return translate(found.error(), namespaces, ns);
  auto space = decode(*found);
  if (!space) return space.error();
  if (!terminating(*space)) return {};
  // Named as the request named it: a name still to be generated is not in the message.
  const std::string what = name.empty() ? qualified(type) : quoted(type, name);
  return err(what + " is forbidden: unable to create new content in namespace " + ns +
                 " because it is being terminated",
             ErrorCode::kForbidden);
}

Result<json> ObjectStorage::create(const ResourceType& type, const std::string& ns, json object, bool dry_run) {
  const std::string requested = object.is_object() ? string_at(object, "metadata", "name") : "";
  if (auto ok = check_identity(type, ns, object); !ok) return ok.error();
  if (auto ok = admit_create(type, ns, requested); !ok) return ok.error();
  object["apiVersion"] = type.api_version();
  object["kind"] = type.kind;
  prepare_for_create(type, object);
  apply_defaults(type, object);
  if (auto ok = validate(type, object); !ok) return ok.error();
  stamp_created(object);
  const std::string name = object["metadata"]["name"];
  if (dry_run) {
    if (auto existing = store_.get(key(type, ns, name)); existing) return translate(err("", ErrorCode::kAlreadyExists), type, name);
    return object;
  }
  const bool service = type.resource == "services";
  if (service) {
    if (auto ok = services_.allocate(object); !ok) return ok.error();
  }
  auto kv = store_.create(key(type, ns, name), object.dump());
  if (!kv) {
    if (service) services_.release(object);
    return translate(kv.error(), type, name);
  }
  return stored(std::move(object), *kv);
}

Result<json> ObjectStorage::get(const ResourceType& type, const std::string& ns, const std::string& name) {
  auto kv = store_.get(key(type, ns, name));
  if (!kv) return translate(kv.error(), type, name);
  return decode(*kv);
}

Result<json> ObjectStorage::list(const ResourceType& type, const std::string& ns, const ListQuery& query) {
  store::ListOptions options;
  auto version = parse_version(query.resource_version);
  if (!version) return version.error();
  options.revision = *version;
  if (!query.continue_token.empty()) {
    auto text = base64_decode(query.continue_token);
    json token = text ? json::parse(*text, nullptr, false) : json();
    if (!token.is_object() || !token["rv"].is_number_integer() || !token["start"].is_string())
      return err("invalid continue token", ErrorCode::kBadRequest);
    options.revision = token["rv"].get<Revision>();
    options.start_after = token["start"].get<std::string>();
  }
  const std::string prefix = "/registry/" + type.resource + "/" + (ns.empty() ? "" : ns + "/");
  json items = json::array();
  Revision revision = options.revision;
  std::string next;
  // Selectors filter after reading: read pages until `limit` items matched or the keys end.
  const bool filtered = !query.labels.empty() || !query.fields.empty();
  const auto full = [&] { return query.limit > 0 && static_cast<std::int64_t>(items.size()) == query.limit; };
  options.limit = query.limit;
  while (true) {
    auto page = store_.list(prefix, options);
    if (!page) {
      if (page.error().code == ErrorCode::kGone && !query.continue_token.empty())
        return err("The provided continue parameter is too old to display a consistent list result. You can start "
                   "a new list without the continue parameter.",
                   ErrorCode::kGone);
      return page.error();
    }
    revision = options.revision = page->revision;
    std::size_t read = 0;
    for (const auto& kv : page->items) {
      ++read;
      options.start_after = kv.key;
      auto object = decode(kv);
      if (!object) return object.error();
      if (filtered && !(query.labels.matches((*object)["metadata"].value("labels", json())) &&
                        query.fields.matches(*object)))
        continue;
      items.push_back(std::move(*object));
      if (full()) break;
    }
    if (full()) {
      if (read < page->items.size() || page->more) next = continue_token(revision, options.start_after);
      break;
    }
    if (!page->more) break;
  }
  json meta = {{"resourceVersion", std::to_string(revision)}};
  if (!next.empty()) meta["continue"] = next;
  return json{{"kind", type.list_kind()}, {"apiVersion", type.api_version()}, {"metadata", meta}, {"items", items}};
}

Result<json> ObjectStorage::write_update(const ResourceType& type, const std::string& ns, const std::string& name,
                                         json object, Revision expected, bool dry_run) {
  if (dry_run) return object;
  auto kv = store_.update(key(type, ns, name), object.dump(), expected);
  if (!kv) return translate(kv.error(), type, name);
  return stored(std::move(object), *kv);
}

Result<json> ObjectStorage::update(const ResourceType& type, const std::string& ns, const std::string& name,
                                   json object, const std::string& subresource, bool dry_run) {
  if (!object.is_object()) return err("the body is not a JSON object", ErrorCode::kBadRequest);
  const std::string body_name = object["metadata"].value("name", "");
  if (!body_name.empty() && body_name != name)
    return err("the name of the object (" + body_name + ") does not match the name on the URL (" + name + ")",
               ErrorCode::kBadRequest);
  object["metadata"]["name"] = name;
  if (auto ok = check_identity(type, ns, object); !ok) return ok.error();
  auto version = parse_version(object["metadata"].value("resourceVersion", ""));
  if (!version) return version.error();

  auto current = store_.get(key(type, ns, name));
  if (!current) return translate(current.error(), type, name);
  if (*version && *version != current->mod_revision) return translate(err("", ErrorCode::kConflict), type, name);
  auto old = decode(*current);
  if (!old) return old.error();
  // The main resource cannot change status, /status nothing else; a namespace's /finalize
  // changes its spec.finalizers only, and nothing else does.
  if (subresource == "status") {
    json status = object.value("status", json());
    object = *old;
    object["status"] = status;
    if (status.is_null()) object.erase("status");
  } else if (subresource == "finalize") {
    json finalizers = object.contains("spec") && object["spec"].is_object() ? object["spec"].value("finalizers", json())
                                                                            : json();
    object = *old;
    object["spec"]["finalizers"] = finalizers.is_null() ? json::array() : finalizers;
  } else if (type.has_status) {
    if (old->contains("status")) object["status"] = (*old)["status"];
    else object.erase("status");
  }
  if (type.resource == "namespaces" && subresource != "finalize") {
    if (!object.contains("spec") || !object["spec"].is_object()) object["spec"] = json::object();
    object["spec"]["finalizers"] = namespace_finalizers(*old);
  }
  object["apiVersion"] = type.api_version();
  object["kind"] = type.kind;
  apply_defaults(type, object);
  if (auto ok = validate(type, object); !ok) return ok.error();
  if (type.resource == "services" && !dry_run) {
    if (auto ok = services_.carry_over(*old, object); !ok) return ok.error();
  }
  stamp_updated(*old, object);
  // The last finalizer of an object being deleted is gone (for a namespace, those of its spec
  // too): the deletion completes.
  const json& meta = object["metadata"];
  if (meta.contains("deletionTimestamp") && meta.value("finalizers", json::array()).empty() &&
      (type.resource != "namespaces" || namespace_finalizers(object).empty())) {
    if (dry_run) return object;
    return erase(type, ns, name, current->mod_revision);
  }
  return write_update(type, ns, name, std::move(object), current->mod_revision, dry_run);
}

Result<json> ObjectStorage::erase(const ResourceType& type, const std::string& ns, const std::string& name,
                                  Revision expected) {
  auto gone = store_.remove(key(type, ns, name), expected);
  if (!gone) return translate(gone.error(), type, name);
  auto object = decode(*gone);
  if (object && type.resource == "services") services_.release(*object);
  return object;
}

Result<json> ObjectStorage::remove(const ResourceType& type, const std::string& ns, const std::string& name,
                                   const DeleteOptions& options) {
  // The namespaces the cluster's own parts live in stay, as in Kubernetes.
  if (type.resource == "namespaces" && (name == "default" || name == "kube-system" || name == "kube-public"))
    return err("namespaces \"" + name + "\" is forbidden: this namespace may not be deleted", ErrorCode::kForbidden);
  auto current = store_.get(key(type, ns, name));
  if (!current) return translate(current.error(), type, name);
  auto object = decode(*current);
  if (!object) return object.error();
  json& meta = (*object)["metadata"];
  auto conflict = [&](const std::string& what, const std::string& want, const std::string& have) {
    return err("Precondition failed: " + what + " in precondition: " + want + ", " + what + " in object meta: " + have,
               ErrorCode::kConflict);
  };
  if (!options.precondition_uid.empty() && options.precondition_uid != meta.value("uid", ""))
    return conflict("UID", options.precondition_uid, meta.value("uid", ""));
  if (!options.precondition_resource_version.empty() &&
      options.precondition_resource_version != meta.value("resourceVersion", ""))
    return conflict("ResourceVersion", options.precondition_resource_version, meta.value("resourceVersion", ""));

  // A namespace whose spec.finalizers remain (the namespace controller's "kubernetes": its
  // content) is Terminating until they are gone: its /finalize then erases it.
  const bool namespace_held = type.resource == "namespaces" && !namespace_finalizers(*object).empty();
  if (namespace_held && meta.contains("deletionTimestamp"))
    return err("Operation cannot be fulfilled on namespaces \"" + name +
                   "\": The system is ensuring all content is removed from this namespace.  Upon completion, this "
                   "namespace will automatically be purged by the system.",
               ErrorCode::kConflict);

  // Foreground and orphan deletion are the garbage collector's: they finish through finalizers.
  json finalizers = meta.value("finalizers", json::array());
  auto add_finalizer = [&](const std::string& f) {
    if (std::find(finalizers.begin(), finalizers.end(), f) == finalizers.end()) finalizers.push_back(f);
  };
  if (options.propagation_policy == "Foreground") add_finalizer("foregroundDeletion");
  if (options.propagation_policy == "Orphan") add_finalizer("orphan");
  if (!finalizers.empty() || namespace_held) {
    if (!meta.contains("deletionTimestamp")) meta["deletionTimestamp"] = now_rfc3339();
    meta["deletionGracePeriodSeconds"] = 0;
    if (!finalizers.empty()) meta["finalizers"] = finalizers;
    if (type.resource == "namespaces") (*object)["status"]["phase"] = "Terminating";
    meta.erase("resourceVersion");
    return write_update(type, ns, name, std::move(*object), current->mod_revision, options.dry_run);
  }
  if (options.dry_run) return object;
  return erase(type, ns, name, current->mod_revision);
}

}  // namespace xebec::api
