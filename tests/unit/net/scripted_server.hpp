// ScriptedServer: a tiny HTTP/1.1 server on 127.0.0.1 for the net layer's own tests, whose
// handler writes raw bytes. That is the point: tests need replies no well-behaved server sends
// (a Content-Length that lies, a body that never ends, a reply that trickles, redirect chains),
// and they need to see exactly which headers reached the server on which connection.
// Keep-alive is honoured, so connection reuse is observable. Stops and joins on destruction.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace patchq::testing {

struct RecordedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  int connection = 0;  // 1, 2, ... in accept order
};

class ScriptedConnection {
 public:
  explicit ScriptedConnection(int fd) : fd_(fd) {}
  // Writes all bytes; false once the peer is gone.
  bool write(std::string_view bytes);
  // Ends the connection after this reply (otherwise it is kept alive for the next request).
  void close_after() { close_ = true; }
  bool closing() const { return close_; }

 private:
  int fd_;
  bool close_ = false;
};

class ScriptedServer {
 public:
  using Handler = std::function<void(const RecordedRequest&, ScriptedConnection&)>;
  explicit ScriptedServer(Handler handler);
  ~ScriptedServer();
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  int port() const { return port_; }
  std::string url(std::string_view target = "/") const;
  std::vector<RecordedRequest> requests() const;
  int connections() const { return connections_.load(); }

  // "HTTP/1.1 <status> X\r\nContent-Length: n\r\n<extra>\r\n<body>".
  static std::string reply(int status, std::string_view body = {},
                           std::vector<std::pair<std::string, std::string>> extra = {});

 private:
  void accept_loop();
  void serve(int fd, int connection);

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  std::vector<RecordedRequest> requests_;
  std::vector<int> open_fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace patchq::testing
