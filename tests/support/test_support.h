#pragma once
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "app/settings.h"
#include "inference/face_engine.h"
#include "inference/image.h"

namespace beetroot::test {

inline const std::string kBinary = BEETROOT_BINARY;
inline std::filesystem::path source_dir() { return BEETROOT_SOURCE_DIR; }
inline std::filesystem::path demo_dir() { return default_model_dir() / "demo"; }
inline std::vector<std::filesystem::path> demo_photos() {
  std::vector<std::filesystem::path> out;
  for (int i = 1; i <= 6; ++i) out.push_back(demo_dir() / ("sample" + std::to_string(i) + ".jpg"));
  return out;
}
inline std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Tests size their heaviest workloads down under the sanitizers (tests/CMakeLists.txt sets this).
inline bool sanitized() { return env_or_empty("BEETROOT_SANITIZED") == "1"; }

// A test run again on oneDNN's AVX2 kernels (DNNL_MAX_CPU_ISA=AVX2) repeats its normal run on a CPU
// without AVX-512, whose kernels those are already.
inline bool repeats_the_native_kernels() {
  return env_or_empty("DNNL_MAX_CPU_ISA") == "AVX2" && !__builtin_cpu_supports("avx512f");
}

// Demo photo i (0-5), decoded to RGB.
inline cv::Mat demo_rgb(int i) { return decode_image(read_file_bytes(demo_photos()[i].string())).rgb; }
// ../shared/data where it exists (development machines and CI), else empty.
inline std::filesystem::path shared_data() {
  const auto dir = source_dir().parent_path() / "shared" / "data";
  return std::filesystem::exists(dir) ? dir : std::filesystem::path();
}

// A scratch folder of the running test's own: /tmp/beetroot-<what>-<pid>-<test>. A parameterised
// test's name ends in "/0", which would make the folder a child and leave its parent behind.
inline std::filesystem::path scratch_folder(const std::string& what) {
  std::string test = testing::UnitTest::GetInstance()->current_test_info()->name();
  std::replace(test.begin(), test.end(), '/', '_');
  return std::filesystem::temp_directory_path() / ("beetroot-" + what + "-" + std::to_string(getpid()) + "-" + test);
}

struct CommandResult {
  int status;
  std::string out;
};

// Runs a shell command, capturing stdout (stderr goes to the test log).
inline CommandResult run_command(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 65536> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe.get())) > 0) out.append(buffer.data(), n);
  const int status = pclose(pipe.release());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// A child process's exit status, or minus the signal that ended it.
inline int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

// One engine per configuration for the whole test binary: loading weights takes a while.
inline FaceEngine& engine(Alignment alignment = Alignment::Rotation, bool multi_pass = true) {
  static std::unique_ptr<FaceEngine> engines[2][2];
  auto& slot = engines[alignment == Alignment::Rotation][multi_pass];
  if (!slot) {
    EngineOptions o;
    o.model_dir = default_model_dir();
    o.alignment = alignment;
    if (!multi_pass) o.use_single_pass();
    o.mirror_average = alignment == Alignment::Rotation;  // faceapi mode reproduces face-api exactly
    slot = std::make_unique<FaceEngine>(o);
  }
  return *slot;
}

}  // namespace beetroot::test
