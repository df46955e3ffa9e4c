#include "api/guarded_http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace beetroot {
namespace {

// httplib hands each accepted socket to its task queue; ours takes it at once, in the accept loop.
class InlineQueue : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// The value of header `name` (lower case) in a request head, if present; `lowered` is the head
// in lower case, made once per request.
std::optional<std::string> head_value(const std::string& head, const std::string& lowered, const std::string& name) {
  const std::string key = "\r\n" + name + ":";
  const size_t at = lowered.find(key);
  if (at == std::string::npos) return std::nullopt;
  const size_t start = at + key.size(), end = head.find("\r\n", start);
  std::string value = head.substr(start, end - start);
  value.erase(0, value.find_first_not_of(" \t"));
  value.erase(value.find_last_not_of(" \t") + 1);
  return value;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 408: return "Request Timeout";
    case 431: return "Request Header Fields Too Large";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    default: return "Service Unavailable";
  }
}

// The address and port of a socket's peer (`getpeername`) or own end (`getsockname`).
void address_of(int fd, int (*get)(int, sockaddr*, socklen_t*), std::string& ip, int& port) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  char text[INET6_ADDRSTRLEN] = "";
  port = 0;
  if (get(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    if (address.ss_family == AF_INET) {
      const auto* a = reinterpret_cast<const sockaddr_in*>(&address);
      inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
      port = ntohs(a->sin_port);
    } else if (address.ss_family == AF_INET6) {
      const auto* a = reinterpret_cast<const sockaddr_in6*>(&address);
      inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
      port = ntohs(a->sin6_port);
    }
  }
  ip = text;
}

}  // namespace

struct GuardedHttpServer::Connection {
  int fd = -1;
  std::string client;
  int port = 0;
  std::string buffer;  // read and not yet handled: the request coming in, or pipelined ones
  Clock::time_point deadline;
  bool head_read = false;
  size_t request_bytes = 0;  // head and body, once the head is read
  std::optional<EarlyAnswer> early;
};

// The request a worker handles: what the watcher read first, then the socket, within a deadline.
class GuardedHttpServer::RequestStream : public httplib::Stream {
 public:
  RequestStream(Connection& c, Clock::time_point deadline) : c_(c), deadline_(deadline) {}
  bool is_readable() const override { return offset_ < c_.buffer.size() || ready(POLLIN); }
  bool is_writable() const override { return ready(POLLOUT); }
  ssize_t read(char* out, size_t size) override {
    if (offset_ < c_.buffer.size()) {
      const size_t n = std::min(size, c_.buffer.size() - offset_);
      std::memcpy(out, c_.buffer.data() + offset_, n);
      offset_ += n;
      return static_cast<ssize_t>(n);
    }
    if (!ready(POLLIN)) return -1;
    return ::recv(c_.fd, out, size, 0);
  }
  ssize_t write(const char* data, size_t size) override {
    if (!ready(POLLOUT)) return -1;
    return ::send(c_.fd, data, size, MSG_NOSIGNAL);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = c_.client;
    port = c_.port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override { address_of(c_.fd, getsockname, ip, port); }
  socket_t socket() const override { return c_.fd; }
  // What is left of the buffer: requests the client sent behind this one.
  std::string leftover() const { return c_.buffer.substr(std::min(offset_, c_.buffer.size())); }

 private:
  bool ready(short events) const {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{c_.fd, events, 0};
    int n = 0;
    do n = ::poll(&p, 1, static_cast<int>(left));
    while (n < 0 && errno == EINTR);
    return n > 0;
  }

  Connection& c_;
  Clock::time_point deadline_;
  size_t offset_ = 0;
};

GuardedHttpServer::GuardedHttpServer(ConnectionLimits limits, size_t workers, size_t max_body_bytes,
                                     std::function<void(const std::string&)> refused)
    : limits_(limits),
      max_body_bytes_(max_body_bytes),
      refused_(std::move(refused)),
      epoll_(epoll_create1(EPOLL_CLOEXEC)),
      wake_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      workers_(std::make_unique<httplib::ThreadPool>(workers)) {
  if (epoll_ < 0 || wake_ < 0) throw std::runtime_error("cannot create the connection watcher");
  epoll_event e{};
  e.events = EPOLLIN;
  e.data.fd = wake_;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &e);
  new_task_queue = [] { return new InlineQueue; };
  set_payload_max_length(max_body_bytes);
  watcher_ = std::thread([this] { watch(); });
}

