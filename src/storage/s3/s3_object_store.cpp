#include "storage/s3/s3_object_store.h"

#include <curl/curl.h>
#include <openssl/sha.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <pugixml.hpp>
#include <random>
#include <thread>

#include "base/encoding.h"
#include "base/error.h"
#include "base/hash.h"

namespace beetroot {

// What one S3 call sends; the body is read from memory or a file as curl asks for it.
struct S3ObjectStore::Request {
  const char* method = "GET";
  std::string bucket;
  std::string path;   // URI-encoded key, "" for the bucket itself
  std::string query;  // canonical: names sorted, names and values URI-encoded
  std::string_view body;
  const std::filesystem::path* file = nullptr;
};

namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct HeaderListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// One handle per thread, reset between requests, so that connections are reused.
CURL* thread_handle() {
  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!initialised) throw Error(ErrorKind::Internal, "libcurl failed to initialise");
  thread_local std::unique_ptr<CURL, CurlDeleter> handle(curl_easy_init());
  if (!handle) throw Error(ErrorKind::Internal, "libcurl cannot create a handle");
  curl_easy_reset(handle.get());
  return handle.get();
}

size_t append_body(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

struct MemoryReader {
  std::string_view rest;
  static size_t read(char* buffer, size_t size, size_t count, void* self) {
    auto& r = static_cast<MemoryReader*>(self)->rest;
    const size_t n = std::min(size * count, r.size());
    std::copy_n(r.data(), n, buffer);
    r.remove_prefix(n);
    return n;
  }
};

size_t read_file(char* buffer, size_t size, size_t count, void* file) {
  return std::fread(buffer, size, count, static_cast<FILE*>(file));
}

bool retryable(long status) { return status == 429 || status == 500 || status == 502 || status == 503 || status == 504; }

// "<Code>: <Message>" of an S3 error document, or the status alone.
std::string s3_error(const S3ObjectStore::Response& r) {
  pugi::xml_document doc;
  if (doc.load_buffer(r.body.data(), r.body.size())) {
    const auto error = doc.child("Error");
    if (error) return std::string(error.child_value("Code")) + ": " + error.child_value("Message");
  }
  return "HTTP " + std::to_string(r.status);
}

std::string encode_key(const std::string& key) { return aws_uri_encode(key, true); }

}  // namespace

S3Options S3Options::from_url(const std::string& url, const S3Access& access) {
  S3Options o;
  if (url.rfind("s3+http://", 0) == 0 || url.rfind("s3+https://", 0) == 0) {
    o.endpoint = url.substr(3);
    while (!o.endpoint.empty() && o.endpoint.back() == '/') o.endpoint.pop_back();
  } else if (url != "s3://") {
    throw Error(ErrorKind::InvalidParameter,
                "unsupported S3 URL '" + url + "' (expected s3://, s3+http://host:port or s3+https://host:port)");
  }
  if (!access.region.empty()) o.region = access.region;
  const std::string addressing = !access.addressing.empty() ? access.addressing : o.endpoint.empty() ? "virtual" : "path";
  if (addressing != "path" && addressing != "virtual")
    throw Error(ErrorKind::InvalidParameter, "S3_ADDRESSING='" + addressing + "' (expected path or virtual)");
  o.virtual_hosted = addressing == "virtual";
  o.access_key = access.access_key;
  o.secret_key = access.secret_key;
  o.session_token = access.session_token;
  if (o.access_key.empty() || o.secret_key.empty())
    throw Error(ErrorKind::InvalidParameter, "an s3 object store needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  return o;
}

S3ObjectStore::S3ObjectStore(S3Options options) : options_(std::move(options)) {
  const std::string endpoint =
      options_.endpoint.empty() ? "https://s3." + options_.region + ".amazonaws.com" : options_.endpoint;
  const size_t colon = endpoint.find("://");
  if (colon == std::string::npos || endpoint.find('/', colon + 3) != std::string::npos)
    throw Error(ErrorKind::InvalidParameter, "S3 endpoint '" + endpoint + "' is not scheme://host[:port]");
  scheme_ = endpoint.substr(0, colon);
  host_ = endpoint.substr(colon + 3);
}

std::string S3ObjectStore::url_of(const std::string& bucket, const std::string& encoded_path,
                                  const std::string& query) const {
  std::string url = options_.virtual_hosted ? scheme_ + "://" + bucket + "." + host_ + "/" + encoded_path
                                            : scheme_ + "://" + host_ + "/" + bucket + (encoded_path.empty() ? "" : "/" + encoded_path);
  if (!query.empty()) url += "?" + query;
  return url;
}

S3ObjectStore::Response S3ObjectStore::send_once(const Request& request) const {
  CURL* curl = thread_handle();
  Response response;
  const std::string url = url_of(request.bucket, request.path, request.query);
  const std::string sigv4 = "aws:amz:" + options_.region + ":s3";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(curl, CURLOPT_USERNAME, options_.access_key.c_str());
  curl_easy_setopt(curl, CURLOPT_PASSWORD, options_.secret_key.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, options_.timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);

  // The payload's hash is signed too; a file is streamed unhashed (UNSIGNED-PAYLOAD, as SDKs do over TLS).
  const bool upload = std::string_view(request.method) == "PUT";
  // No "Expect:" to turn off 100-continue: curl 7.88 would sign the header it then leaves out.
  std::vector<std::string> headers{"x-amz-content-sha256: " + (request.file ? std::string("UNSIGNED-PAYLOAD")
                                                                             : sha256_hex(request.body))};
  if (!options_.session_token.empty()) headers.push_back("x-amz-security-token: " + options_.session_token);
  std::unique_ptr<curl_slist, HeaderListDeleter> list;
  for (const auto& h : headers) list.reset(curl_slist_append(list.release(), h.c_str()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list.get());

  MemoryReader memory{request.body};
  std::unique_ptr<FILE, int (*)(FILE*)> file(nullptr, std::fclose);
  if (upload) {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    if (request.file) {
      file.reset(std::fopen(request.file->c_str(), "rb"));
      if (!file) throw Error(ErrorKind::InvalidParameter, "cannot read " + request.file->string());
      curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_file);
      curl_easy_setopt(curl, CURLOPT_READDATA, file.get());
      curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(std::filesystem::file_size(*request.file)));
    } else {
      curl_easy_setopt(curl, CURLOPT_READFUNCTION, MemoryReader::read);
      curl_easy_setopt(curl, CURLOPT_READDATA, &memory);
      curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
  } else if (std::string_view(request.method) == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (std::string_view(request.method) != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method);
  }
  const CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) throw Error(ErrorKind::Internal, std::string("S3 ") + request.method + " " + url + ": " + curl_easy_strerror(rc));
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

S3ObjectStore::Response S3ObjectStore::send(const Request& request) const {
  thread_local std::mt19937 random(std::random_device{}());
  for (int attempt = 1;; ++attempt) {
    std::string failure;
    try {
      Response r = send_once(request);
      if (!retryable(r.status) || attempt == options_.max_attempts) return r;
      failure = s3_error(r);
    } catch (const Error& e) {
      if (attempt == options_.max_attempts || e.kind() != ErrorKind::Internal) throw;
      failure = e.what();
    }
    // Exponential backoff with full jitter, so that throttled workers do not retry in step.
    const auto ceiling = options_.first_backoff * (1 << (attempt - 1));
    const auto wait = std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(ceiling.count() / 2, ceiling.count())(random));
    spdlog::warn("S3: {} {}/{} failed ({}); retry {} in {} ms", request.method, request.bucket, request.path, failure,
                 attempt, wait.count());
    std::this_thread::sleep_for(wait);
  }
}

