#pragma once
#include <filesystem>
#include <string>

namespace beetroot {

// Checks every weights file against the sha256 recorded in the repository
// (models/face-api-1.7.15.sha256); names the file and the command that fixes it.
void verify_model_files(const std::filesystem::path& dir);

}  // namespace beetroot