GuardedHttpServer::~GuardedHttpServer() {
  close_connections();
  ::close(epoll_);
  ::close(wake_);
}

void GuardedHttpServer::close_connections() {
  if (stopping_.exchange(true)) return;
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(wake_, &one, sizeof one);
  watcher_.join();
  workers_->shutdown();
}

void GuardedHttpServer::widen_backlog() { ::listen(svr_sock_, SOMAXCONN); }

bool GuardedHttpServer::process_and_close_socket(socket_t sock) {
  auto c = std::make_unique<Connection>();
  c->fd = sock;
  c->deadline = Clock::now() + limits_.header_time;
  address_of(sock, getpeername, c->client, c->port);
  fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK);
  std::lock_guard lock(mutex_);
  if (stopping_) {
    ::close(sock);
    return false;
  }
  size_t& from_client = per_client_[c->client];
  if (open_ >= limits_.max_connections || from_client >= limits_.max_per_client) {
    const bool total = open_ >= limits_.max_connections;
    if (from_client == 0) per_client_.erase(c->client);
    ++open_, ++per_client_[c->client];  // released by refuse()
    refuse(*c, 503, total ? "connections" : "connections_per_client",
           total ? "the server has as many connections open as it accepts; retry shortly"
                 : "this client has as many connections open as the server accepts from one address");
    return true;
  }
  ++open_, ++from_client;
  const int fd = c->fd;
  waiting_[fd] = std::move(c);
  epoll_event e{};
  e.events = EPOLLIN | EPOLLRDHUP;
  e.data.fd = fd;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &e);
  return true;
}

void GuardedHttpServer::watch() {
  std::vector<epoll_event> events(64);
  while (!stopping_) {
    const int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 250);
    std::lock_guard lock(mutex_);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      const auto it = waiting_.find(fd);
      if (it == waiting_.end()) continue;
      Connection& c = *it->second;
      const size_t before = c.buffer.size();
      read_available(c);
      buffered_ += c.buffer.size() - before;
      const bool closed_by_client = (events[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) && c.buffer.size() == before;
      if (closed_by_client) {
        refuse(c, 0, "", "");
      } else if (!c.head_read && c.buffer.size() > limits_.max_header_bytes &&
                 c.buffer.find("\r\n\r\n") == std::string::npos) {
        refuse(c, 431, "header_bytes", "the request head is larger than " + std::to_string(limits_.max_header_bytes) + " bytes");
      } else if (request_complete(c)) {
        if (c.early)
          answer(c, c.early->status, c.early->reason, c.early->json);
        else
          dispatch(fd);
      } else if (buffered_ > limits_.max_buffered_bytes) {
        refuse(c, 503, "buffered_bytes", "the server holds as many request bytes as it accepts; retry shortly");
      }
    }
    const auto now = Clock::now();
    std::vector<int> expired;
    for (const auto& [fd, c] : waiting_)
      if (now >= c->deadline) expired.push_back(fd);
    for (int fd : expired) {
      Connection& c = *waiting_.at(fd);
      if (c.buffer.empty())
        refuse(c, 0, "", "");  // idle, nothing asked: closed quietly
      else if (!c.head_read)
        refuse(c, 408, "header_time", "the request head did not arrive within " +
                                          std::to_string(limits_.header_time.count()) + " ms");
      else
        refuse(c, 408, "request_time", "the request body did not arrive within " +
                                           std::to_string(limits_.request_time.count()) + " ms");
    }
  }
  std::lock_guard lock(mutex_);
  std::vector<int> all;
  for (const auto& [fd, c] : waiting_) all.push_back(fd);
  for (int fd : all) refuse(*waiting_.at(fd), 0, "", "");
}

void GuardedHttpServer::read_available(Connection& c) {
  char chunk[16384];
  for (;;) {
    const ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
    if (n <= 0) return;
    c.buffer.append(chunk, static_cast<size_t>(n));
    if (!c.head_read && c.buffer.size() > limits_.max_header_bytes) return;
  }
}

