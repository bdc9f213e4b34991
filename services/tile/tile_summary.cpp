// See tile_summary.hpp.
#include "services/tile/tile_summary.hpp"

#include <cmath>

#include "common/json/json_writer.hpp"

namespace patchq::tile {
namespace {

double round_ms(double ms) {
  return std::round(ms * 1000.0) / 1000.0;
}

}  // namespace

std::string summary_json(const webhook::Item& item, const patch::TileResult& result,
                         std::string_view tile_format, std::string_view out_dir) {
  json::JsonWriter w;
  w.begin_object();
  w.field("item_id", item.item_id);
  w.key("image").begin_object();
  w.field("format", patch::format_name(result.source_format));
  w.field("width", result.image_size.width);
  w.field("height", result.image_size.height);
  w.field("channels", result.channels);
  w.field("bit_depth", result.bit_depth);
  w.field("orientation_applied", result.orientation_applied);
  w.field("decoded_regions", result.decoded_regions);
  w.end_object();
  w.field("format", tile_format);
  w.field("tiles", result.tile_count);
  w.field("bytes", result.tile_bytes);
  w.key("skipped").begin_array();
  for (const patch::SkippedAnnotation& s : result.skipped) {
    w.begin_object();
    w.field("annotation_id", s.annotation_id);
    w.field("annotation", s.annotation_name);
    w.field("reason", s.reason);
    w.end_object();
  }
  w.end_array();
  w.field("decode_ms", round_ms(result.timings.decode_ms));
  w.field("tile_ms", round_ms(result.timings.tile_ms));
  w.field("encode_ms", round_ms(result.timings.encode_ms));
  w.field("total_ms", round_ms(result.timings.total_ms));
  w.field("out", out_dir);
  w.end_object();
  return w.take();
}

}  // namespace patchq::tile
