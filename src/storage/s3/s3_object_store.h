#pragma once
#include <chrono>
#include <string>

#include "storage/object_store.h"

namespace beetroot {

struct S3Options {
  std::string endpoint;         // scheme://host[:port]; empty: AWS, https://s3.<region>.amazonaws.com
  std::string region = "us-east-1";
  bool virtual_hosted = false;  // <bucket>.<host>/<key> rather than <host>/<bucket>/<key>
  std::string access_key, secret_key, session_token;
  int max_attempts = 5;         // per request, on connection errors, 5xx and throttling
  std::chrono::milliseconds first_backoff{100};  // doubled after each attempt, with jitter
  long timeout_seconds = 300;
  int list_page_size = 1000;    // keys per listing request (S3's maximum)

  // OBJECT_STORE_URL s3://, s3+http://host:port or s3+https://host:port, reached with `access`.
  static S3Options from_url(const std::string& url, const S3Access& access);
};

// Buckets of an S3-compatible server, over libcurl with its own Signature Version 4 signing
// (CURLOPT_AWS_SIGV4). Bodies stream: uploads are read from memory or a file as curl sends them.
class S3ObjectStore : public ObjectStore {
 public:
  explicit S3ObjectStore(S3Options options);
  void put(const std::string& bucket, const std::string& key, std::string_view bytes) override;
  void put_file(const std::string& bucket, const std::string& key, const std::filesystem::path& file) override;
  std::optional<std::string> get(const std::string& bucket, const std::string& key) const override;
  bool exists(const std::string& bucket, const std::string& key) const override;
  void remove(const std::string& bucket, const std::string& key) override;
  std::vector<std::string> list(const std::string& bucket, const std::string& prefix) const override;

  struct Response {
    long status = 0;
    std::string body;
  };
  struct Request;

 private:
  // Sends with retries; returns the final response (any status) or throws on a transport failure.
  Response send(const Request& request) const;
  Response send_once(const Request& request) const;
  std::string url_of(const std::string& bucket, const std::string& encoded_path, const std::string& query) const;

  S3Options options_;
  std::string scheme_, host_;
};

}  // namespace beetroot
