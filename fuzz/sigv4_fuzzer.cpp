// Any request as SigV4 sees it: method, path, query and headers from lines of the input.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "api/sigv4.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  beetroot::SignedRequest request;
  std::getline(in, request.method);
  std::getline(in, request.path);
  for (std::string line; std::getline(in, line) && !line.empty();) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) {
      const size_t equals = line.find('=');
      request.query.push_back({line.substr(0, equals), equals == std::string::npos ? "" : line.substr(equals + 1)});
    } else {
      request.headers.emplace(line.substr(0, colon), line.substr(colon + 1));
    }
  }
  request.body.assign(std::istreambuf_iterator<char>(in), {});
  const beetroot::AccessKeys keys = {{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}};
  const auto now = std::chrono::system_clock::from_time_t(1440938160);
  beetroot::verify_sigv4(request, keys, now, "rekognition");
  beetroot::verify_sigv4(request, keys, now, "");
  if (const auto auth = request.headers.find("Authorization"); auth != request.headers.end())
    beetroot::names_unknown_key(auth->second, keys);
  return 0;
}
