#include "common/patch/tile_flags.hpp"

#include <sstream>

namespace patchq::patch {
namespace {

std::vector<std::string> split_keywords(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string word;
  while (std::getline(in, word, ',')) {
    const auto first = word.find_first_not_of(" \t");
    const auto last = word.find_last_not_of(" \t");
    if (first != std::string::npos) out.push_back(word.substr(first, last - first + 1));
  }
  return out;
}

}  // namespace

void add_tile_flags(config::FlagSet& flags, TileFlags& v) {
  flags.add_string("format", &v.format, "PATCHQ_TILE_FORMAT", "tile format: png, jpeg or webp")
      .add_int("quality", &v.quality, "PATCHQ_TILE_QUALITY",
               "JPEG/WebP quality 1..100 (WebP: 101 = lossless)", 1, 101)
      .add_int("jobs", &v.jobs, "PATCHQ_TILE_JOBS",
               "threads per job: they encode the tiles (and share a sparse JPEG's decode: two "
               "scan its Huffman codes, its excerpts decode at once)",
               1, 64)
      .add_int("max-pixels", &v.max_pixels, "PATCHQ_MAX_PIXELS",
               "largest image accepted, in pixels (checked on the header before decoding)", 1,
               INT64_MAX)
      .add_bytes("max-decoded-bytes", &v.max_decoded_bytes, "PATCHQ_MAX_DECODED_BYTES",
                 "most memory one decoded image may take (width x height x channels x bytes per "
                 "sample, twice that when an EXIF rotation is applied; checked on the header "
                 "before decoding)");
  add_patch_rule_flags(flags, v);
  flags
      .add_bool("exif-orientation", &v.exif_orientation, "PATCHQ_EXIF_ORIENTATION",
                "undo EXIF orientation (JPEG/TIFF) before tiling")
      .add_bool("partial-decode", &v.partial_decode, "PATCHQ_PARTIAL_DECODE",
                "for sparse patches on a baseline JPEG, decode only the rows and columns they "
                "need");
}

void add_patch_rule_flags(config::FlagSet& flags, TileFlags& v) {
  flags
      .add_string("keywords", &v.keywords, "PATCHQ_PATCH_KEYWORDS",
                  "comma-separated words that make an annotation a patch")
      .add_int("max-grid", &v.max_grid, "PATCHQ_MAX_GRID", "largest N and M in 'patch (NxM)'", 1,
               4096)
      .add_int("keypoint-size", &v.keypoint_size, "PATCHQ_KEYPOINT_SIZE",
               "side in pixels of the box a keypoint patch gets", 1, 1 << 20)
      .add_int("max-tiles", &v.max_tiles, "PATCHQ_MAX_TILES", "most tiles cut from one item", 1,
               1'000'000);
}

Result<PatchRules> to_patch_rules(const TileFlags& v) {
  PatchRules rules;
  rules.names.keywords = split_keywords(v.keywords);
  if (rules.names.keywords.empty()) return fail("--keywords needs at least one word");
  rules.names.max_grid = static_cast<int>(v.max_grid);
  rules.boxes.keypoint_size = v.keypoint_size;
  rules.max_tiles = v.max_tiles;
  return rules;
}

Result<TileOptions> to_tile_options(const TileFlags& v) {
  const auto format = parse_tile_format(v.format);
  if (!format) return fail("--format must be png, jpeg or webp, got '" + v.format + "'");
  TileOptions options;
  auto rules = to_patch_rules(v);
  if (!rules) return rules.error();
  options.patches = std::move(rules).value();
  options.encode.format = *format;
  options.encode.quality = static_cast<int>(v.quality);
  options.max_pixels = v.max_pixels;
  if (v.max_decoded_bytes == 0) return fail("--max-decoded-bytes must be at least 1");
  options.max_decoded_bytes = v.max_decoded_bytes;
  options.apply_exif_orientation = v.exif_orientation;
  options.partial_decode = v.partial_decode;
  options.jobs = static_cast<int>(v.jobs);
  return options;
}

}  // namespace patchq::patch
