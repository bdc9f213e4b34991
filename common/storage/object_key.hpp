// Object keys: how a tile name becomes a key under the configured prefix, and how a key
// becomes the path of a request URL.
// Invariant: encode_key_path keeps '/' as the separator and percent-encodes everything else
// but RFC 3986 unreserved characters in each segment (UTF-8 bytes included), which is also the
// form SigV4 (S3 flavour, no double encoding) and Azure's canonicalized resource expect.
#pragma once

#include <string>
#include <string_view>

namespace patchq::storage {

// "<prefix>/<name>", or "<name>" when the prefix is empty.
std::string join_key(std::string_view prefix, std::string_view name);

// "a b/c+d" -> "a%20b/c%2Bd".
std::string encode_key_path(std::string_view key);

// Empty when `key` can name an object: non-empty, no empty segment, no "." or ".." segment
// (a server would collapse them), no control characters; else what is wrong.
std::string key_problem(std::string_view key);

}  // namespace patchq::storage
