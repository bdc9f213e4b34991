// See patch_plan.hpp.
#include "common/patch/patch_plan.hpp"

#include <algorithm>
#include <map>
#include <unordered_set>

#include "common/patch/tile_grid.hpp"

namespace patchq::patch {

PatchPlan plan_patches(const webhook::Item& item, ImageSize image, const PatchRules& rules) {
  PatchPlan plan;
  std::unordered_set<std::string_view> ids;
  for (const webhook::Annotation& annotation : item.annotations) {
    const PatchName name = classify_patch_name(annotation.name, rules.names);
    if (name.kind == PatchNameKind::not_patch) continue;
    const auto skip = [&](std::string reason) {
      plan.skipped.push_back({annotation.id, annotation.name, std::move(reason)});
    };
    if (name.kind == PatchNameKind::malformed) {
      skip(name.reason);
      continue;
    }
    // Only a patch annotation is held to its values; any other may be as partial as it likes.
    if (!annotation.problem.empty()) {
      skip(annotation.problem);
      continue;
    }
    if (annotation.id.size() > rules.max_id_bytes) {
      skip("annotation id is longer than " + std::to_string(rules.max_id_bytes) + " bytes");
      continue;
    }
    if (ids.contains(annotation.id)) {
      skip("another patch annotation has the same id (tile names would collide)");
      continue;
    }
    const BoxPlacement placed = place_box(annotation.geometry, image, rules.boxes);
    if (!placed.box) {
      skip(placed.reason);
      continue;
    }
    if (auto checked = check_grid(*placed.box, name.grid); !checked) {
      skip(checked.error().reason);
      continue;
    }
    const std::int64_t tiles = std::int64_t{name.grid.rows} * name.grid.cols;
    if (plan.tile_count + tiles > rules.max_tiles) {
      skip("the item would exceed the limit of " + std::to_string(rules.max_tiles) + " tiles");
      continue;
    }
    ids.insert(annotation.id);
    plan.tile_count += tiles;
    plan.patches.push_back({annotation.id, annotation.name, *placed.box, name.grid});
  }
  return plan;
}

namespace {

// At most `limit` bytes of `text`, cut on a UTF-8 character boundary.
std::string cut(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return std::string(text);
  std::size_t n = limit;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return std::string(text.substr(0, n)) + "...";
}

}  // namespace

std::string summarise_skips(const std::vector<SkippedAnnotation>& skipped, std::size_t max_reasons,
                            std::size_t max_examples) {
  if (skipped.empty()) return {};
  constexpr std::size_t kReasonBytes = 160;
  constexpr std::size_t kNameBytes = 40;
  std::map<std::string_view, std::size_t> counts;
  for (const SkippedAnnotation& s : skipped) ++counts[s.reason];
  std::vector<std::pair<std::string_view, std::size_t>> by_count(counts.begin(), counts.end());
  std::stable_sort(by_count.begin(), by_count.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out = std::to_string(skipped.size()) +
                    (skipped.size() == 1 ? " patch annotation" : " patch annotations") +
                    " skipped: ";
  for (std::size_t i = 0; i < by_count.size() && i < max_reasons; ++i) {
    if (i > 0) out += "; ";
    out += std::to_string(by_count[i].second) + " x " + cut(by_count[i].first, kReasonBytes);
  }
  if (by_count.size() > max_reasons) {
    out += "; and " + std::to_string(by_count.size() - max_reasons) + " more reasons";
  }
  for (std::size_t i = 0; i < skipped.size() && i < max_examples; ++i) {
    out += i == 0 ? "; e.g. " : ", ";
    out += cut(skipped[i].annotation_id, kNameBytes) + " \"" +
           cut(skipped[i].annotation_name, kNameBytes) + "\"";
    if (by_count.size() > 1) out += ": " + cut(skipped[i].reason, kReasonBytes);
  }
  return out;
}

}  // namespace patchq::patch
