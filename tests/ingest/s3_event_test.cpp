// S3 "ObjectCreated" events: keys decoded as S3 encodes them, malformed events refused.
#include <gtest/gtest.h>

#include "base/error.h"
#include "ingest/s3_event.h"

namespace beetroot {
namespace {

TEST(S3Event, DecodesKeysAndRefusesMalformedEvents) {
  const auto refs = parse_s3_event(R"({"Records":[
    {"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"photos-raw/summer+trip/%C3%A9t%C3%A9.jpg"}}},
    {"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"b"},"object":{"key":"gone.jpg"}}}]})");
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_EQ(refs[0].key, "photos-raw/summer trip/été.jpg");
  EXPECT_THROW(parse_s3_event("not json"), Error);
  EXPECT_THROW(parse_s3_event(R"({"records": []})"), Error);
  EXPECT_THROW(parse_s3_event(R"({"Records":[{"s3":{"bucket":{}}}]})"), Error);
  EXPECT_THROW(url_decode_s3_key("bad%2"), Error);
}

}  // namespace
}  // namespace beetroot
