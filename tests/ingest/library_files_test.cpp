// Which files of a library folder are photos.
#include <gtest/gtest.h>

#include "ingest/library_scan.h"

namespace beetroot {
namespace {

TEST(LibraryFiles, PhotosAreTakenByExtensionAndSidecarsAreNot) {
  for (const std::string name : {"a.jpg", "B.JPEG", "IMG_0001.HEIC", "x.avif", "scan.tif", "raw.CR3", "raw.nef", "r.dng", "anim.gif"})
    EXPECT_TRUE(is_photo_file_name(name)) << name;
  for (const std::string name : {"a.xmp", "movie.mov", "clip.mp4", "notes.txt", "jpg", ".jpg", "Thumbs.db"})
    EXPECT_FALSE(is_photo_file_name(name)) << name;
}

}  // namespace
}  // namespace beetroot
