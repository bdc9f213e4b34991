// libFuzzer target: any bytes -> payload parser, and every accepted item -> patch planning.
// Invariants checked by the sanitizers: no crash, no UB, no out-of-bounds read; every refusal
// has a reason; every planned box lies inside the image.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/patch/patch_plan.hpp"
#include "common/webhook/payload_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  const patchq::webhook::ParseResult result = patchq::webhook::parse_payload(json);
  if (!result.ok()) {
    if (result.error().reason.empty()) std::abort();
    return 0;
  }
  const patchq::patch::ImageSize image{4000, 3000};
  const patchq::patch::PatchPlan plan = patchq::patch::plan_patches(result.value(), image, {});
  for (const auto& patch : plan.patches) {
    if (patch.box.x < 0 || patch.box.y < 0 || patch.box.right() > image.width ||
        patch.box.bottom() > image.height || patch.box.w < patch.grid.cols ||
        patch.box.h < patch.grid.rows) {
      std::abort();
    }
  }
  return 0;
}
