// JsonView: tests read the simulator's JSON answers through simdjson with one line per field.
#pragma once

#include <simdjson.h>

#include <stdexcept>
#include <string>

namespace patchq::v7sim::testing {

class JsonView {
 public:
  explicit JsonView(const std::string& text) : padded_(text) {
    if (parser_.parse(padded_).get(root_) != simdjson::SUCCESS) {
      throw std::runtime_error("not JSON: " + text);
    }
  }
  simdjson::dom::element root() const { return root_; }
  // "a.b.0.c" -> the element there (throws when missing).
  simdjson::dom::element at(const std::string& dotted) const {
    std::string pointer = "/";
    for (const char c : dotted) pointer += c == '.' ? '/' : c;
    simdjson::dom::element e;
    if (root_.at_pointer(dotted.empty() ? "" : pointer).get(e) != simdjson::SUCCESS) {
      throw std::runtime_error("no " + dotted);
    }
    return e;
  }
  std::string str(const std::string& dotted) const {
    std::string_view v;
    if (at(dotted).get_string().get(v) != simdjson::SUCCESS) throw std::runtime_error(dotted);
    return std::string(v);
  }
  std::int64_t num(const std::string& dotted) const {
    std::int64_t v = 0;
    if (at(dotted).get_int64().get(v) != simdjson::SUCCESS) throw std::runtime_error(dotted);
    return v;
  }
  std::size_t size(const std::string& dotted) const {
    simdjson::dom::array a;
    if (at(dotted).get_array().get(a) != simdjson::SUCCESS) throw std::runtime_error(dotted);
    return a.size();
  }
  bool has(const std::string& dotted) const {
    std::string pointer = "/";
    for (const char c : dotted) pointer += c == '.' ? '/' : c;
    simdjson::dom::element e;
    return root_.at_pointer(pointer).get(e) == simdjson::SUCCESS;
  }

 private:
  simdjson::padded_string padded_;
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

}  // namespace patchq::v7sim::testing
