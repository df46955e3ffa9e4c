#pragma once
#include <filesystem>
#include <string>

namespace beetroot {

// Where the weights live: --models, else $BEETROOT_MODELS, else ~/.local/share/beetroot/models
// (or $XDG_DATA_HOME/beetroot/models).
std::filesystem::path default_model_dir();

// Checks every weights file against the sha256 recorded in the repository
// (models/face-api-1.7.15.sha256); names the file and the command that fixes it.
void verify_model_files(const std::filesystem::path& dir);

}  // namespace beetroot
