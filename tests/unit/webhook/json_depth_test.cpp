// nesting_exceeds: brackets count only outside strings, escapes are honoured.
#include "common/webhook/json_depth.hpp"

#include <gtest/gtest.h>

#include <random>
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

// Reference: the deepest nesting reached, byte by byte, with the same string/escape rules.
std::size_t reference_depth(const std::string& text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

TEST(NestingExceeds, AgreesWithAByteByByteReferenceOnRandomText) {
  // Random mixes of brackets, quotes, backslashes and filler cross every 16-byte block edge.
  const std::string alphabet = "[]{}\"\\a [[{{";
  std::mt19937 rng(1234);
  for (int round = 0; round < 3000; ++round) {
    std::string text(rng() % 120, ' ');
    for (char& c : text) c = alphabet[rng() % alphabet.size()];
    const std::size_t deepest = reference_depth(text);
    for (std::size_t limit :
         {std::size_t{0}, deepest > 0 ? deepest - 1 : 0, deepest, deepest + 1}) {
      ASSERT_EQ(nesting_exceeds(text, limit), deepest > limit) << text << " limit " << limit;
    }
  }
}

}  // namespace
}  // namespace patchq::webhook
