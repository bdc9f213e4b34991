// One file of a Darwin JSON 2.0 export as a backfill sees it: is it JSON, does the receiver's
// payload parser (common/webhook) accept it, and does it name an image URL a worker can still
// download (exports carry presigned URLs that expire, or none). An export file has the shape
// of a webhook payload, so the job made from it is the job the receiver would make.
//
// The file's bytes become the job's payload unchanged, except when its URL is replaced
// (with_image_url), which rewrites the JSON once with Boost.JSON.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result/result.hpp"
#include "common/webhook/item.hpp"

namespace patchq::ctl {

enum class UrlState { usable, missing, expired };

struct ExportItem {
  webhook::Item item;  // as the parser reads it (a missing URL reads as a placeholder)
  UrlState url = UrlState::usable;
  std::string url_note;  // for missing/expired: what is wrong, e.g. "expired 2026-01-02T03:04Z"
};

// The item, or why the file is bad ("not JSON: ...", or the parser's reason). `now_ms` plus
// `margin_ms` is the moment a URL must still be valid at (a job may wait in the queue).
Result<ExportItem> examine_export_item(std::string_view bytes, std::int64_t now_ms,
                                       std::int64_t margin_ms);

// `bytes` (an export file examine_export_item accepted) with the image URL of its first slot's
// first source file set to `url`.
Result<std::string> with_image_url(std::string_view bytes, std::string_view url);

}  // namespace patchq::ctl
