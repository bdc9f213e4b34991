// ReceiverConfig: the receiver's flags (with environment fallbacks), parsed and validated at
// start. Refuses to start without webhook authentication unless --insecure-no-auth says so.
// Secrets (token, signing secret, Redis password) are never printed, in help or in errors.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/auth/token_auth.hpp"
#include "common/auth/webhook_signature.hpp"
#include "common/config/flag_set.hpp"
#include "common/redis/redis_url.hpp"

namespace patchq::receiver {

struct ReceiverConfig {
  // As given.
  std::string listen = "0.0.0.0:8080";
  std::int64_t threads = 0;  // 0: one per core
  std::string redis_url = "redis://127.0.0.1:6379/0";
  std::string prefix = "patchq:";
  std::string webhook_token;
  std::string webhook_secret;
  std::string admin_token;  // empty: the status page and admin API are off
  std::uint64_t max_body = 32 << 20;  // docs/RECEIVER.md "Body limit"
  std::int64_t max_queue = 1'000'000;
  bool insecure_no_auth = false;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds redis_timeout{3'000};
  std::chrono::milliseconds shutdown_grace{25'000};
  std::chrono::milliseconds skipped_ttl{7LL * 24 * 3600 * 1000};  // the workers' --done-ttl
  std::int64_t max_connections = 10'000;
  std::uint64_t max_pending = 256u << 20;
  std::int64_t batch_jobs = 64;
  std::int64_t batches_in_flight = 2;
  std::string log_level = "info";

  // Derived by parse_receiver_config.
  std::string host;
  unsigned short port = 0;
  redis::RedisEndpoint redis;
  std::optional<auth::TokenAuth> token;
  std::optional<auth::WebhookSignature> signature;
};

struct ReceiverConfigResult {
  config::ParseStatus status = config::ParseStatus::ok;
  std::string message;  // usage for help, the reason for error
  ReceiverConfig config;
};

ReceiverConfigResult parse_receiver_config(const std::vector<std::string>& args);

}  // namespace patchq::receiver
