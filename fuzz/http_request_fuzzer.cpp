// Any bytes as an HTTP request, read by httplib as beetroot's server reads it: request line,
// headers, and bodies of every kind, multipart uploads (POST /api/photos) included.
#include <httplib.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace {

class MemoryStream : public httplib::Stream {
 public:
  explicit MemoryStream(std::string input) : input_(std::move(input)) {}
  bool is_readable() const override { return offset_ < input_.size(); }
  bool is_writable() const override { return true; }
  ssize_t read(char* out, size_t size) override {
    const size_t n = std::min(size, input_.size() - offset_);
    std::memcpy(out, input_.data() + offset_, n);
    offset_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char*, size_t size) override { return static_cast<ssize_t>(size); }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 1;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 2;
  }
  socket_t socket() const override { return INVALID_SOCKET; }

 private:
  std::string input_;
  size_t offset_ = 0;
};

class Harness : public httplib::Server {
 public:
  Harness() {
    set_payload_max_length(1 << 20);
    Post("/api/photos", [](const httplib::Request& req, httplib::Response& res) {
      size_t bytes = 0;
      for (const auto& [field, file] : req.files) bytes += field.size() + file.filename.size() + file.content.size();
      res.set_content(std::to_string(bytes), "text/plain");
    });
    Post("/", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.get_header_value("X-Amz-Target") + req.body, "text/plain");
    });
  }
  using httplib::Server::process_request;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness* server = new Harness;
  MemoryStream stream(std::string(reinterpret_cast<const char*>(data), size));
  bool closed = false;
  server->process_request(stream, true, closed, nullptr);
  return 0;
}
