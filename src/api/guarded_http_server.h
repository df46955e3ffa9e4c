#pragma once
// httplib's server gives each connection a thread from the moment it is accepted, and its read
// timeout restarts on every byte: 40 clients sending a header byte a second held every thread.
// Here one thread reads every connection's request, head and body, without blocking, each within
// its deadline; a worker thread takes a request only once all of it has arrived. Connections
// beyond the limits are answered 503 with Retry-After at once.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

namespace beetroot {

struct ConnectionLimits {
  size_t max_connections = 1024;  // open at once
  size_t max_per_client = 256;    // open at once from one address
  std::chrono::milliseconds header_time{10'000};   // a request's head, from its first byte (or the connection's)
  std::chrono::milliseconds request_time{60'000};  // its body, after the head; the response's writing too
  std::chrono::milliseconds idle_time{10'000};     // a kept-alive connection between requests
  size_t max_header_bytes = 32 << 10;
  size_t max_buffered_bytes = size_t{1} << 30;  // request bodies held for all connections together
};

// A request answered from its head alone, before its body is read: a client without credentials
// cannot make the server read 64 MiB.
struct EarlyAnswer {
  int status;
  std::string reason;  // counted as refused(reason)
  std::string json;
};
using HeaderLookup = std::function<std::optional<std::string>(const std::string& lower_name)>;
using HeadCheck = std::function<std::optional<EarlyAnswer>(const std::string& method, const std::string& path,
                                                           const HeaderLookup& header)>;

class GuardedHttpServer : public httplib::Server {
 public:
  // `refused(reason)` counts each connection or request turned away ("connections",
  // "connections_per_client", "header_time", "request_time", "header_bytes", "buffered_bytes").
  GuardedHttpServer(ConnectionLimits limits, size_t workers, size_t max_body_bytes,
                    std::function<void(const std::string&)> refused);
  ~GuardedHttpServer() override;

  // Checked on the head of every request with a body.
  void set_head_check(HeadCheck check) { head_check_ = std::move(check); }
  // After binding: httplib listens with a backlog of 5, so that a burst of connections waits for
  // SYN retries (a second or more) instead of the accept loop.
  void widen_backlog();
  // After listen returns: waiting connections are closed, requests being handled finish.
  void close_connections();

 private:
  struct Connection;
  class RequestStream;
  using Clock = std::chrono::steady_clock;

  bool process_and_close_socket(socket_t sock) override;
  void watch();
  void read_available(Connection& c);
  bool request_complete(Connection& c) const;  // or answered early: Connection::early
  void dispatch(int fd);
  void serve(std::unique_ptr<Connection> c);
  void wait_again(std::unique_ptr<Connection> c);
  void refuse(Connection& c, int status, const std::string& reason, const std::string& message);
  void answer(Connection& c, int status, const std::string& reason, const std::string& json);

  const ConnectionLimits limits_;
  const size_t max_body_bytes_;
  const std::function<void(const std::string&)> refused_;
  HeadCheck head_check_;
  std::mutex mutex_;
  std::unordered_map<int, std::unique_ptr<Connection>> waiting_;  // by socket, in the epoll set
  std::map<std::string, size_t> per_client_;
  size_t open_ = 0, buffered_ = 0;
  std::atomic<bool> stopping_{false};
  int epoll_ = -1, wake_ = -1;
  std::unique_ptr<httplib::ThreadPool> workers_;
  std::thread watcher_;
};

}  // namespace beetroot
