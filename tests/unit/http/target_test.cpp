// parse_target: percent-decoding of paths and queries, and what counts as malformed.
#include "common/http/target.hpp"

#include <gtest/gtest.h>

namespace patchq::http {
namespace {

TEST(ParseTarget, SplitsPathAndQuery) {
  const auto t = parse_target("/webhook?target=street-scenes&x=1");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->path, "/webhook");
  EXPECT_EQ(t->query.at("target"), "street-scenes");
  EXPECT_EQ(t->query.at("x"), "1");
}

TEST(ParseTarget, DecodesPercentEscapesInPathAndQuery) {
  const auto t = parse_target("/_sim/datasets/a%20b/items/c%2Fd.png?name=x%26y%3Dz&u=%C3%A9");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->path, "/_sim/datasets/a b/items/c/d.png");
  EXPECT_EQ(t->query.at("name"), "x&y=z");
  EXPECT_EQ(t->query.at("u"), "\xC3\xA9");
}

TEST(ParseTarget, PlusIsASpaceInTheQueryOnly) {
  const auto t = parse_target("/a+b?q=c+d");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->path, "/a+b");
  EXPECT_EQ(t->query.at("q"), "c d");
}

TEST(ParseTarget, KeysWithoutValuesAndEmptyPairs) {
  const auto t = parse_target("/p?flag&&empty=&k=v");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->query.size(), 3u);
  EXPECT_EQ(t->query.at("flag"), "");
  EXPECT_EQ(t->query.at("empty"), "");
}

TEST(ParseTarget, RepeatedKeyKeepsTheFirstValue) {
  const auto t = parse_target("/p?k=first&k=second");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->query.at("k"), "first");
}

TEST(ParseTarget, FragmentIsIgnored) {
  const auto t = parse_target("/p?k=v#frag");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->query.at("k"), "v");
}

TEST(ParseTarget, MalformedEscapesAreRejected) {
  EXPECT_FALSE(parse_target("/a%G1").has_value());
  EXPECT_FALSE(parse_target("/a%4").has_value());
  EXPECT_FALSE(parse_target("/a%").has_value());
  EXPECT_FALSE(parse_target("/a?k=%zz").has_value());
  EXPECT_FALSE(parse_target("/a?%=v").has_value());
}

TEST(ParseTarget, NonOriginFormIsRejected) {
  EXPECT_FALSE(parse_target("").has_value());
  EXPECT_FALSE(parse_target("*").has_value());
  EXPECT_FALSE(parse_target("http://example.com/").has_value());
}

TEST(PercentEncode, RoundTripsThroughDecode) {
  const std::string raw = "tile r0c1 (4x6)/é&=?";
  const std::string encoded = percent_encode(raw);
  EXPECT_EQ(encoded.find_first_of(" /&=?()"), std::string::npos);
  EXPECT_EQ(percent_decode(encoded, false), raw);
}

}  // namespace
}  // namespace patchq::http
