#include "bench/bucket/memory_bucket.hpp"

#include <algorithm>
#include <charconv>
#include <mutex>

namespace patchq::bench {
namespace {

namespace bhttp = boost::beast::http;

// The last byte of "bytes=0-N", or nullopt when the header is absent or another form.
std::optional<std::uint64_t> range_end(const http::Request& req) {
  auto value = req["x-ms-range"];
  if (value.empty()) value = req[bhttp::field::range];
  constexpr std::string_view kPrefix = "bytes=0-";
  if (value.size() <= kPrefix.size() || value.substr(0, kPrefix.size()) != kPrefix) {
    return std::nullopt;
  }
  std::uint64_t end = 0;
  const auto digits = value.substr(kPrefix.size());
  const auto [last, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), end);
  if (ec != std::errc() || last != digits.data() + digits.size()) return std::nullopt;
  return end;
}

}  // namespace

http::Response MemoryBucket::handle(const http::Request& req) {
  const std::string_view target(req.target().data(), req.target().size());
  const std::string path(target.substr(0, target.find('?')));
  const bool query = target.find('?') != std::string_view::npos;
  if (req.method() == bhttp::verb::put) {
    // Container creation (Azure "?restype=container") makes nothing: any path takes objects.
    if (query && target.find("restype=container") != std::string_view::npos) {
      return http::make_response(req, bhttp::status::created, "", "application/xml");
    }
    return put(req, path);
  }
  if (req.method() == bhttp::verb::get) {
    const bool listing = query && (target.find("comp=list") != std::string_view::npos ||
                                   target.find("prefix=") != std::string_view::npos);
    if (listing) {
      return http::make_response(req, bhttp::status::ok,
                                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult>"
                                 "</ListBucketResult>",
                                 "application/xml");
    }
    return get(req, path);
  }
  return http::make_response(req, bhttp::status::method_not_allowed, "", "application/xml");
}

http::Response MemoryBucket::put(const http::Request& req, const std::string& path) {
  auto object = std::make_shared<const std::string>(req.body());
  {
    std::unique_lock lock(mutex_);
    auto& slot = objects_[path];
    const std::uint64_t replaced = slot ? slot->size() : 0;
    if (bytes_ - replaced + object->size() > max_bytes_) {
      return http::make_response(req, bhttp::status::insufficient_storage, "", "application/xml");
    }
    bytes_ = bytes_ - replaced + object->size();
    slot = std::move(object);
  }
  const bool azure = !req["x-ms-blob-type"].empty();
  return http::make_response(req, azure ? bhttp::status::created : bhttp::status::ok, "",
                             "application/xml");
}

http::Response MemoryBucket::get(const http::Request& req, const std::string& path) const {
  std::shared_ptr<const std::string> object;
  {
    std::shared_lock lock(mutex_);
    const auto it = objects_.find(path);
    if (it != objects_.end()) object = it->second;
  }
  if (!object) return http::make_response(req, bhttp::status::not_found, "", "application/xml");
  const auto end = range_end(req);
  if (!end) return http::make_response(req, bhttp::status::ok, *object, "application/octet-stream");
  if (object->empty()) {
    return http::make_response(req, bhttp::status::range_not_satisfiable, "", "application/xml");
  }
  const std::uint64_t last = std::min<std::uint64_t>(*end, object->size() - 1);
  auto res = http::make_response(req, bhttp::status::partial_content, object->substr(0, last + 1),
                                 "application/octet-stream");
  res.set(bhttp::field::content_range,
          "bytes 0-" + std::to_string(last) + "/" + std::to_string(object->size()));
  return res;
}

}  // namespace patchq::bench
