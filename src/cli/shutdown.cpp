#include "cli/shutdown.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace beetroot::cli {
namespace {

// The handler only writes the signal's number to a pipe (async-signal-safe); 0 ends the waiter.
int signal_pipe[2] = {-1, -1};

void on_signal(int signal) {
  const int saved = errno;
  const unsigned char number = static_cast<unsigned char>(signal);
  [[maybe_unused]] const ssize_t written = write(signal_pipe[1], &number, 1);
  errno = saved;
}

void handle(int signal, void (*handler)(int)) {
  struct sigaction action = {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(signal, &action, nullptr);
}

}  // namespace

ShutdownOnSignal::ShutdownOnSignal(std::function<void()> stop) {
  if (pipe2(signal_pipe, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
  handle(SIGTERM, on_signal);
  handle(SIGINT, on_signal);
  waiter_ = std::thread([stop = std::move(stop)] {
    unsigned char number = 0;
    ssize_t got = 0;
    do got = read(signal_pipe[0], &number, 1);
    while (got < 0 && errno == EINTR);
    if (got != 1 || number == 0) return;
    spdlog::info("Signal {} received; shutting down", number);
    stop();
  });
}

ShutdownOnSignal::~ShutdownOnSignal() {
  handle(SIGTERM, SIG_DFL);
  handle(SIGINT, SIG_DFL);
  const unsigned char end = 0;
  [[maybe_unused]] const ssize_t written = write(signal_pipe[1], &end, 1);
  waiter_.join();
  close(signal_pipe[0]);
  close(signal_pipe[1]);
}

}  // namespace beetroot::cli
