// Which tile an encoding thread takes next while the image may still be decoding: of the tiles
// whose rows are decoded, the largest, so that no big tile is left to one thread at the end
// while the others have nothing to do; when none is ready, the tile whose last row comes first.
// Invariants: every tile is handed out exactly once; a tile is never handed out before its rows
// are decoded; with every row decoded the order is largest first, ties in the given order.
// Not thread-safe: the caller serializes calls (the tiler holds its mutex).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace patchq::patch {

class TilePicker {
 public:
  struct Tile {
    std::int64_t bottom = 0;  // rows [0, bottom) must be decoded before it can be encoded
    std::int64_t area = 0;
  };
  struct Pick {
    enum class Kind { take, wait, done };
    Kind kind = Kind::done;
    std::size_t index = 0;  // take: the tile, an index into the tiles given
    std::int64_t rows = 0;  // wait: how many rows must be decoded for the next tile
  };

  explicit TilePicker(std::vector<Tile> tiles);

  // The next tile once rows [0, rows_decoded) are final.
  Pick next(std::int64_t rows_decoded);

 private:
  bool larger(std::size_t a, std::size_t b) const;

  std::vector<Tile> tiles_;
  std::vector<std::size_t> by_bottom_;  // not yet ready, by last row
  std::size_t unready_ = 0;             // by_bottom_[unready_..] are not yet in ready_
  std::vector<std::size_t> ready_;      // a max-heap by larger()
};

}  // namespace patchq::patch
