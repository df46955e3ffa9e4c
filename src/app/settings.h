#pragma once
// The application's settings: one table (settings_table) gives each its environment variable,
// default, range and meaning; it reads them, `beetroot settings` prints them, and the table in
// docs/commands.md is written from it (tests/settings_test.cpp checks that it is). The names are
// those users know from the cloud tutorial. Layers below app/ take small structs of what they
// need, made here.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "collection/face_collection.h"
#include "ingest/pipeline.h"
#include "people/thumbnail_layout.h"
#include "storage/object_store.h"

namespace beetroot {

struct Settings {
  std::string collection_id = "beetroot-faces";
  float match_threshold = 95.f;
  std::string raw_bucket = "beetroot-photos";
  std::string raw_prefix = "photos-raw/";
  std::string thumbs_bucket = "beetroot-thumbs";
  std::string thumbs_prefix = "faces-thumbs/";
  std::string photos_table = "Photos";
  int thumb_jpeg_quality = 90;
  GroupingRule grouping = GroupingRule::Linkage;
  int people_min_faces = 2;
  float min_face_pixels = 20.f;
  float min_sharpness = 5.f;
  int max_megapixels = 100;
  int detect_min_face_pixels = 40;
  size_t hnsw_ef_search = VectorIndexOptions{}.hnsw_ef_search;
  double snapshot_minutes = 30;
  std::filesystem::path data_dir;
  std::string object_store_url;  // empty: file://<data_dir>/objects
  std::filesystem::path database;  // empty: <data_dir>/beetroot.db
  std::string database_url;      // postgresql://... instead of SQLite
  std::filesystem::path models_dir;  // the face-api weights (`--models` overrides)
  S3Access s3;                       // how an s3:// OBJECT_STORE_URL is reached
  // Secrets, where given in the environment rather than the files beetroot creates (api/access_keys.h).
  std::string access_keys;   // "id:secret,id:secret"
  std::string api_token;
  std::string events_token;

  // Every setting from the environment, over the defaults; Error InvalidParameter names a bad one.
  static Settings from_environment();
  // Defaults, with the embedded stores (objects/, beetroot.db) inside `data_dir`.
  static Settings in_folder(const std::filesystem::path& data_dir);

  ThumbnailLayout thumbnails() const { return {thumbs_bucket, thumbs_prefix}; }
  PipelineSettings pipeline() const;
};

// Where the weights live: $BEETROOT_MODELS, else $XDG_DATA_HOME/beetroot/models, else
// ~/.local/share/beetroot/models (where scripts/fetch-models.sh puts them).
std::filesystem::path default_model_dir();

struct SettingEntry {
  const char* name;  // the environment variable
  const char* default_text;  // where it is not Settings{}'s value: derived from others, or read elsewhere
  const char* meaning;  // Markdown
  // Parses a value into the settings; null for the few read where they are used (noted in `meaning`).
  std::function<void(Settings&, const std::string&)> apply;
  // The value as `beetroot settings` prints it (for a secret, only whether it is set).
  std::function<std::string(const Settings&)> show;
  bool secret = false;

  // As the docs show it: `default_text`, or Settings{}'s value.
  std::string shown_default() const;
};

const std::vector<SettingEntry>& settings_table();

// The table of docs/commands.md's "Configuration" section.
std::string settings_markdown();

}  // namespace beetroot
