#include "cli/shutdown.h"

#include <spdlog/spdlog.h>

namespace beetroot::cli {
namespace {

sigset_t shutdown_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}

}  // namespace

void block_shutdown_signals() {
  const sigset_t signals = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

ShutdownOnSignal::ShutdownOnSignal(std::function<void()> stop) {
  waiter_ = std::thread([this, stop = std::move(stop)] {
    const sigset_t signals = shutdown_signals();
    int signal = 0;
    sigwait(&signals, &signal);
    if (!done_) spdlog::info("Signal {} received; shutting down", signal);
    stop();
  });
}

ShutdownOnSignal::~ShutdownOnSignal() {
  done_ = true;
  pthread_kill(waiter_.native_handle(), SIGTERM);
  waiter_.join();
}

}  // namespace beetroot::cli
