// patchq-receiver: parses the configuration and wires the HTTP server, the routes and the Redis
// job writer together; SIGTERM/SIGINT stop accepting, let in-flight requests get their real
// answer (up to --shutdown-grace), then exit 0.
#include <signal.h>

#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <memory>

#include "common/http/server.hpp"
#include "common/obs/log.hpp"
#include "services/receiver/job_writer.hpp"
#include "services/receiver/receiver_config.hpp"
#include "services/receiver/receiver_metrics.hpp"
#include "services/receiver/routes.hpp"
#include "services/receiver/status_route.hpp"
#include "services/receiver/status_service.hpp"
#include "services/receiver/webhook_route.hpp"

namespace {

using namespace patchq;

int run(receiver::ReceiverConfig& config) {
  receiver::ReceiverMetrics metrics;

  http::ServerOptions server_options;
  server_options.address = config.host;
  server_options.port = config.port;
  server_options.threads = static_cast<int>(config.threads);
  server_options.max_body_bytes = config.max_body;
  server_options.header_timeout = config.header_timeout;
  server_options.body_timeout = config.body_timeout;
  server_options.idle_timeout = config.idle_timeout;
  server_options.max_connections = static_cast<std::size_t>(config.max_connections);
  server_options.server_name = "patchq-receiver";

  // The server owns the io_context the Redis connections run on, so the routes are created
  // after it and reached through this pointer (set before the server starts).
  std::unique_ptr<receiver::Routes> routes;
  http::HttpServer server(
      server_options,
      [&routes](http::Request&& req, http::Responder res) {
        routes->handle(std::move(req), std::move(res));
      },
      [&metrics](const http::Refusal& refusal) {
        metrics.count_refusal(receiver::route_of_target(refusal.target), refusal);
      });

  receiver::JobWriter::Options writer_options;
  writer_options.client.endpoint = config.redis;
  writer_options.client.reply_timeout = config.redis_timeout;
  writer_options.client.reconnects = &metrics.redis_reconnects();
  writer_options.keys = queue::KeySchema(config.prefix);
  writer_options.batching.policy.max_queue = static_cast<std::uint64_t>(config.max_queue);
  writer_options.batching.policy.skipped_ttl = config.skipped_ttl;
  writer_options.batching.max_jobs = static_cast<std::size_t>(config.batch_jobs);
  writer_options.batching.max_in_flight = static_cast<std::size_t>(config.batches_in_flight);
  receiver::JobWriter writer(server.loops(), writer_options);

  receiver::WebhookOptions webhook_options;
  webhook_options.token = std::move(config.token);
  webhook_options.signature = std::move(config.signature);
  webhook_options.max_pending_bytes = config.max_pending;
  receiver::WebhookRoute webhook(std::move(webhook_options), writer, metrics);
  // The admin routes get their own Redis connection and thread (status_service.hpp).
  std::unique_ptr<receiver::StatusService> status_service;
  std::unique_ptr<receiver::StatusRoute> status_route;
  if (!config.admin_token.empty()) {
    receiver::StatusService::Options status_options;
    status_options.client.endpoint = config.redis;
    status_options.client.connect_timeout = config.redis_timeout;
    status_options.client.command_timeout = config.redis_timeout;
    status_options.keys = queue::KeySchema(config.prefix);
    status_service = std::make_unique<receiver::StatusService>(std::move(status_options));
    status_route = std::make_unique<receiver::StatusRoute>(receiver::AdminAuth(config.admin_token),
                                                           *status_service);
  }
  routes = std::make_unique<receiver::Routes>(
      webhook, metrics, [&writer] { return writer.ready(); }, status_route.get());
  metrics.set_redis_ready_probe([&writer] { return writer.ready(); });

  boost::asio::signal_set signals(server.io_context(), SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    obs::log_info("receiver_stopping")
        .field("signal", signal == SIGTERM ? "SIGTERM" : "SIGINT")
        .field("open_connections", static_cast<std::uint64_t>(server.open_connections()));
    server.shutdown(config.shutdown_grace);
  });

  writer.start();
  obs::log_info("receiver_listening")
      .field("address", config.host)
      .field("port", static_cast<unsigned>(server.port()))
      .field("threads", config.threads)
      .field("redis", config.redis.describe())
      .field("prefix", config.prefix)
      .field("auth", webhook.describe_auth())
      .field("status_page", status_route ? "on" : "off");
  server.run();  // returns once every connection has had its answer (or the grace ran out)

  // The loop threads are gone: run each loop once more here so its Redis connection closes
  // cleanly (nothing is in flight any more).
  signals.cancel();
  writer.stop();
  for (auto* loop : server.loops()) {
    loop->restart();
    loop->run_for(std::chrono::seconds(2));
  }
  obs::log_info("receiver_stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // hiredis writes to its socket with write(2): a Redis that went away must give EPIPE, not
  // kill the process.
  ::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = receiver::parse_receiver_config(args);
  if (auto code = config::exit_code_after_parse(parsed.status, parsed.message)) return *code;
  obs::set_log_service("receiver");
  obs::set_log_level_named(parsed.config.log_level);
  try {
    return run(parsed.config);
  } catch (const std::exception& e) {
    obs::log_error("receiver_failed").field("error", e.what());
    return 1;
  }
}
