// Any TF.js weights manifest and weights file: the input is the manifest, a NUL byte, the weights.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "base/error.h"
#include "inference/weights.h"
#include "run_folder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path& dir = run_folder("weights");
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find('\0');
  std::ofstream(dir / "manifest.json", std::ios::binary) << input.substr(0, split);
  std::ofstream(dir / "w.bin", std::ios::binary) << (split == std::string::npos ? "" : input.substr(split + 1));
  try {
    beetroot::WeightMap::load(dir / "manifest.json");
  } catch (const beetroot::Error&) {
  }
  return 0;
}
