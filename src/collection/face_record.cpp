#include "collection/face_record.h"

#include "inference/model_files.h"

namespace beetroot {

std::string face_id_for(const std::string& collection_id, const std::string& photo_id, int face_index) {
  std::string hex = sha256_hex(collection_id + "\n" + photo_id + "\n" + std::to_string(face_index)).substr(0, 32);
  hex[12] = '8';                                          // UUID version 8: custom, name-derived
  hex[16] = "89ab"[std::stoi(hex.substr(16, 1), nullptr, 16) & 3];  // RFC 4122 variant
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20, 12);
}

}  // namespace beetroot
