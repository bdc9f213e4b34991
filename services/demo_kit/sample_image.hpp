// Sample image for the demo: a synthetic photo-sized picture with structure a person can
// recognise in every tile (a labelled coordinate grid over colour gradients and shapes), so a
// contact sheet shows at a glance whether the tiles were cut from the right places.
#pragma once

#include <opencv2/core.hpp>

namespace patchq::demo {

cv::Mat make_sample_image(int width, int height);

}  // namespace patchq::demo
