#include "common/patch/page_prefault.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <vector>

namespace patchq::patch {
namespace {

std::size_t page_size() {
  return static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// Pages of [begin, begin + bytes) the kernel has in memory.
std::size_t resident_pages(void* begin, std::size_t bytes) {
  std::vector<unsigned char> resident(bytes / page_size());
  if (mincore(begin, bytes, resident.data()) != 0) return 0;
  std::size_t count = 0;
  for (const unsigned char r : resident) count += r & 1;
  return count;
}

TEST(PrefaultForWriting, LeavesTheBytesAsTheyWere) {
  std::vector<unsigned char> bytes(std::size_t{1} << 20);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * 7 + 3);
  const std::vector<unsigned char> before = bytes;
  // An unaligned range: only its whole pages are touched.
  EXPECT_TRUE(prefault_for_writing(bytes.data() + 100, bytes.size() - 300));
  EXPECT_EQ(bytes, before);
}

TEST(PrefaultForWriting, FaultsInTheWholePagesOfAFreshMapping) {
  const std::size_t pages = 64;
  const std::size_t size = pages * page_size();
  void* map = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(map, MAP_FAILED);
  auto* base = static_cast<unsigned char*>(map);
  ASSERT_EQ(resident_pages(map, size), 0u);
  // From the middle of page 0 to the middle of the last page: pages 1..62 are whole.
  if (!prefault_for_writing(base + page_size() / 2, size - page_size())) {
    // A kernel before 5.14 has no MADV_POPULATE_WRITE: the promise is then that nothing changed.
    EXPECT_EQ(resident_pages(map, size), 0u);
    munmap(map, size);
    GTEST_SKIP() << "the kernel cannot prefault (MADV_POPULATE_WRITE is Linux 5.14+); "
                    "checked only that nothing changed";
  }
  EXPECT_EQ(resident_pages(map, size), pages - 2);
  EXPECT_EQ(resident_pages(base + page_size(), size - 2 * page_size()), pages - 2);
  for (std::size_t i = 0; i < size; ++i) ASSERT_EQ(base[i], 0) << i;  // still zeros
  munmap(map, size);
}

TEST(PrefaultForWriting, RefusesMemoryThatIsNotWritable) {
  const std::size_t size = 4 * page_size();
  void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(map, MAP_FAILED);
  EXPECT_FALSE(prefault_for_writing(map, size));
  munmap(map, size);
  EXPECT_FALSE(prefault_for_writing(nullptr, size));
}

}  // namespace
}  // namespace patchq::patch
