// Discovery documents, as kubectl reads them to learn what the server serves: /version,
// /api, /apis and the resource list of each group version (legacy, unaggregated form).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "controlplane/api/resource.h"

namespace xebec::api {

nlohmann::json version_info();
// /api: the core group's versions.
nlohmann::json api_versions();
// /apis: every named group.
nlohmann::json api_group_list();
// /api/v1 or /apis/GROUP/VERSION; null when the group version is not served.
nlohmann::json api_resource_list(const GroupVersion& gv);

}  // namespace xebec::api
