// JsonWriter: a small streaming JSON serializer for logs, HTTP bodies and API requests.
// Invariant: the output is valid JSON as long as begin/end calls are balanced; strings are
// escaped per RFC 8259 and invalid UTF-8 bytes are replaced by U+FFFD, never passed through.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace patchq::json {

// Appends `text` to `out` as a quoted, escaped JSON string.
void append_quoted(std::string& out, std::string_view text);

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(std::int64_t number);
  JsonWriter& value(std::uint64_t number);
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(unsigned number) { return value(static_cast<std::uint64_t>(number)); }
  JsonWriter& value(long long number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(unsigned long long number) { return value(static_cast<std::uint64_t>(number)); }
  JsonWriter& value(double number);  // NaN and infinities are written as null
  JsonWriter& value(bool flag);
  JsonWriter& null();
  // Inserts already-serialized JSON as one value (caller guarantees validity).
  JsonWriter& raw(std::string_view json);

  // Shorthand for key(name).value(v).
  template <typename T>
  JsonWriter& field(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void before_value();
  std::string out_;
  // One entry per open container: true once it holds an element (a comma is due).
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

}  // namespace patchq::json
