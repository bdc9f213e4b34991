// When a presigned image URL of an export stops working, read from its query string alone (no
// request is sent): S3 and GCS V4 signatures (X-Amz-Date + X-Amz-Expires, X-Goog-Date +
// X-Goog-Expires), Azure SAS (se=), and the older Expires=<unix seconds> (S3 V2, GCS V2,
// CloudFront). V7's own /uploads/ URLs carry none of these: they need the API key, not a
// signature, and do not expire.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace patchq::ctl {

// Milliseconds since the epoch at which `url` expires; nullopt when it names no expiry.
std::optional<std::int64_t> presigned_expiry_ms(std::string_view url);

}  // namespace patchq::ctl
