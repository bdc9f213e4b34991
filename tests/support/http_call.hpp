// http_call: a small blocking HTTP/1.1 client for tests that talk to patchq's servers and the
// V7 stand-in on loopback. Each call opens its own connection and has a hard timeout.
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace patchq::testing {

struct HttpReply {
  int status = 0;  // 0 when the connection failed or timed out
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string error;                           // transport error text when status == 0
};

struct HttpCall {
  std::string method = "GET";
  std::string host = "127.0.0.1";
  int port = 0;
  std::string target = "/";
  std::string body;
  std::map<std::string, std::string> headers;
  std::chrono::milliseconds timeout = std::chrono::seconds(10);
};

HttpReply http_call(const HttpCall& call);

inline HttpReply http_get(int port, const std::string& target) {
  HttpCall c;
  c.port = port;
  c.target = target;
  return http_call(c);
}

inline HttpReply http_post(int port, const std::string& target, const std::string& body,
                           std::map<std::string, std::string> headers = {}) {
  HttpCall c;
  c.method = "POST";
  c.port = port;
  c.target = target;
  c.body = body;
  c.headers = std::move(headers);
  if (!c.headers.contains("Content-Type")) c.headers["Content-Type"] = "application/json";
  return http_call(c);
}

}  // namespace patchq::testing
