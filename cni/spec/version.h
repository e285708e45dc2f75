// The CNI spec versions Xebec speaks, and reading one from a configuration.
#pragma once

#include <array>
#include <compare>
#include <string>
#include <string_view>

#include "common/result.h"

namespace xebec::cni {

// A spec version, major.minor.patch; ordered.
struct Version {
  int major = 0, minor = 0, patch = 0;
  auto operator<=>(const Version&) const = default;
  std::string str() const;
};

inline constexpr Version kV031{0, 3, 1}, kV040{0, 4, 0}, kV100{1, 0, 0}, kV110{1, 1, 0};
// Every version a configuration may ask for, oldest first; results are written in the asked one.
inline constexpr std::array kSupportedVersions{kV031, kV040, kV100, kV110};
inline constexpr Version kLatestVersion = kV110;

// "0.4.0" → {0,4,0}; kInvalid when the text is not a version; kNotFound (with the list of
// supported versions in the message) when it is one Xebec does not speak.
Result<Version> supported_version(std::string_view text);

// "0.3.1, 0.4.0, 1.0.0, 1.1.0"
std::string supported_versions_text();

}  // namespace xebec::cni
