// libFuzzer target: any bytes as an annotation name -> patch-name grammar.
// Invariants: a patch always has a grid within 1..max_grid; a malformed name always has a reason.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/patch/patch_name.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view name(reinterpret_cast<const char*>(data), size);
  const patchq::patch::PatchNameRules rules;
  const patchq::patch::PatchName result = patchq::patch::classify_patch_name(name, rules);
  using patchq::patch::PatchNameKind;
  if (result.kind == PatchNameKind::patch &&
      (result.grid.rows < 1 || result.grid.cols < 1 || result.grid.rows > rules.max_grid ||
       result.grid.cols > rules.max_grid)) {
    std::abort();
  }
  if (result.kind == PatchNameKind::malformed && result.reason.empty()) std::abort();
  return 0;
}
