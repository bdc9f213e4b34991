// Faults in the pages of a memory range for writing, without changing its bytes
// (madvise MADV_POPULATE_WRITE), so that a thread writing there later takes no page faults.
// A decoder filling a freshly allocated image spends a tenth of its time in page faults; an
// idle thread can take them instead.
// Invariant: never changes the range's contents; safe while other threads write to it.
#pragma once

#include <cstddef>

namespace patchq::patch {

// Faults in the whole pages inside [begin, begin + bytes). Returns false where the kernel
// cannot (before Linux 5.14) or the range is not writable memory; nothing changes then.
bool prefault_for_writing(void* begin, std::size_t bytes);

}  // namespace patchq::patch
