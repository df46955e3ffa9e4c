#include "ingest/folder_watch.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"
#include "ingest/library_scan.h"

namespace beetroot {
namespace {

constexpr uint32_t kEvents = IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF |
                             IN_MOVE_SELF | IN_ATTRIB;

// Whether anything is readable within `timeout`; reads and drops it (a scan follows anyway).
bool drain(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return false;
  alignas(inotify_event) char buffer[64 * 1024];
  while (read(fd, buffer, sizeof buffer) > 0) {
  }
  return true;
}

}  // namespace

FolderWatch::FolderWatch(const std::vector<std::filesystem::path>& roots) {
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) throw Error(ErrorKind::Internal, std::string("cannot watch folders: ") + std::strerror(errno));
  for (const auto& root : roots) watch_tree(root);
}

FolderWatch::~FolderWatch() {
  if (fd_ >= 0) close(fd_);
}

void FolderWatch::watch_tree(const std::filesystem::path& root) {
  std::vector<std::filesystem::path> folders = {root};
  while (!folders.empty()) {
    const auto folder = folders.back();
    folders.pop_back();
    if (inotify_add_watch(fd_, folder.c_str(), kEvents) < 0) {
      // Out of watches (fs.inotify.max_user_watches): changes there wait for the next full scan.
      spdlog::warn("Library: cannot watch {}: {}", folder.string(), std::strerror(errno));
      if (errno == ENOSPC) return;
      continue;
    }
    std::error_code error;
    for (std::filesystem::directory_iterator it(folder, error), end; !error && it != end; it.increment(error))
      if (it->is_directory(error) && !it->is_symlink(error) && !is_skipped_folder(it->path().filename().string()))
        folders.push_back(it->path());
  }
}

bool FolderWatch::wait_for_change(const std::atomic<bool>& stop, std::chrono::milliseconds settle) {
  while (!stop) {
    if (!drain(fd_, 250)) continue;
    // Something changed: wait until the folder has been quiet for `settle`.
    auto quiet_since = std::chrono::steady_clock::now();
    while (!stop && std::chrono::steady_clock::now() - quiet_since < settle)
      if (drain(fd_, 100)) quiet_since = std::chrono::steady_clock::now();
    return !stop;
  }
  return false;
}

}  // namespace beetroot
