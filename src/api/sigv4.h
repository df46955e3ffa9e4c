#pragma once
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace beetroot {

// Access key id -> secret access key.
using AccessKeys = std::map<std::string, std::string>;

// What the signature covers, as the server received it.
struct SignedRequest {
  std::string method;
  std::string path;  // decoded, e.g. "/"
  std::vector<std::pair<std::string, std::string>> query;  // decoded name/value pairs
  std::multimap<std::string, std::string> headers;  // names in any case
  std::string body;
};

// Why a request was refused, in the terms AWS SDKs expect (error type and HTTP status).
struct AuthFailure {
  std::string type;  // e.g. InvalidSignatureException
  int status;
  std::string message;
};

// Verifies an `Authorization: AWS4-HMAC-SHA256 ...` header (AWS Signature Version 4). `service`
// is what the credential scope must name; empty accepts any. Requests signed more than 15 minutes
// away from `now` are refused, so a captured request cannot be replayed later. Content-Type and
// every X-Amz-* header must be signed, and the body too (no UNSIGNED-PAYLOAD): a captured request
// cannot be turned into another operation or carry another body.
std::optional<AuthFailure> verify_sigv4(const SignedRequest& request, const AccessKeys& keys,
                                        std::chrono::system_clock::time_point now, const std::string& service);

// Whether a well-formed Authorization header names a key `keys` lacks: checked on a request's
// head, before its body is read (the signature itself needs the body).
bool names_unknown_key(const std::string& authorization, const AccessKeys& keys);
// The access key id a well-formed Authorization header names.
std::optional<std::string> access_key_of(const std::string& authorization);

// Adds X-Amz-Date and an Authorization header signing every header present (Host included), as
// an AWS SDK would; for clients beetroot itself runs (benchmarks).
void sign_sigv4(SignedRequest& request, const std::string& access_key, const std::string& secret,
                const std::string& region, const std::string& service, std::chrono::system_clock::time_point now);


}  // namespace beetroot
