// RawConnection: a plain blocking TCP client for the HTTP server's nasty cases (partial
// headers, pipelining, bodies the server refuses), where a well-behaved client cannot go.
// Every read has a deadline; nothing here blocks forever.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace patchq::http::testing {

struct RawResponse {
  int status = 0;
  std::string body;
  std::string connection;  // the Connection header, lower-case ("" when absent)
  std::string content_type;
};

class RawConnection {
 public:
  explicit RawConnection(int port);  // connects to 127.0.0.1:port (throws on failure)
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // false when the peer has closed or reset the connection.
  bool send(std::string_view bytes);
  // Reads one whole response (Content-Length framed); nullopt on timeout or close first.
  std::optional<RawResponse> read_response(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // true when the peer closes (EOF or reset) within `timeout`; bytes that arrive meanwhile
  // are appended to `received` when given.
  bool closed_within(std::chrono::milliseconds timeout, std::string* received = nullptr);

 private:
  // Appends what arrives within `timeout`: >0 bytes read, 0 closed, -1 timeout.
  long read_some(std::chrono::milliseconds timeout);

  int fd_ = -1;
  std::string pending_;  // received, not yet consumed
};

}  // namespace patchq::http::testing
