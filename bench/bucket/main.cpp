// patchq-bench-bucket: MemoryBucket (memory_bucket.hpp) on a loopback port, for
// bench/pipeline.py's storage modes against a bucket that costs the benchmark's cores little.
// Prints {"event":"listening","port":N} once it accepts connections; SIGTERM stops it.
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <string>

#include "bench/bucket/memory_bucket.hpp"
#include "common/config/flag_set.hpp"
#include "common/http/listen_address.hpp"
#include "common/http/server.hpp"

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  std::string listen = "127.0.0.1:0";
  std::uint64_t max_bytes = 4ull << 30;
  std::int64_t threads = 2;
  patchq::config::FlagSet set("patchq-bench-bucket",
                              "An object store in memory for benchmarks (no credentials checked; "
                              "tests use the real emulators).");
  set.add_string("listen", &listen, "BENCH_BUCKET_LISTEN", "host:port (port 0: a free one)")
      .add_bytes("max-bytes", &max_bytes, "BENCH_BUCKET_MAX_BYTES", "all objects together")
      .add_int("threads", &threads, "BENCH_BUCKET_THREADS", "server threads", 1, 16);
  const auto parsed = set.parse(argc, argv);
  if (auto code = patchq::config::exit_code_after_parse(parsed)) return *code;
  const auto address = patchq::http::parse_listen_address(listen);
  if (!address) {
    std::fprintf(stderr, "patchq-bench-bucket: %s\n", address.error().reason.c_str());
    return 2;
  }

  patchq::bench::MemoryBucket bucket(max_bytes);
  patchq::http::ServerOptions options;
  options.address = address->host;
  options.port = address->port;
  options.threads = static_cast<int>(threads);
  options.max_body_bytes = 64 << 20;
  options.server_name = "patchq-bench-bucket";
  patchq::http::HttpServer server(
      options, [&bucket](patchq::http::Request&& req, patchq::http::Responder respond) {
        respond(bucket.handle(req));
      });
  boost::asio::signal_set signals(server.io_context(), SIGTERM, SIGINT);
  signals.async_wait([&server](const boost::system::error_code& ec, int) {
    if (!ec) server.shutdown(std::chrono::seconds(2));
  });
  server.start();
  std::printf("{\"event\":\"listening\",\"port\":%u}\n", static_cast<unsigned>(server.port()));
  std::fflush(stdout);
  server.run();
  return 0;
}
