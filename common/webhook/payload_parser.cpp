// See payload_parser.hpp. One pass over the document with simdjson On-Demand: every object is
// walked field by field (so key order never matters), the fields patchq needs are read and
// checked, the rest are skipped. Invariants: no exception leaves this file (simdjson is used
// through error codes only); every failure yields one line "<field path>: <what was wrong>";
// a key patchq reads may appear only once per object (duplicates are ambiguous, so refused).
#include "common/webhook/payload_parser.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/webhook/json_depth.hpp"

namespace patchq::webhook {
namespace {

namespace od = simdjson::ondemand;
static_assert(kPayloadPadding == simdjson::SIMDJSON_PADDING,
              "padding contract must match simdjson");

// One step of the path from the root to the value being read. Frames live on the stack and
// the path text is only rendered when something fails, so the happy path allocates nothing.
struct FieldPath {
  const FieldPath* parent = nullptr;
  std::string_view key;
  std::int64_t index = -1;  // >= 0 for array elements

  FieldPath member(std::string_view name) const { return FieldPath{this, name, -1}; }
  FieldPath element(std::int64_t i) const { return FieldPath{this, {}, i}; }
};

std::string render(const FieldPath& at) {
  std::vector<const FieldPath*> chain;
  for (const FieldPath* f = &at; f->parent != nullptr; f = f->parent) chain.push_back(f);
  if (chain.empty()) return "payload";
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if ((*it)->index >= 0) {
      out += '[';
      out += std::to_string((*it)->index);
      out += ']';
    } else {
      if (!out.empty()) out += '.';
      out += (*it)->key;
    }
  }
  return out;
}

const char* type_name(od::json_type type) {
  switch (type) {
    case od::json_type::array:
      return "an array";
    case od::json_type::object:
      return "an object";
    case od::json_type::number:
      return "a number";
    case od::json_type::string:
      return "a string";
    case od::json_type::boolean:
      return "a boolean";
    case od::json_type::null:
      return "null";
  }
  return "an unknown value";
}

std::string format_number(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", value);
  return buf;
}

// A user-supplied string quoted for a one-line reason: control characters become '?', and
// the text is cut at 40 bytes on a UTF-8 character boundary.
std::string quote(std::string_view text) {
  constexpr std::size_t kMax = 40;
  std::string out = "\"";
  std::size_t n = text.size();
  if (n > kMax) {
    n = kMax;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    out += (c < 0x20 || c == 0x7F) ? '?' : static_cast<char>(c);
  }
  if (n < text.size()) out += "...";
  out += '"';
  return out;
}

// How the "annotations" array is laid out: a flat list (Darwin JSON 2.0) or a list of lists,
// one per file (legacy, where patchq reads annotations[0]).
enum class Nesting { unknown, flat, per_file };

class Reader {
 public:
  explicit Reader(const ParseOptions& options) : options_(options) {}

  const std::string& error() const { return error_; }

  bool parse_root(od::document& doc, Item& item);
  // V7's answer to GET .../items/{id}/annotations: a list of annotations, or an object with
  // an "annotations" list.
  bool parse_annotations_reply(od::document& doc, Item& item);

 private:
  // ---- failure helpers: each returns false so callers can `return fail(...)`.
  bool fail(const FieldPath& at, std::string_view what) {
    error_ = render(at);
    error_ += ": ";
    error_ += what;
    return false;
  }
  bool fail_json(const FieldPath& at, simdjson::error_code code) {
    json_broken_ = true;
    return fail(at, std::string("invalid JSON (") + simdjson::error_message(code) + ")");
  }
  bool missing(const FieldPath& at, std::string_view name) {
    return fail(at.member(name), "missing");
  }
  // Marks `bit` in `seen`; refuses a key that appears twice in one object.
  bool first_time(unsigned& seen, unsigned bit, const FieldPath& at) {
    if ((seen & bit) != 0) return fail(at, "duplicate key");
    seen |= bit;
    return true;
  }

