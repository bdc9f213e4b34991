// PayloadParser: V7 webhook JSON (Darwin JSON 2.0 or the legacy 2022 shape) -> Item, with
// simdjson On-Demand. Runs on the receiver's hot path, so it reads only the fields patchq needs
// and validates each one it reads; values it does not read are skipped by structure.
// Leniency: the item's own fields and its image slots are checked strictly (a refusal names
// the field); an annotation's unusable values only mark that annotation (Annotation::problem),
// since only patch annotations matter and only the planner knows which names are patches; a
// slot of another type (video, pdf, dicom) is named and otherwise ignored; an item without an
// image slot parses with Item::unsupported_reason set. Broken JSON always refuses the payload.
//
// Padding contract: simdjson reads up to kPayloadPadding bytes past the end of the JSON text
// (their content does not matter, they must only be readable). Whoever owns the buffer pads:
//   - parse_padded(json): the caller guarantees the padding (e.g. a simdjson::padded_string, or a
//     receive buffer allocated with kPayloadPadding spare bytes);
//   - parse_in_place(body): the parser reserves the padding inside `body`'s own allocation
//     (at most one reallocation, none when the receiver reserved it up front);
//   - parse_copy(json): the parser copies into its own padded buffer (reused across calls).
// A PayloadParser is not thread-safe; use one per thread (parse_payload() does that for you).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/webhook/parse_result.hpp"

namespace patchq::webhook {

inline constexpr std::size_t kPayloadPadding = 64;  // == SIMDJSON_PADDING (checked in the .cpp)

struct ParseOptions {
  // Deepest array/object nesting accepted anywhere in the payload (V7's deepest is ~7: a polygon
  // path inside an annotation). Deeper input is refused before simdjson sees it.
  std::size_t max_depth = 64;
  // More annotations than this in one item are refused: a bound on the worker's memory (~200 B
  // an annotation), above what the receiver's 32 MiB body holds of V7's (~270 B each or more).
  std::size_t max_annotations = 200'000;
};

class PayloadParser {
 public:
  explicit PayloadParser(ParseOptions options = {});
  ~PayloadParser();
  PayloadParser(const PayloadParser&) = delete;
  PayloadParser& operator=(const PayloadParser&) = delete;

  // Precondition: json.data()[json.size() .. json.size() + kPayloadPadding) is readable.
  ParseResult parse_padded(std::string_view json);
  // Reserves kPayloadPadding spare bytes in `body` (its content is left unchanged).
  ParseResult parse_in_place(std::string& body);
  // Copies `json` into an internal padded buffer first; any string_view is fine.
  ParseResult parse_copy(std::string_view json);
  // The annotations of V7's GET /api/v2/teams/{team}/items/{id}/annotations answer (a list,
  // or an object with an "annotations" list), read as leniently as a payload's. Copies.
  Result<std::vector<Annotation>> parse_annotations_reply(std::string_view json);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Convenience wrappers over one PayloadParser per thread, with default options.
ParseResult parse_payload(std::string_view json);       // copies (parse_copy)
ParseResult parse_payload_in_place(std::string& body);  // no copy (parse_in_place)

// Legacy payloads carry no item id: patchq derives "legacy-" + 16 hex digits of the 64-bit
// FNV-1a hash of the file url without its query string and fragment, so that a presigned url
// whose signature changes between deliveries still names the same item.
std::string legacy_item_id(std::string_view file_url);

}  // namespace patchq::webhook
