// See opencv_codecs.hpp. The symbols are looked up by their Itanium-ABI names; the
// static_asserts check, against OpenCV's own header, that the overloads have the signatures
// those names encode (a mismatch fails the build, not a job).
#include "common/patch/opencv_codecs.hpp"

#include <dlfcn.h>

#include <opencv2/imgcodecs.hpp>
#include <stdexcept>
#include <type_traits>

#ifndef PATCHQ_OPENCV_IMGCODECS
#error "PATCHQ_OPENCV_IMGCODECS (the soname of libopencv_imgcodecs) must be defined"
#endif

namespace patchq::patch {
namespace {

using ImdecodeFn = cv::Mat (*)(const cv::_InputArray&, int);
using ImencodeFn = bool (*)(const std::string&, const cv::_InputArray&, std::vector<unsigned char>&,
                            const std::vector<int>&);
// Unevaluated: picks the overloads without making the build link the library.
static_assert(std::is_same_v<decltype(static_cast<ImdecodeFn>(&cv::imdecode)), ImdecodeFn>);
static_assert(std::is_same_v<decltype(static_cast<ImencodeFn>(&cv::imencode)), ImencodeFn>);
constexpr const char* kImdecode = "_ZN2cv8imdecodeERKNS_11_InputArrayEi";
constexpr const char* kImencode =
    "_ZN2cv8imencodeERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEERKNS_11_"
    "InputArrayERSt6vectorIhSaIhEERKSB_IiSaIiEE";

struct Codecs {
  ImdecodeFn imdecode = nullptr;
  ImencodeFn imencode = nullptr;
  std::string error;
};

Codecs load() {
  Codecs c;
  // Never unloaded: the functions stay valid for the process's lifetime.
  void* library = dlopen(PATCHQ_OPENCV_IMGCODECS, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* why = dlerror();
    c.error = std::string("cannot load OpenCV's image codecs (") + PATCHQ_OPENCV_IMGCODECS +
              "): " + (why != nullptr ? why : "unknown error");
    return c;
  }
  c.imdecode = reinterpret_cast<ImdecodeFn>(dlsym(library, kImdecode));
  c.imencode = reinterpret_cast<ImencodeFn>(dlsym(library, kImencode));
  if (c.imdecode == nullptr || c.imencode == nullptr) {
    c.error = std::string(PATCHQ_OPENCV_IMGCODECS) + " lacks cv::imdecode or cv::imencode";
    c.imdecode = nullptr;
    c.imencode = nullptr;
  }
  return c;
}

const Codecs& codecs() {
  static const Codecs loaded = load();  // thread-safe, once
  if (!loaded.error.empty()) throw std::runtime_error(loaded.error);
  return loaded;
}

}  // namespace

cv::Mat opencv_imdecode(cv::InputArray buffer, int flags) {
  return codecs().imdecode(buffer, flags);
}

bool opencv_imencode(const std::string& extension, cv::InputArray image,
                     std::vector<unsigned char>& out, const std::vector<int>& params) {
  return codecs().imencode(extension, image, out, params);
}

void preload_opencv_codecs() noexcept {
  try {
    codecs();
  } catch (...) {  // reported by the first real use
  }
}

}  // namespace patchq::patch
