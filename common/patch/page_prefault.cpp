// See page_prefault.hpp.
#include "common/patch/page_prefault.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace patchq::patch {

bool prefault_for_writing(void* begin, std::size_t bytes) {
#ifdef MADV_POPULATE_WRITE
  const long page_size = sysconf(_SC_PAGESIZE);
  if (page_size <= 0 || begin == nullptr) return false;
  const auto page = static_cast<std::uintptr_t>(page_size);
  const auto start = reinterpret_cast<std::uintptr_t>(begin);
  const std::uintptr_t first = (start + page - 1) / page * page;  // whole pages only
  const std::uintptr_t end = (start + bytes) / page * page;
  if (end <= first) return true;
  return madvise(reinterpret_cast<void*>(first), end - first, MADV_POPULATE_WRITE) == 0;
#else
  (void)begin;
  (void)bytes;
  return false;
#endif
}

}  // namespace patchq::patch