  // ---- typed readers.
  bool type_of(od::value& v, const FieldPath& at, od::json_type& type) {
    if (auto code = v.type().get(type)) return fail_json(at, code);
    return true;
  }
  bool expect(od::value& v, const FieldPath& at, od::json_type want, const char* want_name) {
    od::json_type type{};
    if (!type_of(v, at, type)) return false;
    if (type != want)
      return fail(at, std::string("expected ") + want_name + ", got " + type_name(type));
    return true;
  }
  bool read_string(od::value& v, const FieldPath& at, std::string& out, bool non_empty) {
    if (!expect(v, at, od::json_type::string, "a string")) return false;
    std::string_view text;
    if (auto code = v.get_string().get(text)) return fail_json(at, code);
    if (non_empty && text.empty()) return fail(at, "expected a non-empty string");
    out.assign(text);
    return true;
  }
  bool read_number(od::value& v, const FieldPath& at, double lo, double hi, double& out) {
    const auto range = [&] {
      return "expected a finite number in [" + format_number(lo) + ", " + format_number(hi) + "]";
    };
    // NaN and Infinity are not JSON; name them rather than report a structure error.
    const std::string_view token = v.raw_json_token();  // peeks, does not consume
    const std::string_view word = token.substr(0, token.find_first_of(" \t\r\n,}]"));
    for (const std::string_view bad : {"NaN", "nan", "Infinity", "-Infinity", "inf", "-inf"}) {
      if (word == bad)
        return fail(at, range() + ", got " + std::string(word) + " (not valid JSON)");
    }
    if (!expect(v, at, od::json_type::number, "a number")) return false;
    double value = 0;
    if (v.get_double().get(value)) return fail(at, range() + ", got a number out of double range");
    if (!std::isfinite(value) || value < lo || value > hi) {
      return fail(at, range() + ", got " + format_number(value));
    }
    out = value;
    return true;
  }
  // A slot side in pixels: a whole number in 1..kMaxSlotSide, or null (unknown).
  bool read_side(od::value& v, const FieldPath& at, std::optional<std::uint32_t>& out) {
    od::json_type type{};
    if (!type_of(v, at, type)) return false;
    if (type == od::json_type::null) {
      out.reset();
      return true;
    }
    const auto want = [] {
      return "expected a whole number of pixels in [1, " + std::to_string(kMaxSlotSide) +
             "] or null";
    };
    if (type != od::json_type::number) return fail(at, want() + ", got " + type_name(type));
    double value = 0;
    if (v.get_double().get(value) || !std::isfinite(value) || value < 1 || value > kMaxSlotSide ||
        value != std::floor(value)) {
      return fail(at, want());
    }
    out = static_cast<std::uint32_t>(value);
    return true;
  }
  bool is_null(od::value& v, const FieldPath& at, bool& null) {
    od::json_type type{};
    if (!type_of(v, at, type)) return false;
    null = type == od::json_type::null;
    return true;
  }

  // Walks an object's fields in document order: on_field(key, value) -> bool.
  template <typename OnField>
  bool each_field(od::value& v, const FieldPath& at, OnField&& on_field) {
    if (!expect(v, at, od::json_type::object, "an object")) return false;
    od::object object;
    if (auto code = v.get_object().get(object)) return fail_json(at, code);
    return each_field_of(object, at, on_field);
  }
  template <typename OnField>
  bool each_field_of(od::object& object, const FieldPath& at, OnField&& on_field) {
    for (auto member : object) {
      od::field field;
      if (auto code = std::move(member).get(field)) return fail_json(at, code);
      std::string_view key;
      if (auto code = field.unescaped_key().get(key)) return fail_json(at, code);
      if (!on_field(key, field.value())) return false;
    }
    return true;
  }
  // Walks an array's elements: on_element(index, value, path) -> bool.
  template <typename OnElement>
  bool each_element(od::value& v, const FieldPath& at, OnElement&& on_element) {
    if (!expect(v, at, od::json_type::array, "an array")) return false;
    od::array array;
    if (auto code = v.get_array().get(array)) return fail_json(at, code);
    std::int64_t index = 0;
    for (auto element : array) {
      const FieldPath here = at.element(index);
      od::value value;
      if (auto code = std::move(element).get(value)) return fail_json(here, code);
      if (!on_element(index, value, here)) return false;
      ++index;
    }
    return true;
  }

