#pragma once
#include <chrono>
#include <cstddef>
#include <mutex>

namespace beetroot::cli {

// A one-line progress bar on a terminal (photos, faces, photos/s, ETA); silent otherwise,
// where the log lines tell the story.
class Progress {
 public:
  explicit Progress(size_t total);
  void photo_done(size_t faces);
  void finish();
  bool on_terminal() const { return terminal_; }

 private:
  void draw();
  size_t total_, done_ = 0, faces_ = 0;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
};

}  // namespace beetroot::cli
