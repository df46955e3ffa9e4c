#include "api/sigv4.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <ctime>
#include <iomanip>
#include <regex>
#include <sstream>

#include "base/encoding.h"
#include "base/hash.h"

namespace beetroot {
namespace {

constexpr auto kMaxSkew = std::chrono::minutes(15);

struct Authorization {
  std::string access_key, date, region, service, terminator;
  std::vector<std::string> signed_headers;
  std::string signature;
};

std::optional<Authorization> parse_authorization(const std::string& header) {
  static const std::regex pattern(
      R"(AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/([^/,\s]+)\s*,\s*)"
      R"(SignedHeaders=([a-z0-9\-;]+)\s*,\s*Signature=([0-9a-f]{64})\s*)");
  std::smatch m;
  if (!std::regex_match(header, m, pattern)) return std::nullopt;
  Authorization a{m[1], m[2], m[3], m[4], m[5], {}, m[7]};
  std::stringstream names(m[6]);
  for (std::string name; std::getline(names, name, ';');) a.signed_headers.push_back(name);
  return a;
}

std::optional<std::string> header(const SignedRequest& r, const std::string& lower_name) {
  std::optional<std::string> value;
  for (const auto& [name, v] : r.headers) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower != lower_name) continue;
    value = value ? *value + "," + v : v;  // repeated headers are joined, as the signer does
  }
  return value;
}

// Trimmed, with runs of spaces collapsed to one.
std::string canonical_header_value(const std::string& value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string canonical_query(const SignedRequest& r) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [name, value] : r.query) encoded.push_back({aws_uri_encode(name, false), aws_uri_encode(value, false)});
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) out += (out.empty() ? "" : "&") + name + "=" + value;
  return out;
}

std::optional<std::chrono::system_clock::time_point> parse_amz_date(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y%m%dT%H%M%SZ");
  if (in.fail() || text.size() != 16) return std::nullopt;
  // Years the clock's nanoseconds can hold (to 2262): a date like 2415 would overflow them.
  if (tm.tm_year < 70 || tm.tm_year > 200) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

AuthFailure incomplete(const std::string& message) { return {"IncompleteSignatureException", 400, message}; }

// A header the server acts on that the signature does not cover: X-Amz-Target picks the
// operation, Content-Type how the body is read. AWS SDKs sign every header they send.
std::optional<std::string> unsigned_header(const SignedRequest& request, const std::vector<std::string>& signed_headers) {
  for (const auto& [name, value] : request.headers) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    const bool acted_on = lower == "content-type" || lower.rfind("x-amz-", 0) == 0;
    if (acted_on && std::find(signed_headers.begin(), signed_headers.end(), lower) == signed_headers.end()) return lower;
  }
  return std::nullopt;
}

// The hex signature of the request over `signed_headers` (lower-case, sorted) into `out`, or the
// name of a signed header the request lacks.
std::optional<std::string> signature(const SignedRequest& request, const std::vector<std::string>& signed_headers,
                                     const std::string& amz_date, const std::string& region,
                                     const std::string& service, const std::string& secret, std::string& out) {
  std::string canonical_headers, joined_names;
  for (const auto& name : signed_headers) {
    const auto value = header(request, name);
    if (!value) return name;
    canonical_headers += name + ":" + canonical_header_value(*value) + "\n";
    joined_names += (joined_names.empty() ? "" : ";") + name;
  }
  const std::string payload_hash = sha256_hex(request.body);
  const std::string canonical_request = request.method + "\n" + aws_uri_encode(request.path, true) + "\n" +
                                        canonical_query(request) + "\n" + canonical_headers + "\n" + joined_names +
                                        "\n" + payload_hash;
  const std::string date = amz_date.substr(0, 8);
  const std::string scope = date + "/" + region + "/" + service + "/aws4_request";
  const std::string string_to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + sha256_hex(canonical_request);
  std::string signing_key = hmac_sha256("AWS4" + secret, date);
  for (const auto& part : {region, service, std::string("aws4_request")}) signing_key = hmac_sha256(signing_key, part);
  out = to_hex(hmac_sha256(signing_key, string_to_sign));
  return std::nullopt;
}

}  // namespace

