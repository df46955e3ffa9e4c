#pragma once
#include <filesystem>

#include "api/sigv4.h"

namespace beetroot {

// The keys requests must be signed with: `given` ("id:secret,id:secret", BEETROOT_ACCESS_KEYS) if
// not empty, else the file <data>/access-keys ("id secret" per line), which is created with one
// random key (readable by its owner only) the first time, so a fresh install is never open to anyone.
AccessKeys load_access_keys(const std::filesystem::path& data_dir, const std::string& given);

// The People API's token: `given` (BEETROOT_API_TOKEN) if not empty, else the one in
// <data>/api-token, created at random (readable by its owner only) the first time.
std::string load_api_token(const std::filesystem::path& data_dir, const std::string& given);

}  // namespace beetroot
