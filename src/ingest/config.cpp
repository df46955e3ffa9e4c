#include "ingest/config.h"

#include <cstdlib>

#include "base/error.h"

namespace beetroot {
namespace {

std::string env(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

float env_number(const char* name, float fallback, float low, float high) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const float value = std::strtof(v, &end);
  if (*end != '\0' || !(value >= low && value <= high))
    throw Error(ErrorKind::InvalidParameter, std::string(name) + "='" + v + "' is not a number from " +
                                                 std::to_string(low) + " to " + std::to_string(high));
  return value;
}

}  // namespace

IngestConfig IngestConfig::from_environment() {
  IngestConfig c;
  c.collection_id = env("REKOGNITION_COLLECTION_ID", c.collection_id);
  c.match_threshold = env_number("FACE_MATCH_THRESHOLD", c.match_threshold, 0, 100);
  c.raw_bucket = env("RAW_BUCKET", c.raw_bucket);
  c.raw_prefix = env("RAW_PREFIX", c.raw_prefix);
  c.thumbs_bucket = env("THUMBS_BUCKET", c.thumbs_bucket);
  c.thumbs_prefix = env("THUMBS_PREFIX", c.thumbs_prefix);
  c.photos_table = env("PHOTOS_TABLE", c.photos_table);
  c.thumb_jpeg_quality = static_cast<int>(env_number("THUMB_JPEG_QUALITY", 90, 1, 100));
  c.grouping = parse_grouping_rule(env("GROUPING_RULE", "linkage"));
  c.min_face_pixels = env_number("MIN_FACE_PIXELS", c.min_face_pixels, 0, 10000);
  c.min_sharpness = env_number("MIN_SHARPNESS", c.min_sharpness, 0, 100);
  c.max_megapixels = static_cast<int>(env_number("MAX_MEGAPIXELS", 100, 1, 1000));
  c.detect_min_face_pixels = static_cast<int>(env_number("DETECT_MIN_FACE_PIXELS", 40, 0, 10000));
  c.hnsw_ef_search = static_cast<size_t>(env_number("HNSW_EF_SEARCH", static_cast<float>(c.hnsw_ef_search), 1, 100000));
  c.snapshot_minutes = env_number("SNAPSHOT_MINUTES", static_cast<float>(c.snapshot_minutes), 0, 10080);
  const char* home = std::getenv("HOME");
  c.data_dir = env("BEETROOT_DATA", std::string(home && *home ? home : "/tmp") + "/.local/share/beetroot/data");
  const IngestConfig embedded = in_folder(c.data_dir);
  c.object_store_url = env("OBJECT_STORE_URL", embedded.object_store_url);
  c.database = env("DATABASE_PATH", embedded.database.string());
  c.database_url = env("DATABASE_URL", "");
  return c;
}

IngestConfig IngestConfig::in_folder(const std::filesystem::path& data_dir) {
  IngestConfig c;
  c.data_dir = data_dir;
  c.object_store_url = "file://" + (data_dir / "objects").string();
  c.database = data_dir / "beetroot.db";
  return c;
}

}  // namespace beetroot
