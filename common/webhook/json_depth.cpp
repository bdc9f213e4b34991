// See json_depth.hpp. It runs before simdjson on the receiver's hot path, so it jumps from one
// interesting byte to the next 16 bytes at a time (SSE2 on x86-64, a scalar loop elsewhere):
// outside strings only quotes and brackets matter, inside strings only quotes and backslashes.
#include "common/webhook/json_depth.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace patchq::webhook {
namespace {

using Byte = unsigned char;

// '[' | 0x20 == '{' and ']' | 0x20 == '}', so one OR folds both bracket kinds together.
inline bool is_structural(Byte c) {
  return c == '"' || (c | 0x20) == '{' || (c | 0x20) == '}';
}
inline bool is_string_special(Byte c) {
  return c == '"' || c == '\\';
}

const Byte* next_structural(const Byte* p, const Byte* end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i open = _mm_set1_epi8('{');
  const __m128i close = _mm_set1_epi8('}');
  const __m128i fold = _mm_set1_epi8(0x20);
  for (; end - p >= 16; p += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i folded = _mm_or_si128(v, fold);
    const __m128i hits =
        _mm_or_si128(_mm_cmpeq_epi8(v, quote),
                     _mm_or_si128(_mm_cmpeq_epi8(folded, open), _mm_cmpeq_epi8(folded, close)));
    const int mask = _mm_movemask_epi8(hits);
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
  }
#endif
  while (p < end && !is_structural(*p)) ++p;
  return p;
}

const Byte* next_string_special(const Byte* p, const Byte* end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  for (; end - p >= 16; p += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const int mask =
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
  }
#endif
  while (p < end && !is_string_special(*p)) ++p;
  return p;
}

}  // namespace

bool nesting_exceeds(std::string_view json, std::size_t max_depth) {
  std::size_t depth = 0;
  const auto* p = reinterpret_cast<const Byte*>(json.data());
  const auto* const end = p + json.size();
  while (true) {
    p = next_structural(p, end);
    if (p >= end) return false;
    if (*p == '"') {
      // Inside a string: stop at the closing quote, stepping over each escaped byte.
      ++p;
      while (true) {
        p = next_string_special(p, end);
        if (p >= end) return false;  // unterminated string: simdjson reports it
        if (*p == '"') break;
        if (end - p < 2) return false;  // a backslash as the last byte: simdjson reports it
        p += 2;
      }
    } else if ((*p | 0x20) == '{') {
      if (++depth > max_depth) return true;
    } else if (depth > 0) {
      --depth;
    }
    ++p;
  }
}

}  // namespace patchq::webhook
