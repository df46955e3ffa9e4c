#pragma once
// SHA-256 and HMAC-SHA256 (OpenSSL): model checksums, photo ids, request signatures.
#include <string>
#include <string_view>

namespace beetroot {

std::string sha256_hex(std::string_view bytes);
// Of a file's content, read in pieces; Error InvalidParameter naming the file if it cannot be read.
std::string sha256_file_hex(const std::string& path);
// The raw 32-byte MAC.
std::string hmac_sha256(const std::string& key, const std::string& data);

}  // namespace beetroot
