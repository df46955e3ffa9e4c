#pragma once
#include <filesystem>
#include <string>

#include "collection/face_collection.h"

namespace beetroot {

// Settings users already know from the cloud tutorial, read from the environment.
struct IngestConfig {
  std::string collection_id = "beetroot-faces";  // REKOGNITION_COLLECTION_ID
  float match_threshold = 95.f;                  // FACE_MATCH_THRESHOLD, similarity in percent
  std::string raw_bucket = "beetroot-photos";    // RAW_BUCKET
  std::string raw_prefix = "photos-raw/";        // RAW_PREFIX
  std::string thumbs_bucket = "beetroot-thumbs"; // THUMBS_BUCKET
  std::string thumbs_prefix = "faces-thumbs/";   // THUMBS_PREFIX
  std::string photos_table = "Photos";           // PHOTOS_TABLE
  int thumb_jpeg_quality = 90;                   // THUMB_JPEG_QUALITY
  GroupingRule grouping = GroupingRule::Linkage;  // GROUPING_RULE: linkage, exemplars or tutorial
  float min_face_pixels = 20.f;     // MIN_FACE_PIXELS: smaller faces are not indexed (SMALL_BOUNDING_BOX)
  float min_sharpness = 5.f;        // MIN_SHARPNESS: blurrier faces are not indexed (LOW_SHARPNESS)
  int max_megapixels = 100;  // MAX_MEGAPIXELS: larger photos are refused before decoding
  int detect_min_face_pixels = 40;  // DETECT_MIN_FACE_PIXELS: the smallest face found (photo at 1920 px); 0: coarse passes only
  // HNSW_EF_SEARCH: candidates a search of a large collection keeps; more finds more, more slowly.
  size_t hnsw_ef_search = VectorIndexOptions{}.hnsw_ef_search;
  // SNAPSHOT_MINUTES: how often serve, worker and ingest save the index snapshots that changed
  // (also at stop); 0: only at stop.
  double snapshot_minutes = 30;
  std::filesystem::path data_dir;   // BEETROOT_DATA, default ~/.local/share/beetroot/data
  std::string object_store_url;     // OBJECT_STORE_URL, default file://<data>/objects
  std::filesystem::path database;   // DATABASE_PATH, default <data>/beetroot.db
  std::string database_url;         // DATABASE_URL: postgresql://... instead of SQLite at DATABASE_PATH

  static IngestConfig from_environment();
  // Defaults, with the embedded stores (objects/, beetroot.db) inside `data_dir`.
  static IngestConfig in_folder(const std::filesystem::path& data_dir);
};

}  // namespace beetroot
