#pragma once
#include <string>

namespace beetroot {

// Lower-case hex of every byte.
std::string to_hex(const std::string& bytes);
// AWS's URI encoding: every byte but A-Z a-z 0-9 - _ . ~ as %XX; '/' kept if `keep_slash`.
std::string aws_uri_encode(const std::string& text, bool keep_slash);

}  // namespace beetroot
