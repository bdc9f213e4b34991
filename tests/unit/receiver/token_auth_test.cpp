// The shared-token check: both header forms V7 operators use, and everything else refused.
#include "common/auth/token_auth.hpp"

#include <gtest/gtest.h>

namespace patchq::auth {
namespace {

TEST(TokenAuth, AcceptsTheBearerForm) {
  const TokenAuth auth("s3cret-token");
  EXPECT_TRUE(auth.accepts("Bearer s3cret-token"));
}

TEST(TokenAuth, AcceptsTheBareTokenAsV7SendsTheConfiguredValueVerbatim) {
  const TokenAuth auth("s3cret-token");
  EXPECT_TRUE(auth.accepts("s3cret-token"));
}

TEST(TokenAuth, TreatsTheSchemeCaseInsensitivelyAndIgnoresSurroundingSpaces) {
  const TokenAuth auth("tok");
  EXPECT_TRUE(auth.accepts("bearer tok"));
  EXPECT_TRUE(auth.accepts("BEARER   tok  "));
  EXPECT_TRUE(auth.accepts("  tok"));
}

TEST(TokenAuth, AcceptsAConfiguredValueThatItselfStartsWithBearer) {
  // An operator may configure the whole header value, scheme included, on both sides.
  const TokenAuth auth("Bearer abc");
  EXPECT_TRUE(auth.accepts("Bearer abc"));
}

TEST(TokenAuth, RefusesAWrongToken) {
  const TokenAuth auth("s3cret-token");
  EXPECT_FALSE(auth.accepts("Bearer s3cret-tokeN"));
  EXPECT_FALSE(auth.accepts("other"));
}

TEST(TokenAuth, RefusesPrefixesAndExtensionsOfTheToken) {
  // The compare is over digests, so a shorter or longer candidate never matches partway.
  const TokenAuth auth("s3cret-token");
  EXPECT_FALSE(auth.accepts("Bearer s3cret"));
  EXPECT_FALSE(auth.accepts("s3cret-token-and-more"));
}

TEST(TokenAuth, RefusesAnEmptyOrSchemeOnlyHeader) {
  const TokenAuth auth("s3cret-token");
  EXPECT_FALSE(auth.accepts(""));
  EXPECT_FALSE(auth.accepts("   "));
  EXPECT_FALSE(auth.accepts("Bearer"));
  EXPECT_FALSE(auth.accepts("Bearer "));
}

TEST(TokenAuth, RefusesOtherSchemesCarryingTheToken) {
  const TokenAuth auth("tok");
  EXPECT_FALSE(auth.accepts("Basic tok"));
  EXPECT_FALSE(auth.accepts("Bearertok"));
}

TEST(ConstantTimeEquality, ComparesStringsOfAnyLength) {
  EXPECT_TRUE(equal_in_constant_time("abc", "abc"));
  EXPECT_FALSE(equal_in_constant_time("abc", "abd"));
  EXPECT_FALSE(equal_in_constant_time("abc", "abcd"));
  EXPECT_TRUE(equal_in_constant_time("", ""));
}

}  // namespace
}  // namespace patchq::auth
