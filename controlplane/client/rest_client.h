// RestClient: the ApiClient over a Transport. Each call becomes the HTTP request kubectl would
// send (paths, query parameters, patch media types, DeleteOptions and Binding bodies); each
// answer becomes a value or an Error; a watch's lines become WatchEvents.
#pragma once

#include <memory>

#include "controlplane/client/api_client.h"
#include "controlplane/client/transport.h"

namespace xebec::client {

// Thread-safe as its Transport is; owns it. HttpsApiClient and InProcessApiClient are
// RestClients over their transports.
class RestClient : public ApiClient {
 public:
  explicit RestClient(std::unique_ptr<Transport> transport);

  Result<nlohmann::json> get(const api::ResourceType& type, const std::string& ns, const std::string& name) final;
  Result<nlohmann::json> list(const api::ResourceType& type, const std::string& ns,
                              const ListOptions& options = {}) final;
  Result<nlohmann::json> create(const api::ResourceType& type, const std::string& ns,
                                const nlohmann::json& object) final;
  Result<nlohmann::json> update(const api::ResourceType& type, const std::string& ns, const nlohmann::json& object,
                                const std::string& subresource = "") final;
  Result<nlohmann::json> patch(const api::ResourceType& type, const std::string& ns, const std::string& name,
                               PatchType patch_type, const nlohmann::json& body,
                               const std::string& subresource = "") final;
  Result<nlohmann::json> remove(const api::ResourceType& type, const std::string& ns, const std::string& name,
                                const DeleteOptions& options = {}) final;
  Status bind(const std::string& ns, const std::string& pod, const std::string& node) final;
  Result<std::unique_ptr<WatchHandle>> watch(const api::ResourceType& type, const std::string& ns,
                                             const WatchOptions& options, WatchSink sink) final;

 private:
  // Sends `request`; a 2xx answer's body as JSON, anything else as an Error.
  Result<nlohmann::json> call(const HttpRequest& request);

  std::unique_ptr<Transport> transport_;
};

}  // namespace xebec::client
