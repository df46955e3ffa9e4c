// Nothing lost, nothing doubled: `beetroot ingest` killed with SIGKILL at random moments, many
// times, then run once more, must end exactly where one uninterrupted run ends.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "inference/image.h"
#include "test_support.h"

namespace beetroot {
namespace {

namespace fs = std::filesystem;

// Its log goes to `log` (truncated), which tells how far the run got.
pid_t start_ingest(const fs::path& data, const fs::path& photos, const fs::path& log = "/dev/null") {
  const pid_t pid = fork();
  if (pid == 0) {
    setenv("BEETROOT_DATA", data.c_str(), 1);
    const int null = open("/dev/null", O_WRONLY);
    const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(null, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    // One worker: the order of photos, and so every personId, is the same in every run.
    execl(BEETROOT_BINARY, BEETROOT_BINARY, "ingest", "--workers", "1", photos.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// Waits until the run's log holds `lines` lines containing `what`; false if the run ended first.
bool wait_for_log(pid_t pid, const fs::path& log, const std::string& what, int lines) {
  for (;;) {
    std::ifstream in(log);
    int seen = 0;
    for (std::string line; std::getline(in, line);) seen += line.find(what) != std::string::npos;
    if (seen >= lines) return true;
    if (waitpid(pid, nullptr, WNOHANG) == pid) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string listing(const fs::path& data, const std::string& what) {
  return test::run_command("BEETROOT_DATA=" + data.string() + " " + BEETROOT_BINARY + " " + what).out;
}

// Runs killed before the last: fewer under the sanitizers, which check the runs that end, not the
// killed ones (a killed process reports nothing).
int kills() { return test::sanitized() ? 2 : 5; }

TEST(CrashRecovery, KilledIngestResumesToTheSameResult) {
  const fs::path root = fs::temp_directory_path() / ("beetroot-crash-" + std::to_string(getpid()));
  fs::remove_all(root);
  const fs::path photos = root / "photos";
  fs::create_directories(photos);
  for (int i = 0; i < 6; ++i) {
    const cv::Mat bgr = cv::imread(test::demo_photos()[i].string());
    cv::imwrite((photos / ("p" + std::to_string(i) + ".jpg")).string(), bgr);
    cv::Mat mirrored;
    cv::flip(bgr, mirrored, 1);
    if (i < 3) cv::imwrite((photos / ("q" + std::to_string(i) + ".jpg")).string(), mirrored);
  }
  const fs::path reference = root / "reference", crashed = root / "crashed";
  ASSERT_EQ(test::wait_exit(start_ingest(reference, photos)), 0);

  // Each run is killed at a random point after it has detected the faces of one or two photos,
  // at whatever speed this machine runs, so every kill lands mid-run.
  std::mt19937 random(20261128);
  std::uniform_int_distribution<int> photos_before_kill(1, 2), jitter_ms(0, 300);
  const fs::path log = root / "crashed.log";
  int killed_mid_run = 0;
  for (int attempt = 0; attempt < kills(); ++attempt) {
    const pid_t pid = start_ingest(crashed, photos, log);
    if (!wait_for_log(pid, log, "DetectFaces:", photos_before_kill(random))) break;  // finished: nothing left to kill
    std::this_thread::sleep_for(std::chrono::milliseconds(jitter_ms(random)));
    killed_mid_run += kill(pid, SIGKILL) == 0 && test::wait_exit(pid) == -SIGKILL;
  }
  ASSERT_EQ(test::wait_exit(start_ingest(crashed, photos)), 0);
  std::cout << "runs killed mid-way: " << killed_mid_run << "\n";
  EXPECT_GE(killed_mid_run, kills() / 2 + 1);

  EXPECT_EQ(listing(crashed, "people"), listing(reference, "people"));
  // Photos rows are equal but for their upload times.
  auto without_times = [](std::string s) {
    return std::regex_replace(s, std::regex(R"("uploadedAt":"[^"]*")"), "");
  };
  EXPECT_EQ(without_times(listing(crashed, "photos")), without_times(listing(reference, "photos")));
  // No thumbnail without a face record, none missing: the object folders hold the same files.
  auto thumbs = [](const fs::path& data) {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(data / "objects/beetroot-thumbs"))
      if (e.is_regular_file() && e.path().string().find(".beetroot-tmp-") == std::string::npos)
        out.insert(fs::relative(e.path(), data).string());
    return out;
  };
  EXPECT_EQ(thumbs(crashed), thumbs(reference));
  fs::remove_all(root);
}

}  // namespace
}  // namespace beetroot