  // ---- the payload's pieces.
  bool parse_box(od::value& v, const FieldPath& at, BoundingBox& box);
  bool parse_keypoint(od::value& v, const FieldPath& at, Keypoint& point);
  bool parse_polygon(od::value& v, const FieldPath& at, BoundingBox& box);
  bool parse_slot_names(od::value& v, const FieldPath& at, std::string& slot_name);
  bool parse_annotation(od::value& v, const FieldPath& at, std::int64_t index, Nesting nesting,
                        Annotation& out);
  bool parse_annotation_list(od::value& v, const FieldPath& at, Nesting nesting, Item& item);
  bool parse_annotations(od::value& v, const FieldPath& at, Item& item);
  bool parse_slot(od::value& v, const FieldPath& at, ImageSlot& slot, std::string& type);
  bool parse_v2_item(od::value& v, const FieldPath& at, Item& item);
  bool parse_legacy_files(od::value& v, const FieldPath& at, Item& item);
  bool parse_slug(od::value& v, const FieldPath& at, std::string& slug);

  const ParseOptions& options_;
  std::string error_;
  Nesting nesting_ = Nesting::unknown;
  bool json_broken_ = false;  // set by fail_json: the document cannot be walked any further
};

bool Reader::parse_box(od::value& v, const FieldPath& at, BoundingBox& box) {
  unsigned seen = 0;
  const bool ok = each_field(v, at, [&](std::string_view key, od::value& value) {
    const FieldPath here = at.member(key);
    if (key == "x")
      return first_time(seen, 1, here) &&
             read_number(value, here, -kMaxCoordinate, kMaxCoordinate, box.x);
    if (key == "y")
      return first_time(seen, 2, here) &&
             read_number(value, here, -kMaxCoordinate, kMaxCoordinate, box.y);
    if (key == "w")
      return first_time(seen, 4, here) && read_number(value, here, 0, kMaxCoordinate, box.w);
    if (key == "h")
      return first_time(seen, 8, here) && read_number(value, here, 0, kMaxCoordinate, box.h);
    return true;
  });
  if (!ok) return false;
  if ((seen & 1) == 0) return missing(at, "x");
  if ((seen & 2) == 0) return missing(at, "y");
  if ((seen & 4) == 0) return missing(at, "w");
  if ((seen & 8) == 0) return missing(at, "h");
  return true;
}

bool Reader::parse_keypoint(od::value& v, const FieldPath& at, Keypoint& point) {
  unsigned seen = 0;
  const bool ok = each_field(v, at, [&](std::string_view key, od::value& value) {
    const FieldPath here = at.member(key);
    if (key == "x")
      return first_time(seen, 1, here) &&
             read_number(value, here, -kMaxCoordinate, kMaxCoordinate, point.x);
    if (key == "y")
      return first_time(seen, 2, here) &&
             read_number(value, here, -kMaxCoordinate, kMaxCoordinate, point.y);
    return true;
  });
  if (!ok) return false;
  if ((seen & 1) == 0) return missing(at, "x");
  if ((seen & 2) == 0) return missing(at, "y");
  return true;
}

bool Reader::parse_polygon(od::value& v, const FieldPath& at, BoundingBox& box) {
  double min_x = kMaxCoordinate, min_y = kMaxCoordinate;
  double max_x = -kMaxCoordinate, max_y = -kMaxCoordinate;
  bool any_point = false;
  const auto read_path = [&](od::value& path, const FieldPath& at_path) {
    return each_element(path, at_path,
                        [&](std::int64_t, od::value& value, const FieldPath& at_point) {
                          Keypoint point;
                          if (!parse_keypoint(value, at_point, point)) return false;
                          min_x = std::min(min_x, point.x);
                          min_y = std::min(min_y, point.y);
                          max_x = std::max(max_x, point.x);
                          max_y = std::max(max_y, point.y);
                          any_point = true;
                          return true;
                        });
  };
  unsigned seen = 0;
  const bool ok = each_field(v, at, [&](std::string_view key, od::value& value) {
    const FieldPath here = at.member(key);
    // Darwin JSON 2.0 writes "paths" (outline, then holes or other parts); 1.0 wrote "path".
    if (key == "paths") {
      return first_time(seen, 1, here) &&
             each_element(value, here,
                          [&](std::int64_t, od::value& path, const FieldPath& at_path) {
                            return read_path(path, at_path);
                          });
    }
    if (key == "path") return first_time(seen, 2, here) && read_path(value, here);
    return true;
  });
  if (!ok) return false;
  if (seen == 0) return missing(at, "paths");
  if (!any_point) return fail(at.member("paths"), "the polygon has no points");
  if (max_x - min_x > kMaxCoordinate || max_y - min_y > kMaxCoordinate) {
    return fail(at.member("paths"), "the polygon is larger than " + format_number(kMaxCoordinate));
  }
  box = BoundingBox{min_x, min_y, max_x - min_x, max_y - min_y};
  return true;
}

bool Reader::parse_slot_names(od::value& v, const FieldPath& at, std::string& slot_name) {
  return each_element(v, at, [&](std::int64_t index, od::value& value, const FieldPath& here) {
    if (index > 0) return true;  // an annotation is cut from its first slot
    return read_string(value, here, slot_name, false);
  });
}

bool Reader::parse_annotation(od::value& v, const FieldPath& at, std::int64_t index,
                              Nesting nesting, Annotation& out) {
  od::json_type type{};
  if (!type_of(v, at, type)) return false;
  if (type != od::json_type::object) {
    out.problem = render(at) + ": expected an annotation object, got " + type_name(type);
    return true;
  }
  // One field's reader, leniently: a value problem is noted (the first one wins) and the walk
  // goes on with the next field; only broken JSON stops the payload.
  const auto lenient = [&](bool read_ok) {
    if (read_ok || json_broken_) return read_ok;
    if (out.problem.empty()) out.problem = std::move(error_);
    error_.clear();
    return true;
  };
  unsigned seen = 0;
  std::optional<BoundingBox> box;
  std::optional<BoundingBox> polygon_box;
  std::optional<Keypoint> point;
  // Reads an optional shape: null means absent, a failed read leaves it absent.
  const auto shape = [&](unsigned bit, const FieldPath& here, od::value& value, auto& slot,
                         auto&& read) {
    bool null = false;
    if (!first_time(seen, bit, here) || !is_null(value, here, null)) return lenient(false);
    if (null) return true;
    if (read(value, here, slot.emplace())) return true;
    slot.reset();
    return lenient(false);
  };
  const bool ok = each_field(v, at, [&](std::string_view key, od::value& value) {
    const FieldPath here = at.member(key);
    if (key == "id")
      return lenient(first_time(seen, 1, here) && read_string(value, here, out.id, true));
    if (key == "name")
      return lenient(first_time(seen, 2, here) && read_string(value, here, out.name, false));
    if (key == "bounding_box") {
      return shape(4, here, value, box, [&](od::value& x, const FieldPath& p, BoundingBox& b) {
        return parse_box(x, p, b);
      });
    }
    if (key == "keypoint") {
      return shape(8, here, value, point, [&](od::value& x, const FieldPath& p, Keypoint& k) {
        return parse_keypoint(x, p, k);
      });
    }
    if (key == "polygon") {
      return shape(
          16, here, value, polygon_box,
          [&](od::value& x, const FieldPath& p, BoundingBox& b) { return parse_polygon(x, p, b); });
    }
    if (key == "slot_names") {
      return lenient(first_time(seen, 32, here) && parse_slot_names(value, here, out.slot_name));
    }
    return true;
  });
  if (!ok) return false;
  if ((seen & 1) == 0) {
    // Legacy annotations may lack ids; their position in the list is stable per payload.
    if (nesting == Nesting::per_file) {
      out.id = "ann" + std::to_string(index);
    } else if (out.problem.empty()) {
      out.problem = render(at.member("id")) + ": missing";
    }
  }
  // A shape's own bounding_box wins over its polygon's points, and both over a keypoint.
  if (box) {
    out.geometry = *box;
  } else if (polygon_box) {
    out.geometry = *polygon_box;
  } else if (point) {
    out.geometry = *point;
  }
  return true;
}

bool Reader::parse_annotation_list(od::value& v, const FieldPath& at, Nesting nesting, Item& item) {
  return each_element(v, at, [&](std::int64_t index, od::value& value, const FieldPath& here) {
    if (item.annotations.size() >= options_.max_annotations) {
      return fail(at, "more than " + std::to_string(options_.max_annotations) + " annotations");
    }
    return parse_annotation(value, here, index, nesting, item.annotations.emplace_back());
  });
}

bool Reader::parse_annotations(od::value& v, const FieldPath& at, Item& item) {
  bool null = false;
  if (!is_null(v, at, null)) return false;
  if (null) {
    item.annotations_included = false;
    return true;
  }
  // The element type tells the layout: objects (2.0) or one list per file (legacy).
  return each_element(v, at, [&](std::int64_t index, od::value& value, const FieldPath& here) {
    od::json_type type{};
    if (!type_of(value, here, type)) return false;
    if (type == od::json_type::object) {
      if (nesting_ == Nesting::per_file) {
        return fail(here, "expected a list of annotations (legacy layout), got an object");
      }
      nesting_ = Nesting::flat;
      if (item.annotations.size() >= options_.max_annotations) {
        return fail(at, "more than " + std::to_string(options_.max_annotations) + " annotations");
      }
      return parse_annotation(value, here, index, Nesting::flat, item.annotations.emplace_back());
    }
    if (type == od::json_type::array) {
      if (nesting_ == Nesting::flat) {
        return fail(here, "expected an annotation object, got an array");
      }
      nesting_ = Nesting::per_file;
      // Legacy: annotations[i] belongs to files[i]; patchq reads files[0] only.
      return index == 0 ? parse_annotation_list(value, here, Nesting::per_file, item) : true;
    }
    // Neither an annotation nor a list of them: nothing patchq could act on.
    if (nesting_ == Nesting::per_file) return true;
    if (item.annotations.size() >= options_.max_annotations) {
      return fail(at, "more than " + std::to_string(options_.max_annotations) + " annotations");
    }
    return parse_annotation(value, here, index, Nesting::flat, item.annotations.emplace_back());
  });
}

// An image slot is read strictly (its file is what the worker downloads); a slot of any other
// type is only named: whatever else it holds is not patchq's business.
bool Reader::parse_slot(od::value& v, const FieldPath& at, ImageSlot& slot, std::string& type) {
  unsigned seen = 0;
  type = "image";  // tolerated when absent: V7 single-image items are images
  std::string first_problem;
  const auto lenient = [&](bool read_ok) {
    if (read_ok || json_broken_) return read_ok;
    if (first_problem.empty()) first_problem = std::move(error_);
    error_.clear();
    return true;
  };
  const bool ok = each_field(v, at, [&](std::string_view key, od::value& value) {
    const FieldPath here = at.member(key);
    if (key == "type") return first_time(seen, 1, here) && read_string(value, here, type, false);
    if (key == "slot_name")
      return lenient(first_time(seen, 2, here) && read_string(value, here, slot.slot_name, false));
    if (key == "width")
      return lenient(first_time(seen, 4, here) && read_side(value, here, slot.width));
    if (key == "height")
      return lenient(first_time(seen, 8, here) && read_side(value, here, slot.height));
    if (key == "source_files") {
      if (!first_time(seen, 16, here)) return lenient(false);
      return lenient(each_element(
          value, here, [&](std::int64_t index, od::value& file, const FieldPath& at_file) {
            if (index > 0) return true;  // an image slot has one file; extra ones are not read
            unsigned file_seen = 0;
            const bool file_ok =
                each_field(file, at_file, [&](std::string_view file_key, od::value& file_value) {
                  const FieldPath here_file = at_file.member(file_key);
                  if (file_key == "file_name")
                    return first_time(file_seen, 1, here_file) &&
                           read_string(file_value, here_file, slot.file_name, false);
                  if (file_key == "url")
                    return first_time(file_seen, 2, here_file) &&
                           read_string(file_value, here_file, slot.file_url, true);
                  return true;
                });
            if (!file_ok) return false;
            if ((file_seen & 2) == 0) return missing(at_file, "url");
            seen |= 32;  // at least one file read
            return true;
          }));
    }
    return true;
  });
  if (!ok) return false;
  if (type != "image") return true;
  if (!first_problem.empty()) {
    error_ = std::move(first_problem);
    return false;
  }
  if ((seen & 16) == 0) return missing(at, "source_files");
  if ((seen & 32) == 0)
    return fail(at.member("source_files"), "expected at least one file, got none");
  return true;
}

bool Reader::parse_v2_item(od::value& v, const FieldPath& at, Item& item) {
  unsigned seen = 0;
  std::int64_t slots = 0;
  std::vector<std::string> other_types;
  const bool ok = each_field(v, at, [&](std::string_view key, od::value& value) {
    const FieldPath here = at.member(key);
    if (key == "name")
      return first_time(seen, 1, here) && read_string(value, here, item.name, true);
    if (key == "path")
      return first_time(seen, 2, here) && read_string(value, here, item.path, false);
    if (key == "source_info") {
      if (!first_time(seen, 4, here)) return false;
      unsigned info_seen = 0;
      const bool info_ok =
          each_field(value, here, [&](std::string_view info_key, od::value& info_value) {
            const FieldPath here_info = here.member(info_key);
            if (info_key == "item_id")
              return first_time(info_seen, 1, here_info) &&
                     read_string(info_value, here_info, item.item_id, true);
            if (info_key == "team")
              return first_time(info_seen, 2, here_info) &&
                     parse_slug(info_value, here_info, item.team_slug);
            if (info_key == "dataset")
              return first_time(info_seen, 4, here_info) &&
                     parse_slug(info_value, here_info, item.dataset_slug);
            return true;
          });
      if (!info_ok) return false;
      if ((info_seen & 1) == 0) return missing(here, "item_id");
      if ((info_seen & 2) == 0) return missing(here, "team");
      if ((info_seen & 4) == 0) return missing(here, "dataset");
      return true;
    }
    if (key == "slots") {
      if (!first_time(seen, 8, here)) return false;
      return each_element(value, here,
                          [&](std::int64_t, od::value& slot, const FieldPath& at_slot) {
                            ++slots;
                            ImageSlot read;
                            std::string type;
                            if (!parse_slot(slot, at_slot, read, type)) return false;
                            if (type != "image") {
                              other_types.push_back(std::move(type));
                              return true;
                            }
                            for (const ImageSlot& earlier : item.image_slots) {
                              if (earlier.slot_name == read.slot_name) {
                                return fail(at_slot.member("slot_name"),
                                            "two image slots are named " + quote(read.slot_name));
                              }
                            }
                            item.image_slots.push_back(std::move(read));
                            return true;
                          });
    }
    return true;
  });
  if (!ok) return false;
  if ((seen & 1) == 0) return missing(at, "name");
  if ((seen & 4) == 0) return missing(at, "source_info");
  if ((seen & 8) == 0) return missing(at, "slots");
  if (item.image_slots.empty()) {
    // Valid input patchq has nothing to cut from (a video, DICOM or PDF item): not a refusal.
    std::string types;
    for (const std::string& type : other_types) {
      if (types.find(quote(type)) != std::string::npos) continue;
      types += types.empty() ? "" : ", ";
      types += quote(type);
    }
    item.unsupported_reason = slots == 0 ? "the item has no slots; patchq cuts image slots only"
                                         : "the item has no image slot (slot types: " + types +
                                               "); patchq cuts image slots only";
  } else {
    item.slot = item.image_slots.front();
  }
  if (item.path.empty()) item.path = "/";
  return true;
}

bool Reader::parse_slug(od::value& v, const FieldPath& at, std::string& slug) {
  unsigned seen = 0;
  const bool ok = each_field(v, at, [&](std::string_view key, od::value& value) {
    const FieldPath here = at.member(key);
    if (key == "slug") return first_time(seen, 1, here) && read_string(value, here, slug, true);
    return true;
  });
  if (!ok) return false;
  if (seen == 0) return missing(at, "slug");
  return true;
}

bool Reader::parse_legacy_files(od::value& v, const FieldPath& at, Item& item) {
  bool any = false;
  const bool ok =
      each_element(v, at, [&](std::int64_t index, od::value& file, const FieldPath& here) {
        if (index > 0) return true;  // the original server read files[0] only
        unsigned seen = 0;
        const bool file_ok = each_field(file, here, [&](std::string_view key, od::value& value) {
          const FieldPath here_key = here.member(key);
          if (key == "filename")
            return first_time(seen, 1, here_key) && read_string(value, here_key, item.name, true);
          if (key == "url")
            return first_time(seen, 2, here_key) &&
                   read_string(value, here_key, item.slot.file_url, true);
          return true;
        });
        if (!file_ok) return false;
        if ((seen & 1) == 0) return missing(here, "filename");
        if ((seen & 2) == 0) return missing(here, "url");
        any = true;
        return true;
      });
  if (!ok) return false;
  if (!any) return fail(at, "expected at least one file, got none");
  return true;
}

bool Reader::parse_root(od::document& doc, Item& item) {
  const FieldPath root{};
  od::json_type type{};
  if (auto code = doc.type().get(type)) return fail_json(root, code);
  if (type != od::json_type::object) {
    return fail(root, std::string("expected a JSON object, got ") + type_name(type));
  }
  od::object object;
  if (auto code = doc.get_object().get(object)) return fail_json(root, code);

  enum : unsigned {
    kVersion = 1,
    kItem = 2,
    kAnnotations = 4,
    kFiles = 8,
    kTeam = 16,
    kDataset = 32,
    kEventType = 64
  };
  unsigned seen = 0;
  std::string version;
  const bool ok = each_field_of(object, root, [&](std::string_view key, od::value& value) {
    const FieldPath here = root.member(key);
    if (key == "version") {
      if (!first_time(seen, kVersion, here) || !read_string(value, here, version, false))
        return false;
      if (version.rfind("2.", 0) != 0) {
        return fail(here,
                    "unsupported Darwin JSON version " + quote(version) + "; patchq reads 2.x");
      }
      return true;
    }
    if (key == "item") return first_time(seen, kItem, here) && parse_v2_item(value, here, item);
    if (key == "annotations")
      return first_time(seen, kAnnotations, here) && parse_annotations(value, here, item);
    if (key == "files")
      return first_time(seen, kFiles, here) && parse_legacy_files(value, here, item);
    if (key == "team_info")
      return first_time(seen, kTeam, here) && parse_slug(value, here, item.team_slug);
    if (key == "dataset_info")
      return first_time(seen, kDataset, here) && parse_slug(value, here, item.dataset_slug);
    if (key == "event_type") seen |= kEventType;
    return true;
  });
  if (!ok) return false;
  // current_location() answers OUT_OF_BOUNDS once every token has been consumed.
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS) {
    return fail(root, "unexpected content after the JSON object");
  }
  if ((seen & kAnnotations) == 0) item.annotations_included = false;

