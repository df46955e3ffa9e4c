#pragma once
// Waits for files to change under folders (Linux inotify), so a library is scanned again soon
// after photos are added, changed, moved or deleted, not on a timer.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <vector>

namespace beetroot {

class FolderWatch {
 public:
  // Watches every folder under the roots (hidden and NAS-index folders left out, as scans do).
  explicit FolderWatch(const std::vector<std::filesystem::path>& roots);
  ~FolderWatch();
  FolderWatch(const FolderWatch&) = delete;
  FolderWatch& operator=(const FolderWatch&) = delete;

  // Blocks until something changed and then nothing more for `settle` (a copy of many photos ends
  // first); false if `stop` became true instead.
  bool wait_for_change(const std::atomic<bool>& stop, std::chrono::milliseconds settle);

 private:
  void watch_tree(const std::filesystem::path& root);
  int fd_ = -1;
};

}  // namespace beetroot
