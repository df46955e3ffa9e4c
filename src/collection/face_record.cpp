#include "collection/face_record.h"

#include <openssl/rand.h>

#include "base/error.h"
#include "base/hash.h"

namespace beetroot {

std::string face_id_for(const std::string& collection_id, const std::string& photo_id, int face_index) {
  std::string hex = sha256_hex(collection_id + "\n" + photo_id + "\n" + std::to_string(face_index)).substr(0, 32);
  hex[12] = '8';                                          // UUID version 8: custom, name-derived
  hex[16] = "89ab"[std::stoi(hex.substr(16, 1), nullptr, 16) & 3];  // RFC 4122 variant
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20, 12);
}

FacePairRuling rule_pair(const std::string& one, const std::string& other, bool apart) {
  return one < other ? FacePairRuling{one, other, apart} : FacePairRuling{other, one, apart};
}

std::string random_uuid() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) throw Error(ErrorKind::Internal, "no randomness available for an id");
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += hex[b[i] >> 4];
    out += hex[b[i] & 15];
  }
  return out;
}

}  // namespace beetroot
