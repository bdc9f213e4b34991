// Object keys: joined under the prefix, encoded segment by segment for URLs, odd ones refused.
#include "common/storage/object_key.hpp"

#include <gtest/gtest.h>

namespace patchq::storage {
namespace {

TEST(ObjectKey, JoinsUnderThePrefix) {
  EXPECT_EQ(join_key("a/b", "t.png"), "a/b/t.png");
  EXPECT_EQ(join_key("", "t.png"), "t.png");
}

TEST(ObjectKey, EncodesEachSegmentAndKeepsTheSlashes) {
  EXPECT_EQ(encode_key_path("run 1/a+b%c&d=e é.png"), "run%201/a%2Bb%25c%26d%3De%20%C3%A9.png");
  EXPECT_EQ(encode_key_path("A-z_0.~"), "A-z_0.~");
}

TEST(ObjectKey, RefusesKeysAServerWouldRewrite) {
  EXPECT_EQ(key_problem("a/b.png"), "");
  EXPECT_EQ(key_problem(""), "empty object key");
  EXPECT_EQ(key_problem("a//b"), "object key \"a//b\" has an empty segment");
  EXPECT_EQ(key_problem("a/../b"), "object key \"a/../b\" has a \".\" or \"..\" segment");
  EXPECT_EQ(key_problem("a\nb"), "object key has a control character");
}

}  // namespace
}  // namespace patchq::storage
