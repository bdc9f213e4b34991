// See tile_picker.hpp. Tiles move once from the list sorted by last row into a heap by size as
// the decode passes them: O(log n) a pick.
#include "common/patch/tile_picker.hpp"

#include <algorithm>
#include <numeric>
#include <utility>

namespace patchq::patch {

TilePicker::TilePicker(std::vector<Tile> tiles) : tiles_(std::move(tiles)) {
  by_bottom_.resize(tiles_.size());
  std::iota(by_bottom_.begin(), by_bottom_.end(), std::size_t{0});
  std::stable_sort(by_bottom_.begin(), by_bottom_.end(), [this](std::size_t a, std::size_t b) {
    return tiles_[a].bottom < tiles_[b].bottom;
  });
  ready_.reserve(tiles_.size());
}

// Heap order: larger area first, then the earlier tile.
bool TilePicker::larger(std::size_t a, std::size_t b) const {
  if (tiles_[a].area != tiles_[b].area) return tiles_[a].area > tiles_[b].area;
  return a < b;
}

TilePicker::Pick TilePicker::next(std::int64_t rows_decoded) {
  // std::push_heap keeps the element that is "least" by the comparator at the back, so the
  // comparator says "comes after": b before a.
  const auto after = [this](std::size_t a, std::size_t b) { return larger(b, a); };
  while (unready_ < by_bottom_.size() && tiles_[by_bottom_[unready_]].bottom <= rows_decoded) {
    ready_.push_back(by_bottom_[unready_++]);
    std::push_heap(ready_.begin(), ready_.end(), after);
  }
  if (!ready_.empty()) {
    std::pop_heap(ready_.begin(), ready_.end(), after);
    const std::size_t index = ready_.back();
    ready_.pop_back();
    return Pick{Pick::Kind::take, index, 0};
  }
  if (unready_ < by_bottom_.size()) {
    return Pick{Pick::Kind::wait, 0, tiles_[by_bottom_[unready_]].bottom};
  }
  return Pick{};
}

}  // namespace patchq::patch
