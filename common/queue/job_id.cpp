#include "common/queue/job_id.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <stdexcept>

namespace patchq::queue {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Random bytes from OpenSSL's CSPRNG, drawn 4 KiB at a time per thread: one RAND_bytes call
// costs about as much as formatting a whole response, and a job id needs only 10 bytes.
class RandomPool {
 public:
  void take(unsigned char* out, std::size_t n) {
    if (used_ + n > pool_.size()) {
      if (RAND_bytes(pool_.data(), static_cast<int>(pool_.size())) != 1) {
        throw std::runtime_error("OpenSSL RAND_bytes failed");
      }
      used_ = 0;
    }
    for (std::size_t i = 0; i < n; ++i) out[i] = pool_[used_ + i];
    // Bytes handed out are overwritten so no later reader of this memory sees them.
    for (std::size_t i = 0; i < n; ++i) pool_[used_ + i] = 0;
    used_ += n;
  }

 private:
  std::array<unsigned char, 4096> pool_{};
  std::size_t used_ = 4096;  // empty: the first take() fills it
};

}  // namespace

std::string new_job_id(std::chrono::system_clock::time_point now) {
  thread_local RandomPool random;
  std::array<unsigned char, 16> b;
  const auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  random.take(b.data() + 6, 10);
  b[6] = static_cast<unsigned char>(0x70 | (b[6] & 0x0f));  // version 7
  b[8] = static_cast<unsigned char>(0x80 | (b[8] & 0x3f));  // variant 10
  std::string out(36, '-');
  std::size_t at = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++at;  // the dash already there
    out[at++] = kHex[b[i] >> 4];
    out[at++] = kHex[b[i] & 15];
  }
  return out;
}

}  // namespace patchq::queue
