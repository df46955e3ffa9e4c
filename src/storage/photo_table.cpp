#include "storage/photo_table.h"

#include <chrono>
#include <ctime>

#include "base/error.h"
#include "base/hash.h"

namespace beetroot {

std::string to_string(PhotoStatus status) {
  switch (status) {
    case PhotoStatus::Pending: return "pending";
    case PhotoStatus::Done: return "done";
    case PhotoStatus::Failed: return "failed";
  }
  return "pending";
}

PhotoStatus parse_photo_status(const std::string& text) {
  if (text == "pending") return PhotoStatus::Pending;
  if (text == "done") return PhotoStatus::Done;
  if (text == "failed") return PhotoStatus::Failed;
  throw Error(ErrorKind::InvalidParameter, "unknown photo status '" + text + "'");
}

std::string photo_id_for(const std::string& bucket, const std::string& key) {
  return sha256_hex(bucket + "/" + key).substr(0, 20);
}

std::string utc_now_iso8601() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buffer;
}

}  // namespace beetroot
