#include "common/patchjob/tile_provenance.hpp"

#include <gtest/gtest.h>

namespace patchq::patchjob {
namespace {

TileOrigin street() {
  return TileOrigin{"/city/north", "street 0042.jpg", "0190-item",
                    "drive-logs",  "patch (4x6)",     "0190-ann"};
}

TEST(TileProvenance, DefaultsKeepTheSourceFolderAndTagTheAnnotationAndSourceItem) {
  const ProvenanceOptions defaults;
  EXPECT_EQ(render_path(defaults.path_template, street()), "/city/north");
  EXPECT_EQ(render_tags(defaults.tag_templates, street()),
            (std::vector<std::string>{"patch (4x6)", "source:street 0042.jpg"}));
}

TEST(TileProvenance, EveryPlaceholderRenders) {
  const std::string path =
      render_path("/patches/{source_dataset}{item_path}/{item_stem}/{annotation_id}", street());
  EXPECT_EQ(path, "/patches/drive-logs/city/north/street 0042/0190-ann");
  EXPECT_EQ(render_tags({"{item_id}", "{item_name}"}, street()),
            (std::vector<std::string>{"0190-item", "street 0042.jpg"}));
}

TEST(TileProvenance, PathsAreNormalisedWhateverTheSourceSent) {
  TileOrigin origin = street();
  origin.item_path = "//a/./../b//";
  EXPECT_EQ(render_path("{item_path}", origin), "/a/b");
  origin.item_path = "";
  EXPECT_EQ(render_path("{item_path}", origin), "/");
  origin.item_path = "/x\ny\x7f";
  EXPECT_EQ(render_path("{item_path}", origin), "/x_y_");
  const std::string long_path(3000, 'a');
  origin.item_path = long_path;
  const std::string cut = render_path("/{item_path}", origin);
  EXPECT_LE(cut.size(), kMaxPathBytes);
  EXPECT_EQ(cut.front(), '/');
  const std::string split_path = "/" + std::string(kMaxPathBytes - 2, 'a') + "\xc3\xa9";
  origin.item_path = split_path;  // the é straddles the cut
  const std::string utf8 = render_path("{item_path}", origin);
  EXPECT_EQ(utf8.size(), kMaxPathBytes - 1);
  EXPECT_EQ(utf8.back(), 'a');
}

TEST(TileProvenance, TagsAreTrimmedDeduplicatedAndEmptyOnesDropped) {
  TileOrigin origin = street();
  origin.annotation_name = "  ";
  EXPECT_EQ(render_tags({"{annotation_name}", "x", " x ", "{item_id}"}, origin),
            (std::vector<std::string>{"x", "0190-item"}));
  const std::string long_name(500, 'n');
  origin.item_name = long_name;
  EXPECT_EQ(render_tags({"{item_name}"}, origin).at(0).size(), kMaxTagBytes);
}

TEST(TileProvenance, TemplatesAreCheckedAtStart) {
  EXPECT_TRUE(check_template("/p/{item_path}/{annotation_name}"));
  EXPECT_FALSE(check_template("/p/{item}"));
  EXPECT_NE(check_template("/p/{item}").error().reason.find("unknown placeholder {item}"),
            std::string::npos);
  EXPECT_FALSE(check_template("/p/{item_path"));
  EXPECT_FALSE(check_template("/p/item_path}"));
  auto tags = parse_tag_templates(" {annotation_name} ,, source:{item_name} ");
  ASSERT_TRUE(tags);
  EXPECT_EQ(*tags, (std::vector<std::string>{"{annotation_name}", "source:{item_name}"}));
  EXPECT_TRUE(parse_tag_templates("")->empty());
  EXPECT_FALSE(parse_tag_templates("a,{nope}"));
  EXPECT_FALSE(parse_tag_templates(std::string(40, ',') + "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q"));
}

}  // namespace
}  // namespace patchq::patchjob