bool GuardedHttpServer::request_complete(Connection& c) const {
  if (!c.head_read) {
    const size_t end = c.buffer.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    const std::string head = c.buffer.substr(0, end + 2), lowered = lower(head);
    auto header = [&](const std::string& name) { return head_value(head, lowered, name); };
    c.head_read = true;
    c.deadline = Clock::now() + limits_.request_time;
    // Read by the worker as it comes: chunked bodies, clients waiting for "100 Continue", and
    // bodies httplib refuses (413) before reading them.
    const auto length = header("content-length");
    const bool streamed = header("transfer-encoding").has_value() || header("expect").has_value();
    size_t body = 0;
    if (length) {
      try {
        body = std::stoull(*length);
      } catch (const std::exception&) {
        return true;  // httplib answers the malformed length
      }
    }
    if (head_check_ && (body > 0 || streamed)) {
      const size_t line_end = head.find("\r\n");
      const std::string line = head.substr(0, line_end);
      const size_t space = line.find(' '), second = line.find(' ', space + 1);
      const std::string method = line.substr(0, space);
      std::string path = space == std::string::npos ? "" : line.substr(space + 1, second - space - 1);
      path = path.substr(0, path.find('?'));
      c.early = head_check_(method, path, header);
      if (c.early) return true;
    }
    if (streamed || body > max_body_bytes_) return true;
    c.request_bytes = end + 4 + body;
  }
  return c.buffer.size() >= c.request_bytes;
}

void GuardedHttpServer::dispatch(int fd) {
  auto it = waiting_.find(fd);
  Connection* c = it->second.release();
  waiting_.erase(it);
  epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
  buffered_ -= c->buffer.size();
  workers_->enqueue([this, c] { serve(std::unique_ptr<Connection>(c)); });
}

void GuardedHttpServer::serve(std::unique_ptr<Connection> c) {
  for (;;) {
    RequestStream stream(*c, Clock::now() + limits_.request_time);
    bool closed = false;
    const bool ok = process_request(stream, stopping_, closed, nullptr);
    c->buffer = stream.leftover();
    c->head_read = false;
    if (!ok || closed || stopping_) break;
    c->deadline = Clock::now() + (c->buffer.empty() ? limits_.idle_time : limits_.header_time);
    if (!request_complete(*c)) return wait_again(std::move(c));
    if (c->early) {
      std::lock_guard lock(mutex_);
      return answer(*c, c->early->status, c->early->reason, c->early->json);
    }
  }
  std::lock_guard lock(mutex_);
  refuse(*c, 0, "", "");
}

void GuardedHttpServer::wait_again(std::unique_ptr<Connection> c) {
  std::lock_guard lock(mutex_);
  if (stopping_) return refuse(*c, 0, "", "");
  const int fd = c->fd;
  buffered_ += c->buffer.size();
  waiting_[fd] = std::move(c);
  epoll_event e{};
  e.events = EPOLLIN | EPOLLRDHUP;
  e.data.fd = fd;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &e);
}

// Called with mutex_ held. Status 0: closed without an answer.
void GuardedHttpServer::refuse(Connection& c, int status, const std::string& reason, const std::string& message) {
  const std::string type = status == 503 ? "ThrottlingException"
                           : status == 431 ? "RequestHeaderTooLarge"
                                           : "RequestTimeoutException";
  answer(c, status, reason, "{\"__type\":\"" + type + "\",\"Message\":\"" + message + "\"}");
}

// Called with mutex_ held: answers `json` with `status`, then closes.
void GuardedHttpServer::answer(Connection& c, int status, const std::string& reason, const std::string& body) {
  if (status != 0) {
    const std::string response = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) +
                                 "\r\nContent-Type: application/x-amz-json-1.1\r\n" +
                                 (status == 503 ? "Retry-After: 1\r\n" : "") + "Connection: close\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\n\r\n" + body;
    [[maybe_unused]] const ssize_t sent = ::send(c.fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (refused_) refused_(reason);
  }
  const int fd = c.fd;
  std::unique_ptr<Connection> owned;  // keeps `c` alive to the end when it is a waiting one
  if (auto it = waiting_.find(fd); it != waiting_.end()) {
    epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    buffered_ -= c.buffer.size();
    owned = std::move(it->second);
    waiting_.erase(it);
  }
  if (--per_client_[c.client] == 0) per_client_.erase(c.client);
  --open_;
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
}

}  // namespace beetroot
