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
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "inference/image.h"
#include "test_support.h"

namespace beetroot {
namespace {

namespace fs = std::filesystem;

pid_t start_ingest(const fs::path& data, const fs::path& photos) {
  const pid_t pid = fork();
  if (pid == 0) {
    setenv("BEETROOT_DATA", data.c_str(), 1);
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    // One worker: the order of photos, and so every personId, is the same in every run.
    execl(BEETROOT_BINARY, BEETROOT_BINARY, "ingest", "--workers", "1", photos.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

std::string listing(const fs::path& data, const std::string& what) {
  return test::run_command("BEETROOT_DATA=" + data.string() + " " + BEETROOT_BINARY + " " + what).out;
}

constexpr int kKills = 5;

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
  const auto started = std::chrono::steady_clock::now();
  ASSERT_EQ(wait_exit(start_ingest(reference, photos)), 0);
  // Kills land in the first half of a run, however fast this machine runs one, so that most runs die.
  const auto run_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);

  std::mt19937 random(20261128);
  std::uniform_int_distribution<int> delay_ms(static_cast<int>(run_ms.count() / 20), static_cast<int>(run_ms.count() / 2));
  // Runs that finish before their kill are fine: the next run is killed instead.
  int killed_mid_run = 0, attempts = 0;
  for (; killed_mid_run < kKills && attempts < 4 * kKills; ++attempts) {
    const pid_t pid = start_ingest(crashed, photos);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
    killed_mid_run += kill(pid, SIGKILL) == 0 && wait_exit(pid) == -SIGKILL;
  }
  ASSERT_EQ(wait_exit(start_ingest(crashed, photos)), 0);
  std::cout << "runs killed mid-way: " << killed_mid_run << "/" << attempts << "\n";
  EXPECT_EQ(killed_mid_run, kKills);

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
