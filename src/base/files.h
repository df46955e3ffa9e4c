#pragma once
// Whole files read at once (a stream iterator reads them a character at a time).
#include <filesystem>
#include <optional>
#include <string>

namespace beetroot {

// The content of a regular file; nullopt where it is missing, not a regular file or unreadable.
std::optional<std::string> read_whole_file(const std::filesystem::path& path);

}  // namespace beetroot