  if ((seen & kItem) != 0 && (seen & kFiles) != 0) {
    return fail(root,
                "has both \"item\" (Darwin JSON 2.0) and \"files\" (legacy); expected one shape");
  }
  if ((seen & kItem) != 0) {
    item.shape = PayloadShape::darwin_v2;
    if (nesting_ == Nesting::per_file) {
      return fail(root.member("annotations").element(0),
                  "expected an annotation object (Darwin JSON 2.0), got an array");
    }
    return true;
  }
  if ((seen & kFiles) != 0) {
    item.shape = PayloadShape::legacy_2022;
    if (nesting_ == Nesting::flat) {
      return fail(root.member("annotations").element(0),
                  "expected a list of annotations (legacy layout), got an object");
    }
    if ((seen & kTeam) == 0) return missing(root, "team_info");
    if ((seen & kDataset) == 0) return missing(root, "dataset_info");
    item.path = "/";
    item.slot.file_name = item.name;
    item.image_slots = {item.slot};
    item.item_id = legacy_item_id(item.slot.file_url);
    return true;
  }
  if ((seen & kEventType) != 0) {
    return fail(root,
                "a V7 dataset-event webhook (\"event_type\"); patchq takes workflow webhook-stage "
                "deliveries only (see patchq's docs/RECEIVER.md)");
  }
  return fail(root, "neither Darwin JSON 2.0 (\"item\") nor legacy (\"files\") shape");
}

