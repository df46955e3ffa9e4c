#include "api/access_keys.h"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "base/error.h"

namespace beetroot {
namespace {

std::string random_text(size_t length, const std::string& alphabet) {
  std::string bytes(length, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(length)) != 1)
    throw Error(ErrorKind::Internal, "no randomness available for an access key");
  std::string out;
  for (unsigned char b : bytes) out += alphabet[b % alphabet.size()];
  return out;
}

AccessKeys parse_environment(const std::string& text) {
  AccessKeys keys;
  std::stringstream entries(text);
  for (std::string entry; std::getline(entries, entry, ',');) {
    const auto colon = entry.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == entry.size())
      throw Error(ErrorKind::InvalidParameter, "BEETROOT_ACCESS_KEYS entries must be id:secret, got '" + entry + "'");
    keys[entry.substr(0, colon)] = entry.substr(colon + 1);
  }
  return keys;
}

constexpr const char* kAlphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// A file only its owner can read, holding `text`.
void write_private_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  {
    std::ofstream out(path);
    out << text;
  }
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  if (!std::ifstream(path)) throw Error(ErrorKind::Internal, "cannot write " + path.string());
}

void create_key_file(const std::filesystem::path& path) {
  const std::string id = "BR" + random_text(18, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
  write_private_file(path, id + " " + random_text(40, kAlphanumeric) + "\n");
  spdlog::info("Auth: created access key {} in {}", id, path.string());
}

AccessKeys read_key_file(const std::filesystem::path& path) {
  AccessKeys keys;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string id, secret;
    if (!(fields >> id >> secret)) continue;
    keys[id] = secret;
  }
  if (keys.empty()) throw Error(ErrorKind::InvalidParameter, path.string() + " holds no 'id secret' line");
  return keys;
}

}  // namespace

AccessKeys load_access_keys(const std::filesystem::path& data_dir, const std::string& given) {
  if (!given.empty()) return parse_environment(given);
  const auto path = data_dir / "access-keys";
  if (!std::filesystem::exists(path)) create_key_file(path);
  return read_key_file(path);
}

std::string load_api_token(const std::filesystem::path& data_dir, const std::string& given) {
  if (!given.empty()) return given;
  const auto path = data_dir / "api-token";
  if (!std::filesystem::exists(path)) {
    write_private_file(path, random_text(32, kAlphanumeric) + "\n");
    spdlog::info("Auth: created the People API token in {}", path.string());
  }
  std::ifstream in(path);
  std::string token;
  in >> token;
  if (token.empty()) throw Error(ErrorKind::InvalidParameter, path.string() + " holds no token");
  return token;
}

}  // namespace beetroot
