// Target slug validation.
#include "services/receiver/target_slug.hpp"

#include <gtest/gtest.h>

namespace patchq::receiver {
namespace {

TEST(TargetSlug, AcceptsV7StyleSlugs) {
  EXPECT_EQ(slug_problem("street-scenes", "target"), std::nullopt);
  EXPECT_EQ(slug_problem("crops_2024.v2", "target"), std::nullopt);
  EXPECT_EQ(slug_problem("A1", "target"), std::nullopt);
  EXPECT_EQ(slug_problem(std::string(kMaxSlugLength, 'a'), "target"), std::nullopt);
}

TEST(TargetSlug, RefusesEmptyAndTooLong) {
  EXPECT_EQ(*slug_problem("", "target"), "target: must not be empty");
  EXPECT_NE(slug_problem(std::string(kMaxSlugLength + 1, 'a'), "target")->find("longer than 128"),
            std::string::npos);
}

TEST(TargetSlug, RefusesCharactersOutsideTheSlugAlphabet) {
  for (const char* bad : {"a/b", "a b", "a:b", "a%2f", "ä", "a\nb", "a*"}) {
    EXPECT_TRUE(slug_problem(bad, "target").has_value()) << bad;
  }
}

TEST(TargetSlug, RefusesALeadingDotOrHyphen) {
  EXPECT_TRUE(slug_problem("..", "target").has_value());
  EXPECT_TRUE(slug_problem("-x", "target").has_value());
}

}  // namespace
}  // namespace patchq::receiver