bool Reader::parse_annotations_reply(od::document& doc, Item& item) {
  const FieldPath root{};
  od::value value;
  if (auto code = doc.get_value().get(value)) return fail_json(root, code);
  od::json_type type{};
  if (!type_of(value, root, type)) return false;
  bool found = false;
  if (type == od::json_type::array) {
    found = true;
    if (!parse_annotations(value, root.member("annotations"), item)) return false;
  } else if (type == od::json_type::object) {
    od::object object;
    if (auto code = value.get_object().get(object)) return fail_json(root, code);
    unsigned seen = 0;
    const bool ok = each_field_of(object, root, [&](std::string_view key, od::value& field) {
      const FieldPath here = root.member(key);
      if (key != "annotations") return true;
      found = true;
      return first_time(seen, 1, here) && parse_annotations(field, here, item);
    });
    if (!ok) return false;
  } else {
    return fail(root, std::string("expected a list of annotations, got ") + type_name(type));
  }
  if (!found) return missing(root, "annotations");
  if (nesting_ == Nesting::per_file) {
    return fail(root.member("annotations").element(0),
                "expected an annotation object (Darwin JSON 2.0), got an array");
  }
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS) {
    return fail(root, "unexpected content after the JSON value");
  }
  return true;
}

}  // namespace

