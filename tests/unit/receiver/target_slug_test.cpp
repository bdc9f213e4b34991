// Target slug validation.
#include "common/queue/target_slug.hpp"

#include <gtest/gtest.h>

namespace patchq::queue {
namespace {

TEST(TargetSlug, AcceptsV7StyleSlugs) {
  EXPECT_TRUE(check_slug("street-scenes", "target"));
  EXPECT_TRUE(check_slug("crops_2024.v2", "target"));
  EXPECT_TRUE(check_slug("A1", "target"));
  EXPECT_TRUE(check_slug(std::string(kMaxSlugLength, 'a'), "target"));
}

TEST(TargetSlug, RefusesEmptyAndTooLong) {
  EXPECT_EQ(check_slug("", "target").error().reason, "target: must not be empty");
  EXPECT_NE(check_slug(std::string(kMaxSlugLength + 1, 'a'), "target")
                .error()
                .reason.find("longer than 128"),
            std::string::npos);
}

TEST(TargetSlug, RefusesCharactersOutsideTheSlugAlphabet) {
  for (const char* bad : {"a/b", "a b", "a:b", "a%2f", "ä", "a\nb", "a*"}) {
    EXPECT_FALSE(check_slug(bad, "target")) << bad;
  }
}

TEST(TargetSlug, RefusesALeadingDotOrHyphen) {
  EXPECT_FALSE(check_slug("..", "target"));
  EXPECT_FALSE(check_slug("-x", "target"));
}

}  // namespace
}  // namespace patchq::queue
