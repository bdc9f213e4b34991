// See patch_name.hpp for the grammar. Invariants: reading never goes past the name's end,
// and counts are accumulated with a cap so no digit string can overflow.
#include "common/patch/patch_name.hpp"

#include <cstdint>

namespace patchq::patch {
namespace {

bool is_letter(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}
bool is_space(char c) {
  return c == ' ' || c == '\t';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equals_ignoring_case(std::string_view text, std::string_view keyword) {
  if (text.size() != keyword.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (lower(text[i]) != lower(keyword[i])) return false;
  }
  return true;
}

// Reads the grid that starts at name[pos] == '('.
class GridReader {
 public:
  GridReader(std::string_view name, std::size_t pos, int max_grid)
      : name_(name), pos_(pos + 1), max_(max_grid) {}

  PatchName read() {
    skip_spaces();
    int rows = 0;
    if (!count("rows", "'('", rows)) return failure_;
    skip_spaces();
    if (!separator()) return malformed("expected 'x' or '×' between rows and columns");
    skip_spaces();
    int cols = 0;
    if (!count("columns", "the 'x'", cols)) return failure_;
    skip_spaces();
    if (pos_ >= name_.size() || name_[pos_] != ')')
      return malformed("expected ')' after the column count");
    return PatchName{PatchNameKind::patch, GridSize{rows, cols}, {}};
  }

 private:
  void skip_spaces() {
    while (pos_ < name_.size() && is_space(name_[pos_])) ++pos_;
  }
  bool separator() {
    if (pos_ < name_.size() && (name_[pos_] == 'x' || name_[pos_] == 'X')) {
      ++pos_;
      return true;
    }
    if (name_.substr(pos_, 2) == "\xC3\x97") {  // U+00D7 MULTIPLICATION SIGN
      pos_ += 2;
      return true;
    }
    return false;
  }
  bool count(const char* what, const char* after, int& out) {
    const std::size_t start = pos_;
    std::int64_t value = 0;
    while (pos_ < name_.size() && is_digit(name_[pos_])) {
      if (value <= max_) value = value * 10 + (name_[pos_] - '0');  // capped: cannot overflow
      ++pos_;
    }
    if (pos_ == start) {
      malformed(std::string("expected a number of ") + what + " after " + after);
      return false;
    }
    if (value < 1 || value > max_) {
      std::string digits(name_.substr(start, pos_ - start));
      if (digits.size() > 20) digits = digits.substr(0, 20) + "...";
      malformed(std::string("grid ") + what + " must be 1.." + std::to_string(max_) + ", got " +
                digits);
      return false;
    }
    out = static_cast<int>(value);
    return true;
  }
  PatchName malformed(std::string reason) {
    failure_ = PatchName{PatchNameKind::malformed, {}, "malformed grid: " + std::move(reason)};
    return failure_;
  }

  std::string_view name_;
  std::size_t pos_;
  int max_;
  PatchName failure_;
};

}  // namespace

PatchName classify_patch_name(std::string_view name, const PatchNameRules& rules) {
  const int max_grid = rules.max_grid < 1 ? 1 : rules.max_grid;
  bool matched = false;
  for (std::size_t pos = 0; pos < name.size(); ++pos) {
    if (pos > 0 && is_letter(static_cast<unsigned char>(name[pos - 1]))) continue;
    for (const std::string& keyword : rules.keywords) {
      if (keyword.empty() || name.size() - pos < keyword.size()) continue;
      if (!equals_ignoring_case(name.substr(pos, keyword.size()), keyword)) continue;
      std::size_t end = pos + keyword.size();
      if (end < name.size() && is_letter(static_cast<unsigned char>(name[end]))) continue;
      matched = true;
      while (end < name.size() && is_space(name[end])) ++end;
      if (end < name.size() && name[end] == '(') return GridReader(name, end, max_grid).read();
    }
  }
  if (!matched) return {};
  return PatchName{PatchNameKind::patch, GridSize{1, 1}, {}};
}

}  // namespace patchq::patch
