#pragma once
// A folder of this fuzzing run's own, removed when the run ends (libFuzzer ends it with exit(), so
// no destructor of a fuzz target's static state runs).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

inline const std::filesystem::path& run_folder(const std::string& what) {
  // Never destroyed: the exit handler still needs it after the static destructors have run.
  static const std::filesystem::path* folder = [&] {
    auto* f = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                        ("beetroot-" + what + "-fuzz-" + std::to_string(getpid())));
    std::filesystem::create_directories(*f);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(*folder, ignored);
    });
    return f;
  }();
  return *folder;
}
