// Patch-name grammar: which annotation names ask for patches, and how many tiles.
//
//   name   := ... keyword [spaces] [grid] ...      (the keyword anywhere, as a word)
//   grid   := "(" [spaces] N [spaces] sep [spaces] M [spaces] ")"
//   sep    := "x" | "X" | "×" (U+00D7)              spaces := ASCII space or tab
//
// A keyword matches case-insensitively (ASCII) when it is a whole word: the bytes right
// before and after it are not letters. Letters are A-Z, a-z and every non-ASCII byte (so a
// letter in another script also continues the word); digits, spaces, punctuation, "_" and "-"
// end a word. So "patch1", "big-patch", "patch_a" match; "patches", "dispatch", "patchwork"
// do not. N is the number of rows and M of columns, each 1..max_grid. A "(" right after a
// keyword always starts a grid: if the grid is malformed the annotation is skipped with the
// reason, it never falls back to 1x1. Without a grid the patch is one tile (1x1). When a name
// holds several keywords, the first one followed by a grid decides the grid.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace patchq::patch {

struct GridSize {
  int rows = 1;
  int cols = 1;
  bool operator==(const GridSize&) const = default;
};

struct PatchNameRules {
  std::vector<std::string> keywords{"patch", "crop"};  // ASCII, matched case-insensitively
  int max_grid = 64;                                   // largest N and M accepted
};

enum class PatchNameKind { not_patch, patch, malformed };

struct PatchName {
  PatchNameKind kind = PatchNameKind::not_patch;
  GridSize grid;       // meaningful when kind == patch
  std::string reason;  // set when kind == malformed, e.g. "grid rows must be 1..64, got 0"
};

PatchName classify_patch_name(std::string_view name, const PatchNameRules& rules);

}  // namespace patchq::patch
