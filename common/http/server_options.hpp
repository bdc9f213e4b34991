// ServerOptions: every bound an HttpServer enforces, with safe defaults.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace patchq::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  unsigned short port = 0;  // 0 = pick a free port
  int threads = 1;          // io_context threads
  // 413 from Content-Length before reading the body, and while reading (chunked bodies).
  std::uint64_t max_body_bytes = 4 << 20;
  std::chrono::milliseconds header_timeout{10000};  // slowloris guard: whole header in this
  std::chrono::milliseconds body_timeout{30000};    // reading a body, and writing an answer
  std::chrono::milliseconds idle_timeout{60000};    // keep-alive idle between requests
  std::size_t max_connections = 10000;              // over it: accept and close at once
  std::string server_name = "patchq";
  // Added beyond the first interface (defaults keep the old behaviour):
  std::uint32_t max_header_bytes = 16 * 1024;  // 431 over it
  // After answering a request whose input was not read completely (413, 400), the session
  // half-closes and discards input for at most this long, so the client reads the answer
  // instead of a TCP reset.
  std::chrono::milliseconds linger_timeout{2000};
};

}  // namespace patchq::http
