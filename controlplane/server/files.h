// File helpers for the apiserver's keys, tokens and configs: read a whole file, replace one
// atomically with a chosen mode, make a private directory. Errors name the path.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/result.h"

namespace xebec::server {

// The whole content of `path`.
Result<std::string> read_file(const std::string& path);

// Replaces `path` with `contents`: written to a temporary file beside it (created 0600, then
// given `mode`), flushed to disk and renamed over, so a reader sees the old file or the new one
// and a secret is never readable by others, not even for a moment.
Status write_file_atomic(const std::string& path, std::string_view contents, mode_t mode);

// Creates `path` (and missing parents); a directory it creates itself gets mode 0700.
Status make_private_dir(const std::string& path);

}  // namespace xebec::server
