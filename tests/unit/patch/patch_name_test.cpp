// Patch-name grammar, table-driven: which names are patches, their grids, and the reasons for
// malformed grids.
#include "common/patch/patch_name.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace patchq::patch {
namespace {

struct NameCase {
  std::string name;
  PatchNameKind kind;
  int rows;
  int cols;
  std::string reason;  // for malformed names
};

void PrintTo(const NameCase& c, std::ostream* os) {
  *os << '"' << c.name << '"';
}

constexpr auto kPatch = PatchNameKind::patch;
constexpr auto kNot = PatchNameKind::not_patch;
constexpr auto kBad = PatchNameKind::malformed;

class PatchNameTable : public ::testing::TestWithParam<NameCase> {};

TEST_P(PatchNameTable, ClassifiesTheName) {
  const NameCase& c = GetParam();
  const PatchName result = classify_patch_name(c.name, PatchNameRules{});
  EXPECT_EQ(result.kind, c.kind);
  if (c.kind == kPatch) {
    EXPECT_EQ(result.grid.rows, c.rows);
    EXPECT_EQ(result.grid.cols, c.cols);
  }
  if (c.kind == kBad) {
    EXPECT_EQ(result.reason, c.reason);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Names, PatchNameTable,
    ::testing::Values(
        // Plain keywords, any case, as whole words.
        NameCase{"patch", kPatch, 1, 1, ""}, NameCase{"Patch", kPatch, 1, 1, ""},
        NameCase{"PATCH", kPatch, 1, 1, ""}, NameCase{"crop", kPatch, 1, 1, ""},
        NameCase{"Crop", kPatch, 1, 1, ""}, NameCase{"my patch", kPatch, 1, 1, ""},
        NameCase{"patch-left", kPatch, 1, 1, ""}, NameCase{"big_patch", kPatch, 1, 1, ""},
        NameCase{"patch1", kPatch, 1, 1, ""}, NameCase{"2crop", kPatch, 1, 1, ""},
        NameCase{"(patch)", kPatch, 1, 1, ""}, NameCase{"patch left", kPatch, 1, 1, ""},
        // Not words: longer words containing the keyword, and other names.
        NameCase{"patches", kNot, 0, 0, ""}, NameCase{"dispatch", kNot, 0, 0, ""},
        NameCase{"patchwork", kNot, 0, 0, ""}, NameCase{"cropped", kNot, 0, 0, ""},
        NameCase{"scrop", kNot, 0, 0, ""}, NameCase{"car", kNot, 0, 0, ""},
        NameCase{"", kNot, 0, 0, ""}, NameCase{"pat ch", kNot, 0, 0, ""},
        NameCase{"patch\xC3\xA9", kNot, 0, 0,
                 ""},  // "patché": a non-ASCII letter continues the word
        // Grids: N rows x M columns, x / X / ×, spaces allowed.
        NameCase{"patch (4x6)", kPatch, 4, 6, ""}, NameCase{"Patch(12 X 3)", kPatch, 12, 3, ""},
        NameCase{"patch (4\xC3\x97"
                 "6)",
                 kPatch, 4, 6, ""},
        NameCase{"patch ( 2 x 3 )", kPatch, 2, 3, ""}, NameCase{"patch\t(1x1)", kPatch, 1, 1, ""},
        NameCase{"crop (64x64)", kPatch, 64, 64, ""}, NameCase{"patch (04x06)", kPatch, 4, 6, ""},
        NameCase{"PATCH (3X2) extra", kPatch, 3, 2, ""},
        NameCase{"crop patch (2x5)", kPatch, 2, 5, ""},  // the first keyword with a grid decides
        NameCase{"patches (4x6)", kNot, 0, 0, ""},
        // Malformed grids: skipped with a reason, never a 1x1 fallback.
        NameCase{"patch (0x3)", kBad, 0, 0, "malformed grid: grid rows must be 1..64, got 0"},
        NameCase{"patch (4x)", kBad, 0, 0,
                 "malformed grid: expected a number of columns after the 'x'"},
        NameCase{"patch (99999999999x2)", kBad, 0, 0,
                 "malformed grid: grid rows must be 1..64, got 99999999999"},
        NameCase{"patch (2x99999999999999999999999999)", kBad, 0, 0,
                 "malformed grid: grid columns must be 1..64, got 99999999999999999999..."},
        NameCase{"patch (65x1)", kBad, 0, 0, "malformed grid: grid rows must be 1..64, got 65"},
        NameCase{"patch (x3)", kBad, 0, 0, "malformed grid: expected a number of rows after '('"},
        NameCase{"patch (4*6)", kBad, 0, 0,
                 "malformed grid: expected 'x' or '×' between rows and columns"},
        NameCase{"patch (4x6", kBad, 0, 0, "malformed grid: expected ')' after the column count"},
        NameCase{"patch (-4x6)", kBad, 0, 0, "malformed grid: expected a number of rows after '('"},
        NameCase{"patch ()", kBad, 0, 0, "malformed grid: expected a number of rows after '('"},
        NameCase{"patch (left)", kBad, 0, 0,
                 "malformed grid: expected a number of rows after '('"}));

TEST(PatchName, KeywordListIsConfigurable) {
  PatchNameRules rules;
  rules.keywords = {"tile"};
  EXPECT_EQ(classify_patch_name("tile (2x2)", rules).kind, kPatch);
  EXPECT_EQ(classify_patch_name("patch", rules).kind, kNot);
  EXPECT_EQ(classify_patch_name("Tile", rules).kind, kPatch);
}

TEST(PatchName, MaxGridIsConfigurable) {
  PatchNameRules rules;
  rules.max_grid = 8;
  EXPECT_EQ(classify_patch_name("patch (8x8)", rules).kind, kPatch);
  const PatchName too_big = classify_patch_name("patch (9x1)", rules);
  EXPECT_EQ(too_big.kind, kBad);
  EXPECT_EQ(too_big.reason, "malformed grid: grid rows must be 1..8, got 9");
}

TEST(PatchName, EmptyKeywordsNeverMatch) {
  PatchNameRules rules;
  rules.keywords = {""};
  EXPECT_EQ(classify_patch_name("anything", rules).kind, kNot);
}

}  // namespace
}  // namespace patchq::patch
