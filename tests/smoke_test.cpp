#include <gtest/gtest.h>
#include "inference/layers.h"
TEST(Padding, TfSameStrideTwoEvenInputPadsBottomRight) {
  auto p = beetroot::same_padding(512, 512, 3, 2);
  EXPECT_EQ(p.top, 0u);
  EXPECT_EQ(p.bottom, 1u);
}
