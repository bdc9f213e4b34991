// patchq-demo-kit: the small image tools behind scripts/demo.
//   make-image --out FILE [--width W] [--height H]   a recognisable synthetic JPEG/PNG
//   contact-sheet --tiles DIR --out FILE.png         tiles laid out in their grids
//   compare --expected DIR --actual DIR              pixel-exact check of delivered tiles
#include <cstdio>
#include <opencv2/imgcodecs.hpp>
#include <string>

#include "common/config/flag_set.hpp"
#include "services/demo_kit/contact_sheet.hpp"
#include "services/demo_kit/sample_image.hpp"
#include "services/demo_kit/tile_compare.hpp"

namespace {

using patchq::config::FlagSet;

constexpr const char* kUsage =
    "Usage: patchq-demo-kit make-image|contact-sheet|compare [flags] (--help for each)\n";

int fail(const std::string& message) {
  std::fprintf(stderr, "patchq-demo-kit: %s\n", message.c_str());
  return 2;
}

// Parses flags for one subcommand; returns -1 to continue, or the exit code to stop with.
int parse(FlagSet& flags, const std::vector<std::string>& args) {
  return patchq::config::exit_code_after_parse(flags.parse(args)).value_or(-1);
}

int make_image(const std::vector<std::string>& args) {
  std::string out;
  std::int64_t width = 4000, height = 3000;
  FlagSet flags("patchq-demo-kit make-image", "Writes a synthetic sample image.");
  flags.add_string("out", &out, "", "output file (.jpg or .png)");
  flags.add_int("width", &width, "", "width in pixels", 16, 20000);
  flags.add_int("height", &height, "", "height in pixels", 16, 20000);
  if (int rc = parse(flags, args); rc >= 0) return rc;
  if (out.empty()) return fail("make-image needs --out");
  const cv::Mat image =
      patchq::demo::make_sample_image(static_cast<int>(width), static_cast<int>(height));
  if (!cv::imwrite(out, image, {cv::IMWRITE_JPEG_QUALITY, 92})) return fail("cannot write " + out);
  return 0;
}

int contact_sheet(const std::vector<std::string>& args) {
  std::string tiles, out;
  std::int64_t width = 1600;
  FlagSet flags("patchq-demo-kit contact-sheet", "Lays tiles out in their grids.");
  flags.add_string("tiles", &tiles, "", "folder with tile files");
  flags.add_string("out", &out, "", "output PNG");
  flags.add_int("width", &width, "", "sheet width in pixels", 200, 10000);
  if (int rc = parse(flags, args); rc >= 0) return rc;
  if (tiles.empty() || out.empty()) return fail("contact-sheet needs --tiles and --out");
  const auto r = patchq::demo::write_contact_sheet(tiles, out, static_cast<int>(width));
  if (!r.error.empty()) return fail(r.error);
  std::printf("contact sheet: %d tiles of %d annotations -> %s\n", r.tiles, r.annotations,
              out.c_str());
  return 0;
}

int compare(const std::vector<std::string>& args) {
  std::string expected, actual;
  FlagSet flags("patchq-demo-kit compare", "Checks delivered tiles pixel by pixel.");
  flags.add_string("expected", &expected, "", "folder with the tiles that should arrive");
  flags.add_string("actual", &actual, "", "folder with the tiles that arrived");
  if (int rc = parse(flags, args); rc >= 0) return rc;
  if (expected.empty() || actual.empty()) return fail("compare needs --expected and --actual");
  const auto r = patchq::demo::compare_tiles(expected, actual);
  for (const auto& n : r.missing) std::printf("missing:    %s\n", n.c_str());
  for (const auto& n : r.unexpected) std::printf("unexpected: %s\n", n.c_str());
  for (const auto& n : r.different) std::printf("different:  %s\n", n.c_str());
  std::printf("%d tiles match pixel for pixel; %zu missing, %zu unexpected, %zu different\n",
              r.matched, r.missing.size(), r.unexpected.size(), r.different.size());
  return r.ok() && r.matched > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "make-image") return make_image(args);
  if (command == "contact-sheet") return contact_sheet(args);
  if (command == "compare") return compare(args);
  if (command == "--help" || command == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fputs(kUsage, stderr);
  return 2;
}
