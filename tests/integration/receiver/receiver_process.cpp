// ReceiverProcess and the load helpers (see receiver_process.hpp).
#include "tests/integration/receiver/receiver_process.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <thread>

#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

namespace patchq::testing {
namespace {

constexpr const char* kSampleItemId = "0192c338-5e8b-7a4c-9d0e-3f1a2b3c4d5e";

const std::string& sample() {
  static const std::string text = read_file(source_path("tests/data/v7/webhook_v2.json"));
  return text;
}

}  // namespace

ReceiverProcess::ReceiverProcess(const RedisServer& redis, std::vector<std::string> extra) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = free_port();
    std::vector<std::string> args = {"--listen",    "127.0.0.1:" + std::to_string(port_),
                                     "--redis",     redis.url(),
                                     "--threads",   "2",
                                     "--log-level", "warn"};
    args.insert(args.end(), extra.begin(), extra.end());
    process_ = std::make_unique<ChildProcess>(
        binary_path("patchq-receiver"), args,
        std::map<std::string, std::string>{{"PATCHQ_WEBHOOK_TOKEN", kReceiverToken}});
    const bool up = wait_until(
        [&] { return !process_->running() || http_get(port_, "/healthz").status == 200; },
        std::chrono::seconds(10));
    if (up && process_->running()) return;
  }
  ADD_FAILURE() << "patchq-receiver did not start: " << process_->stderr_text();
}

std::string item_id_of(long n) {
  char id[40];
  std::snprintf(id, sizeof id, "0192c338-0000-7000-8000-%012ld", n);
  return id;
}

std::string unique_payload(long n) {
  std::string text = sample();
  const auto at = text.find(kSampleItemId);
  text.replace(at, std::string(kSampleItemId).size(), item_id_of(n));
  return text;
}

HttpReply post_webhook(int port, const std::string& payload, const std::string& query) {
  return http_post(port, "/webhook" + query, payload,
                   {{"Authorization", std::string("Bearer ") + kReceiverToken}});
}

std::string job_id_of(const std::string& body) {
  const std::string key = "\"job_id\":\"";
  const auto at = body.find(key);
  if (at == std::string::npos) return {};
  const auto end = body.find('"', at + key.size());
  return body.substr(at + key.size(), end - at - key.size());
}

Burst::Burst(int port, int threads, long max_per_thread) {
  for (int t = 0; t < threads; ++t) {
    threads_.emplace_back([this, port, t, max_per_thread] {
      for (long i = 0; i < max_per_thread && !stop_.load(); ++i) {
        const long n = t * 1'000'000L + i;
        HttpCall call;
        call.method = "POST";
        call.port = port;
        call.target = "/webhook";
        call.body = unique_payload(n);
        call.headers = {{"Authorization", std::string("Bearer ") + kReceiverToken},
                        {"Content-Type", "application/json"}};
        call.timeout = std::chrono::seconds(10);
        const HttpReply reply = http_call(call);
        std::lock_guard lock(mutex_);
        answers_.push_back({reply.status, job_id_of(reply.body), n});
      }
    });
  }
}

Burst::~Burst() {
  stop();
}

void Burst::stop() {
  stop_ = true;
  wait();
}

void Burst::wait() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

std::vector<Answer> Burst::answers() const {
  std::lock_guard lock(mutex_);
  return answers_;
}

std::size_t Burst::count(int status) const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& a : answers_) n += a.status == status;
  return n;
}

}  // namespace patchq::testing
