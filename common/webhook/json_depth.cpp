// See json_depth.hpp. It runs before simdjson on the receiver's hot path, so on x86-64 it looks
// at 16 bytes at a time (SSE2): bit masks of quotes and brackets, a prefix XOR of the quote mask
// to tell which bytes are inside strings, then a walk over the few brackets outside strings.
// Blocks holding a backslash (rare in V7 payloads), the tail, and other CPUs take the scalar
// path, which carries the same state (depth, inside a string, escape pending) byte by byte.
#include "common/webhook/json_depth.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace patchq::webhook {
namespace {

using Byte = unsigned char;

struct ScanState {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;  // the previous byte was a backslash inside a string
};

// '[' | 0x20 == '{' and ']' | 0x20 == '}', so one OR folds both bracket kinds together.
bool scan_scalar(const Byte* p, const Byte* end, ScanState& s, std::size_t max_depth) {
  for (; p < end; ++p) {
    const Byte c = *p;
    if (s.in_string) {
      if (s.escaped) {
        s.escaped = false;
      } else if (c == '\\') {
        s.escaped = true;
      } else if (c == '"') {
        s.in_string = false;
      }
    } else if (c == '"') {
      s.in_string = true;
    } else if ((c | 0x20) == '{') {
      if (++s.depth > max_depth) return true;
    } else if ((c | 0x20) == '}') {
      if (s.depth > 0) --s.depth;
    }
  }
  return false;
}

#if defined(__SSE2__)
// Bit i set when byte i is inside a string (an opening quote counts as inside, a closing one not).
unsigned prefix_xor(unsigned m) {
  m ^= m << 1;
  m ^= m << 2;
  m ^= m << 4;
  m ^= m << 8;
  return m & 0xFFFF;
}

bool scan_block(const Byte* p, ScanState& s, std::size_t max_depth) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const unsigned backslash = _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
  if (backslash != 0 || s.escaped) return scan_scalar(p, p + 16, s, max_depth);
  const unsigned quote = _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
  const __m128i folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
  const unsigned open = _mm_movemask_epi8(_mm_cmpeq_epi8(folded, _mm_set1_epi8('{')));
  const unsigned close = _mm_movemask_epi8(_mm_cmpeq_epi8(folded, _mm_set1_epi8('}')));
  const unsigned inside = prefix_xor(quote) ^ (s.in_string ? 0xFFFFu : 0u);
  unsigned brackets = (open | close) & ~inside & 0xFFFFu;
  if (__builtin_popcount(quote) & 1) s.in_string = !s.in_string;
  while (brackets != 0) {
    const unsigned bit = brackets & (~brackets + 1);
    if ((open & bit) != 0) {
      if (++s.depth > max_depth) return true;
    } else if (s.depth > 0) {
      --s.depth;
    }
    brackets ^= bit;
  }
  return false;
}
#endif

}  // namespace

bool nesting_exceeds(std::string_view json, std::size_t max_depth) {
  ScanState state;
  const auto* p = reinterpret_cast<const Byte*>(json.data());
  const auto* const end = p + json.size();
#if defined(__SSE2__)
  for (; end - p >= 16; p += 16) {
    if (scan_block(p, state, max_depth)) return true;
  }
#endif
  return scan_scalar(p, end, state, max_depth);
}

}  // namespace patchq::webhook
