#include "common/json/json_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace patchq::json {
namespace {

TEST(JsonWriter, WritesNestedObjectsAndArraysWithCommas) {
  JsonWriter w;
  w.begin_object().field("a", 1).key("list").begin_array().value("x").value(true).null();
  w.end_array().field("b", 2.5).end_object();
  EXPECT_EQ(w.str(), R"({"a":1,"list":["x",true,null],"b":2.5})");
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControlCharacters) {
  std::string out;
  append_quoted(out, std::string("a\"b\\c\nd\x01", 8));
  EXPECT_EQ(out, R"("a\"b\\c\nd\u0001")");
}

TEST(JsonWriter, ReplacesInvalidUtf8AndKeepsValidMultibyte) {
  std::string out;
  append_quoted(out, "\xC3\xA9 \xFF \xE2\x82");
  EXPECT_EQ(out, "\"\xC3\xA9 \xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(JsonWriter, WritesNonFiniteNumbersAsNull) {
  JsonWriter w;
  w.begin_array().value(std::nan("")).value(INFINITY).value(std::int64_t{-7}).end_array();
  EXPECT_EQ(w.str(), "[null,null,-7]");
}

}  // namespace
}  // namespace patchq::json
