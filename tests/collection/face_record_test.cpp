// Face ids: derived from the collection, the photo and the face's place in it, so a retry finds
// the ids the first attempt stored.
#include <gtest/gtest.h>

#include <cctype>

#include "collection/face_record.h"

namespace beetroot {
namespace {

TEST(FaceIds, AreLowerCaseUuidsDerivedFromPhotoAndIndex) {
  const std::string id = face_id_for("c", "photo", 1);
  EXPECT_EQ(id, face_id_for("c", "photo", 1));
  EXPECT_NE(id, face_id_for("c", "photo", 2));
  EXPECT_NE(id, face_id_for("d", "photo", 1));
  ASSERT_EQ(id.size(), 36u);
  for (size_t i : {8u, 13u, 18u, 23u}) EXPECT_EQ(id[i], '-');
  for (char c : id) EXPECT_TRUE(c == '-' || std::isdigit(c) || (c >= 'a' && c <= 'f'));
}

}  // namespace
}  // namespace beetroot
