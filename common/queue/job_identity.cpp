// Job identity (see job_identity.hpp).
#include "common/queue/job_identity.hpp"

#include <array>
#include <cstdint>
#include <stdexcept>

#include "common/clock/unix_ms.hpp"
#include "common/codec/sha256.hpp"
#include "common/queue/job_id.hpp"

namespace patchq::queue {
namespace {

// Each field goes in as its length (8 bytes, big-endian) followed by its bytes.
struct LengthPrefix {
  explicit LengthPrefix(std::string_view field) {
    std::uint64_t n = field.size();
    for (int i = 7; i >= 0; --i, n >>= 8) bytes[i] = static_cast<char>(n & 0xff);
  }
  std::string_view view() const { return {bytes.data(), bytes.size()}; }
  std::array<char, 8> bytes{};
};

std::string hex_of(const codec::Sha256Digest& digest) {
  std::array<char, 64> buffer;
  return std::string(codec::to_hex(digest, buffer));
}

}  // namespace

std::string delivery_hash(std::string_view item_id, std::string_view target,
                          std::string_view payload) {
  constexpr std::string_view kKind = "delivery";
  const LengthPrefix a(kKind), b(item_id), c(target), d(payload);
  return hex_of(
      codec::sha256({a.view(), kKind, b.view(), item_id, c.view(), target, d.view(), payload}));
}

std::string delivery_hash_of_webhook_id(std::string_view webhook_id, std::string_view target) {
  constexpr std::string_view kKind = "webhook-id";
  const LengthPrefix a(kKind), b(webhook_id), c(target);
  return hex_of(codec::sha256({a.view(), kKind, b.view(), webhook_id, c.view(), target}));
}

EnqueueRequest delivery_job(std::string_view item_id, std::string target, std::string payload,
                            std::string_view webhook_id) {
  EnqueueRequest job;
  job.dedup_hash = webhook_id.empty() ? delivery_hash(item_id, target, payload)
                                      : delivery_hash_of_webhook_id(webhook_id, target);
  job.delivery_id = webhook_id.empty() ? job.dedup_hash : std::string(webhook_id);
  job.job_id = new_job_id();
  job.item_id = std::string(item_id);
  job.target = std::move(target);
  job.payload = std::move(payload);
  job.received_at_ms = clock::unix_ms();
  return job;
}

}  // namespace patchq::queue
