#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace beetroot::cli {

Progress::Progress(size_t total)
    : total_(total), terminal_(isatty(STDERR_FILENO)), start_(std::chrono::steady_clock::now()) {}

void Progress::photo_done(size_t faces) {
  std::lock_guard lock(mutex_);
  ++done_;
  faces_ += faces;
  draw();
}

void Progress::draw() {
  if (!terminal_) return;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = seconds > 0 ? done_ / seconds : 0;
  const double eta = rate > 0 ? (total_ - done_) / rate : 0;
  constexpr int kWidth = 30;
  const int filled = total_ ? static_cast<int>(kWidth * done_ / total_) : kWidth;
  std::fprintf(stderr, "\r\033[K[%.*s%*s] %zu/%zu photos  %zu faces  %.1f photos/s  ETA %.0fs", filled,
               "##############################", kWidth - filled, "", done_, total_, faces_, rate, eta);
  std::fflush(stderr);
}

void Progress::finish() {
  std::lock_guard lock(mutex_);
  if (terminal_) std::fprintf(stderr, "\n");
}

}  // namespace beetroot::cli