struct PayloadParser::State {
  explicit State(ParseOptions o) : options(o) {}
  ParseOptions options;
  od::parser parser;
  std::string copy;  // parse_copy's padded buffer, reused across calls
};

PayloadParser::PayloadParser(ParseOptions options) : state_(std::make_unique<State>(options)) {}
PayloadParser::~PayloadParser() = default;

ParseResult PayloadParser::parse_padded(std::string_view json) {
  if (nesting_exceeds(json, state_->options.max_depth)) {
    return fail("payload: nesting deeper than " + std::to_string(state_->options.max_depth) +
                " levels");
  }
  od::document doc;
  const simdjson::padded_string_view padded(json.data(), json.size(),
                                            json.size() + kPayloadPadding);
  if (auto code = state_->parser.iterate(padded).get(doc)) {
    return fail(std::string("payload: invalid JSON (") + simdjson::error_message(code) + ")");
  }
  Item item;
  Reader reader(state_->options);
  if (!reader.parse_root(doc, item)) return fail(reader.error());
  return item;
}

Result<std::vector<Annotation>> PayloadParser::parse_annotations_reply(std::string_view json) {
  if (nesting_exceeds(json, state_->options.max_depth)) {
    return fail("annotations: nesting deeper than " + std::to_string(state_->options.max_depth) +
                " levels");
  }
  std::string& copy = state_->copy;
  copy.reserve(json.size() + kPayloadPadding);
  copy.assign(json);
  od::document doc;
  const simdjson::padded_string_view padded(copy.data(), copy.size(),
                                            copy.size() + kPayloadPadding);
  if (auto code = state_->parser.iterate(padded).get(doc)) {
    return fail(std::string("annotations: invalid JSON (") + simdjson::error_message(code) + ")");
  }
  Item item;
  Reader reader(state_->options);
  if (!reader.parse_annotations_reply(doc, item)) return fail(reader.error());
  return std::move(item.annotations);
}

ParseResult PayloadParser::parse_in_place(std::string& body) {
  if (body.capacity() < body.size() + kPayloadPadding) body.reserve(body.size() + kPayloadPadding);
  return parse_padded(body);
}

ParseResult PayloadParser::parse_copy(std::string_view json) {
  std::string& copy = state_->copy;
  copy.reserve(json.size() + kPayloadPadding);
  copy.assign(json);
  return parse_padded(copy);
}

ParseResult parse_payload(std::string_view json) {
  thread_local PayloadParser parser;
  return parser.parse_copy(json);
}

ParseResult parse_payload_in_place(std::string& body) {
  thread_local PayloadParser parser;
  return parser.parse_in_place(body);
}

}  // namespace patchq::webhook