void S3ObjectStore::put(const std::string& bucket, const std::string& key, std::string_view bytes) {
  validate_bucket(bucket);
  validate_key(key);
  const Response r = send({"PUT", bucket, encode_key(key), "", bytes, nullptr});
  if (r.status != 200) throw Error(ErrorKind::Internal, "S3 cannot store " + bucket + "/" + key + ": " + s3_error(r));
}

void S3ObjectStore::put_file(const std::string& bucket, const std::string& key, const std::filesystem::path& file) {
  validate_bucket(bucket);
  validate_key(key);
  const Response r = send({"PUT", bucket, encode_key(key), "", {}, &file});
  if (r.status != 200) throw Error(ErrorKind::Internal, "S3 cannot store " + bucket + "/" + key + ": " + s3_error(r));
}

std::optional<std::string> S3ObjectStore::get(const std::string& bucket, const std::string& key) const {
  validate_bucket(bucket);
  validate_key(key);
  Response r = send({"GET", bucket, encode_key(key), "", {}, nullptr});
  if (r.status == 404 && s3_error(r).rfind("NoSuchKey", 0) == 0) return std::nullopt;
  if (r.status != 200) throw Error(ErrorKind::Internal, "S3 cannot read " + bucket + "/" + key + ": " + s3_error(r));
  return std::move(r.body);
}

bool S3ObjectStore::exists(const std::string& bucket, const std::string& key) const {
  validate_bucket(bucket);
  validate_key(key);
  const Response r = send({"HEAD", bucket, encode_key(key), "", {}, nullptr});
  if (r.status == 200) return true;
  if (r.status == 404) return false;
  throw Error(ErrorKind::Internal, "S3 cannot look up " + bucket + "/" + key + ": HTTP " + std::to_string(r.status));
}

void S3ObjectStore::remove(const std::string& bucket, const std::string& key) {
  validate_bucket(bucket);
  validate_key(key);
  const Response r = send({"DELETE", bucket, encode_key(key), "", {}, nullptr});
  if (r.status != 204 && r.status != 200 && r.status != 404)
    throw Error(ErrorKind::Internal, "S3 cannot delete " + bucket + "/" + key + ": " + s3_error(r));
}

std::vector<std::string> S3ObjectStore::list(const std::string& bucket, const std::string& prefix) const {
  validate_bucket(bucket);
  std::vector<std::string> keys;
  std::string token;
  do {
    // Names in sorted order, each value URI-encoded: the query is already in canonical form.
    std::string query;
    if (!token.empty()) query += "continuation-token=" + aws_uri_encode(token, false) + "&";
    query += "list-type=2&max-keys=" + std::to_string(options_.list_page_size) + "&prefix=" + aws_uri_encode(prefix, false);
    const Response r = send({"GET", bucket, "", query, {}, nullptr});
    if (r.status != 200) throw Error(ErrorKind::Internal, "S3 cannot list " + bucket + "/" + prefix + ": " + s3_error(r));
    pugi::xml_document doc;
    if (!doc.load_buffer(r.body.data(), r.body.size()))
      throw Error(ErrorKind::Internal, "S3 listing of " + bucket + " is not XML");
    const auto result = doc.child("ListBucketResult");
    for (const auto& item : result.children("Contents")) keys.push_back(item.child_value("Key"));
    token = std::string_view(result.child_value("IsTruncated")) == "true" ? result.child_value("NextContinuationToken") : "";
  } while (!token.empty());
  return keys;
}

}  // namespace beetroot