std::optional<AuthFailure> verify_sigv4(const SignedRequest& request, const AccessKeys& keys,
                                        std::chrono::system_clock::time_point now, const std::string& service) {
  const auto authorization = header(request, "authorization");
  if (!authorization) return AuthFailure{"MissingAuthenticationTokenException", 403, "Missing Authentication Token"};
  const auto auth = parse_authorization(*authorization);
  if (!auth) return incomplete("Authorization header is not a well-formed AWS4-HMAC-SHA256 signature: " + *authorization);
  if (auth->terminator != "aws4_request") return incomplete("Credential scope must end with aws4_request");
  if (!service.empty() && auth->service != service)
    return incomplete("Credential should be scoped to correct service: '" + service + "'");
  const auto amz_date = header(request, "x-amz-date");
  if (!amz_date) return incomplete("Authorization header requires an X-Amz-Date header");
  const auto signed_at = parse_amz_date(*amz_date);
  if (!signed_at) return incomplete("X-Amz-Date '" + *amz_date + "' is not of the form YYYYMMDDTHHMMSSZ");
  if (amz_date->substr(0, 8) != auth->date)
    return incomplete("Credential date " + auth->date + " does not match X-Amz-Date " + *amz_date);
  const auto signed_headers = auth->signed_headers;
  if (std::find(signed_headers.begin(), signed_headers.end(), "host") == signed_headers.end())
    return incomplete("SignedHeaders must include host");
  if (const auto name = unsigned_header(request, signed_headers))
    return incomplete("header '" + *name + "' is not covered by SignedHeaders");
  if (const auto declared = header(request, "x-amz-content-sha256"); declared && *declared == "UNSIGNED-PAYLOAD")
    return incomplete("UNSIGNED-PAYLOAD is not accepted: the signature must cover the body");
  const auto key = keys.find(auth->access_key);
  if (key == keys.end())
    return AuthFailure{"UnrecognizedClientException", 400, "The security token included in the request is invalid."};
  if (*signed_at < now - kMaxSkew || *signed_at > now + kMaxSkew)
    return AuthFailure{"InvalidSignatureException", 403,
                       "Signature expired: " + *amz_date + " is more than 15 minutes away from the server's time"};

  std::string expected;
  if (auto missing = signature(request, signed_headers, *amz_date, auth->region, auth->service, key->second, expected))
    return incomplete("signed header '" + *missing + "' is missing from the request");
  if (CRYPTO_memcmp(expected.data(), auth->signature.data(), expected.size()) != 0)
    return AuthFailure{"InvalidSignatureException", 403,
                       "The request signature we calculated does not match the signature you provided."};
  return std::nullopt;
}

bool names_unknown_key(const std::string& authorization, const AccessKeys& keys) {
  const auto key = access_key_of(authorization);
  return key && keys.count(*key) == 0;
}

std::optional<std::string> access_key_of(const std::string& authorization) {
  const auto auth = parse_authorization(authorization);
  if (!auth) return std::nullopt;
  return auth->access_key;
}

void sign_sigv4(SignedRequest& request, const std::string& access_key, const std::string& secret,
                const std::string& region, const std::string& service, std::chrono::system_clock::time_point now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char amz_date[17];
  std::strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);
  request.headers.emplace("X-Amz-Date", amz_date);
  std::vector<std::string> names;
  for (const auto& [name, value] : request.headers) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (std::find(names.begin(), names.end(), lower) == names.end()) names.push_back(lower);
  }
  std::sort(names.begin(), names.end());
  std::string joined, hex;
  for (const auto& n : names) joined += (joined.empty() ? "" : ";") + n;
  signature(request, names, amz_date, region, service, secret, hex);
  request.headers.emplace("Authorization", "AWS4-HMAC-SHA256 Credential=" + access_key + "/" +
                                               std::string(amz_date, 8) + "/" + region + "/" + service +
                                               "/aws4_request, SignedHeaders=" + joined + ", Signature=" + hex);
}

}  // namespace beetroot
