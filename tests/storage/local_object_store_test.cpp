// The embedded object store: keys refused with their reason, objects written whole, nothing
// outside its root.
#include <gtest/gtest.h>

#include <fstream>

#include "base/error.h"
#include "storage/local/local_object_store.h"

namespace beetroot {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("beetroot-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  return dir;
}

TEST(ObjectKeys, HostileKeysAreRefusedWithTheReason) {
  const std::pair<std::string, std::string> bad[] = {
      {"", "empty"},
      {"/etc/passwd", "absolute"},
      {"photos/../../etc/passwd", "'..'"},
      {"..", "'..'"},
      {"a/./b", "'.'"},
      {"a//b", "empty"},
      {std::string("a\0b", 3), "NUL"},
      {"a\nb", "control"},
      {std::string(1025, 'k'), "1024"},
      {"dir/", "ends with"},
  };
  for (const auto& [key, why] : bad) {
    try {
      validate_key(key);
      ADD_FAILURE() << "accepted " << key;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  }
  for (const std::string good : {"photos-raw/a.jpg", "photos-raw/summer trip/ünïcode.jpg", "x", "a..b/c"})
    EXPECT_NO_THROW(validate_key(good)) << good;
  EXPECT_THROW(validate_bucket("Bad_Bucket"), Error);
  EXPECT_THROW(validate_bucket("../up"), Error);
}

TEST(LocalObjectStore, PutGetListRemoveAndNothingEscapesTheRoot) {
  const auto root = fresh_dir("objects");
  LocalObjectStore store(root);
  store.put("bucket-a", "photos-raw/x/1.jpg", "one");
  store.put("bucket-a", "photos-raw/x/1.jpg", "two");  // replaced whole
  store.put("bucket-a", "other/2.jpg", std::string("\0bin\xff", 5));
  EXPECT_EQ(store.get("bucket-a", "photos-raw/x/1.jpg"), "two");
  EXPECT_EQ(store.get("bucket-a", "other/2.jpg")->size(), 5u);
  EXPECT_FALSE(store.get("bucket-a", "missing.jpg"));
  EXPECT_EQ(store.list("bucket-a", "photos-raw/"), std::vector<std::string>{"photos-raw/x/1.jpg"});
  EXPECT_THROW(store.put("bucket-a", "../escape", "x"), Error);
  // A segment longer than a file name can be: refused as a key, never a file system exception.
  const std::string long_segment = "photos-raw/" + std::string(300, 'x') + ".jpg";
  EXPECT_THROW(store.put("bucket-a", long_segment, "x"), Error);
  EXPECT_THROW(store.get("bucket-a", long_segment), Error);
  EXPECT_THROW(store.exists("bucket-a", long_segment), Error);
  EXPECT_FALSE(fs::exists(root / "escape"));
  store.remove("bucket-a", "other/2.jpg");
  EXPECT_FALSE(store.exists("bucket-a", "other/2.jpg"));
  // A crash mid-write leaves only a temporary file, which no listing shows.
  std::ofstream(root / "bucket-a/photos-raw/x/3.jpg.beetroot-tmp-1-1") << "half";
  EXPECT_EQ(store.list("bucket-a", "").size(), 1u);
  fs::remove_all(root);
}

}  // namespace
}  // namespace beetroot
