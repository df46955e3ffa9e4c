#include "app/settings.h"

#include <cstdlib>
#include <sstream>

#include "base/error.h"
#include "inference/model_files.h"

namespace beetroot {
namespace {

std::string shown(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

float number(const char* name, const std::string& text, float low, float high) {
  char* end = nullptr;
  const float value = std::strtof(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(value >= low && value <= high))
    throw Error(ErrorKind::InvalidParameter,
                std::string(name) + "='" + text + "' is not a number from " + shown(low) + " to " + shown(high));
  return value;
}

std::string home() {
  const char* home = std::getenv("HOME");
  return home && *home ? home : "/tmp";
}

// A text setting, a member of Settings; `default_text` where its default derives from others.
SettingEntry text(const char* name, const char* meaning, std::string Settings::*member,
                  const char* default_text = nullptr) {
  return {name, default_text, meaning, [member](Settings& s, const std::string& v) { s.*member = v; },
          [member](const Settings& s) { return s.*member; }};
}

// A secret: read like a text, never printed.
SettingEntry secret(const char* name, const char* meaning, std::string Settings::*member) {
  return {name, "unset", meaning, [member](Settings& s, const std::string& v) { s.*member = v; },
          [member](const Settings& s) { return (s.*member).empty() ? std::string() : std::string("(set, not shown)"); },
          true};
}

// A text of the S3 access; `secret`s are never printed.
SettingEntry s3_text(const char* name, const char* default_text, const char* meaning, std::string S3Access::*member,
                     bool is_secret = false) {
  if (is_secret)
    return {name, default_text, meaning, [member](Settings& s, const std::string& v) { s.s3.*member = v; },
            [member](const Settings& s) { return (s.s3.*member).empty() ? std::string() : std::string("(set, not shown)"); },
            true};
  return {name, default_text, meaning, [member](Settings& s, const std::string& v) { s.s3.*member = v; },
          [member](const Settings& s) { return s.s3.*member; }};
}

// A number from `low` to `high`, stored as T.
template <typename T>
SettingEntry numeric(const char* name, const char* meaning, T Settings::*member, float low, float high) {
  return {name, nullptr, meaning,
          [=](Settings& s, const std::string& v) { s.*member = static_cast<T>(number(name, v, low, high)); },
          [member](const Settings& s) { return shown(static_cast<double>(s.*member)); }};
}

}  // namespace

const std::vector<SettingEntry>& settings_table() {
  static const std::vector<SettingEntry> table = {
      text("REKOGNITION_COLLECTION_ID", "the face collection people are filed in", &Settings::collection_id),
      numeric("FACE_MATCH_THRESHOLD", "similarity (percent) at or above which a face is the same person",
              &Settings::match_threshold, 0, 100),
      text("RAW_BUCKET", "bucket of the uploaded photos", &Settings::raw_bucket),
      text("RAW_PREFIX", "key prefix of uploaded photos; events for other keys are skipped",
           &Settings::raw_prefix),
      text("THUMBS_BUCKET", "bucket of the face thumbnails", &Settings::thumbs_bucket),
      text("THUMBS_PREFIX", "key prefix of the face thumbnails", &Settings::thumbs_prefix),
      text("PHOTOS_TABLE", "name of the photos table", &Settings::photos_table),
      numeric("THUMB_JPEG_QUALITY", "thumbnail JPEG quality", &Settings::thumb_jpeg_quality, 1, 100),
      {"GROUPING_RULE", nullptr,
       "how faces become persons (docs/faces-and-persons.md): `linkage` (average linkage over every face of a person, "
       "with merges); `exemplars`: the best single face above the threshold; `tutorial`: the tutorial's rule, one "
       "exemplar per person",
       [](Settings& s, const std::string& v) { s.grouping = parse_grouping_rule(v); },
       [](const Settings& s) { return std::string(to_string(s.grouping)); }},
      numeric("PEOPLE_MIN_FACES",
              "unnamed persons with fewer faces are listed under Others on the People page, not in the main grid",
              &Settings::people_min_faces, 1, 1000),
      numeric("MAX_MEGAPIXELS", "photos with more pixels are refused (`ImageTooLargeException`) before any is decoded",
              &Settings::max_megapixels, 1, 1000),
      numeric("DETECT_MIN_FACE_PIXELS",
              "the smallest face found, in pixels of the photo scaled to 1,920 px on its long side (Rekognition's "
              "documented minimum); `0`: face-api's single 512 pass and the large-face canvas only, about 2x faster",
              &Settings::detect_min_face_pixels, 0, 10000),
      numeric("MIN_FACE_PIXELS", "smaller faces are reported (`SMALL_BOUNDING_BOX`) and not indexed",
              &Settings::min_face_pixels, 0, 10000),
      numeric("MIN_SHARPNESS", "blurrier faces (Quality.Sharpness) are reported (`LOW_SHARPNESS`) and not indexed",
              &Settings::min_sharpness, 0, 100),
      numeric("HNSW_EF_SEARCH",
              "candidates a search keeps in a collection of 20,000 faces or more (HNSW graph): more finds the nearest "
              "face more often, more slowly ([performance.md](performance.md), \"The vector index\")",
              &Settings::hnsw_ef_search, 1, 100000),
      numeric("SNAPSHOT_MINUTES",
              "how often `serve`, `worker` and `ingest` save the index snapshot of a collection that changed (also at "
              "stop); `0`: only at stop",
              &Settings::snapshot_minutes, 0, 10080),
      {"BEETROOT_DATA", "`~/.local/share/beetroot/data`", "where the embedded stores live",
       [](Settings& s, const std::string& v) { s.data_dir = v; },
       [](const Settings& s) { return s.data_dir.string(); }},
      text("OBJECT_STORE_URL", "object store", &Settings::object_store_url, "`file://$BEETROOT_DATA/objects`"),
      {"DATABASE_PATH", "`$BEETROOT_DATA/beetroot.db`", "SQLite database (WAL)",
       [](Settings& s, const std::string& v) { s.database = v; },
       [](const Settings& s) { return s.database.string(); }},
      text("DATABASE_URL", "`postgresql://...`: PostgreSQL instead of SQLite (docs/storage-and-scale-out.md)",
           &Settings::database_url, "unset"),
      s3_text("AWS_REGION", nullptr, "region of an `s3://` object store", &S3Access::region),
      s3_text("S3_REGION", "`$AWS_REGION`", "the same, for beetroot alone (wins over `AWS_REGION`)", &S3Access::region),
      s3_text("S3_ADDRESSING", "`path` for `s3+http(s)://`, `virtual` for `s3://`",
              "`path` (`host/bucket/key`) or `virtual` (`bucket.host/key`)", &S3Access::addressing),
      s3_text("AWS_ACCESS_KEY_ID", "unset", "key id for an S3 object store", &S3Access::access_key, true),
      s3_text("AWS_SECRET_ACCESS_KEY", "unset", "its secret", &S3Access::secret_key, true),
      s3_text("AWS_SESSION_TOKEN", "unset", "a session token, with temporary keys", &S3Access::session_token, true),
      secret("BEETROOT_ACCESS_KEYS",
             "`id:secret,id:secret`: the keys face API requests are signed with, instead of `$BEETROOT_DATA/access-keys`",
             &Settings::access_keys),
      secret("BEETROOT_API_TOKEN", "the People API's token, instead of `$BEETROOT_DATA/api-token`", &Settings::api_token),
      secret("BEETROOT_EVENTS_TOKEN", "a bearer token `POST /events/s3` also accepts, besides signed requests",
             &Settings::events_token),
      {"BEETROOT_MODELS", "`~/.local/share/beetroot/models`", "model weights (`--models` overrides)",
       [](Settings& s, const std::string& v) { s.models_dir = v; },
       [](const Settings& s) { return s.models_dir.string(); }},
  };
  return table;
}

std::filesystem::path default_model_dir() {
  if (const char* dir = std::getenv("BEETROOT_MODELS"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "beetroot/models";
  return std::filesystem::path(home()) / ".local/share/beetroot/models";
}

Settings Settings::in_folder(const std::filesystem::path& data_dir) {
  Settings s;
  s.models_dir = default_model_dir();
  s.data_dir = data_dir;
  s.object_store_url = "file://" + (data_dir / "objects").string();
  s.database = data_dir / "beetroot.db";
  return s;
}

Settings Settings::from_environment() {
  // BEETROOT_DATA first: the embedded stores' defaults live inside it.
  const char* data = std::getenv("BEETROOT_DATA");
  Settings s = in_folder(data && *data ? data : home() + "/.local/share/beetroot/data");
  for (const auto& entry : settings_table()) {
    const char* value = std::getenv(entry.name);
    if (entry.apply && value && *value) entry.apply(s, value);
  }
  return s;
}

PipelineSettings Settings::pipeline() const {
  return {match_threshold, min_face_pixels, min_sharpness, raw_bucket, raw_prefix, thumb_jpeg_quality};
}

std::string SettingEntry::shown_default() const {
  return default_text ? default_text : "`" + show(Settings{}) + "`";
}

std::string settings_markdown() {
  std::string out = "| variable | default | meaning |\n| --- | --- | --- |\n";
  for (const auto& e : settings_table())
    out += std::string("| `") + e.name + "` | " + e.shown_default() + " | " + e.meaning + " |\n";
  return out;
}

}  // namespace beetroot
