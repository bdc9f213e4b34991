// How patchqctl prints times: UTC ISO-8601 for instants, "1h2m3s" for spans.
#pragma once

#include <cstdint>
#include <string>

namespace patchq::ctl {

std::string iso_time_ms(std::int64_t ms_since_epoch);  // "2026-01-02T03:04:05.678Z"
std::string span_ms(std::int64_t ms);                  // "6d23h59m", "1.250s", "0s"

}  // namespace patchq::ctl
