// Kubernetes resource quantities ("500m", "2", "1.5Gi", "128974848", "129e6"), as pod requests,
// limits and node capacities spell them.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace xebec::api {

// A quantity in thousandths of its unit, rounded up as Kubernetes rounds: "500m" is 500, "2" is
// 2000, "1Ki" is 1024000. kBadRequest, with Kubernetes' wording, when the text is not a quantity.
// Thousandths of a byte are a lot of bytes: quantities past about 9.2e15 units (8 PiB) are
// refused rather than wrapped.
Result<std::int64_t> parse_quantity_milli(std::string_view text);

// The same, in whole units rounded up: "1.5Gi" is 1610612736, "100m" is 1.
Result<std::int64_t> parse_quantity(std::string_view text);

}  // namespace xebec::api
