// nesting_exceeds: brackets count only outside strings, escapes are honoured.
#include "common/webhook/json_depth.hpp"

#include <gtest/gtest.h>

#include <string>

namespace patchq::webhook {
namespace {

TEST(NestingExceeds, CountsArraysAndObjectsTogether) {
  EXPECT_FALSE(nesting_exceeds(R"({"a": [{"b": [1]}]})", 4));
  EXPECT_TRUE(nesting_exceeds(R"({"a": [{"b": [1]}]})", 3));
}

TEST(NestingExceeds, MeasuresDepthNotTheNumberOfContainers) {
  std::string wide = "[";
  for (int i = 0; i < 1000; ++i) wide += "[],";
  wide += "[]]";
  EXPECT_FALSE(nesting_exceeds(wide, 2));
}

TEST(NestingExceeds, IgnoresBracketsInsideStrings) {
  const std::string brackets(200, '[');
  EXPECT_FALSE(nesting_exceeds(R"({"k": ")" + brackets + R"("})", 1));
}

TEST(NestingExceeds, HonoursEscapedQuotesAndBackslashes) {
  // The string is  a\"[[[  : the escaped quote does not end it.
  EXPECT_FALSE(nesting_exceeds(R"(["a\"[[[["])", 1));
  // The string is  a\\  : the quote after the escaped backslash ends it.
  EXPECT_TRUE(nesting_exceeds(R"(["a\\", [[]]])", 2));
}

TEST(NestingExceeds, StopsSafelyOnUnterminatedInput) {
  EXPECT_FALSE(nesting_exceeds(R"(["abc)", 5));
  EXPECT_FALSE(nesting_exceeds("[\"abc\\", 5));
  EXPECT_FALSE(nesting_exceeds("", 0));
}

TEST(NestingExceeds, FindsDepthPastTheFirstSixteenBytes) {
  // Long strings and runs of plain bytes exercise the 16-byte stride and the scalar tail.
  const std::string padding(37, ' ');
  const std::string text =
      "[" + padding + "\"" + std::string(45, 'x') + "\"," + padding + "[[" + padding + "]]]";
  EXPECT_FALSE(nesting_exceeds(text, 3));
  EXPECT_TRUE(nesting_exceeds(text, 2));
}

}  // namespace
}  // namespace patchq::webhook
