// patchq-v7sim: a stand-in for V7 (Darwin) for tests, the demo and benchmarks. Parses the
// flags, builds the store, routes and router, and runs the HTTP server until SIGTERM/SIGINT.
// Prints {"event":"listening","port":N,"url":"..."} on stdout once it accepts connections, so
// a test that asked for port 0 can read the port. See docs/V7SIM.md.
#include <signal.h>
#include <stdlib.h>

#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/config/flag_set.hpp"
#include "common/http/listen_address.hpp"
#include "common/http/server.hpp"
#include "common/json/json_writer.hpp"
#include "common/net/http_client.hpp"
#include "common/obs/log.hpp"
#include "common/storage/object_store.hpp"
#include "common/storage/storage_config.hpp"
#include "services/v7sim/api_routes.hpp"
#include "services/v7sim/control_routes.hpp"
#include "services/v7sim/faults.hpp"
#include "services/v7sim/sim_router.hpp"
#include "services/v7sim/sim_stats.hpp"
#include "services/v7sim/sim_store.hpp"
#include "services/v7sim/sim_urls.hpp"
#include "services/v7sim/stage.hpp"
#include "services/v7sim/storage_routes.hpp"

namespace {

using namespace patchq;
namespace fs = std::filesystem;

struct SimFlags {
  std::string listen = "127.0.0.1:8090";
  std::string api_key;
  std::string team = "patchq-sim";
  std::string team_name;
  std::string data_dir;
  std::string public_url;
  std::int64_t threads = 2;
  bool enforce_rate_limit = false;
  std::uint64_t max_body = 256ull << 20;
  bool fsync = false;
  std::string log_level = "info";
  std::string blocked_reason_case = "upper";
  std::string resign_confirmed = "refuse";
  storage::StorageConfig storage;  // the customer's storage, as connected in V7's settings
};

// HTTP clients for reading the customer's storage, each lent to one read at a time and kept
// for the next (its connection stays open: a new connection per read costs the storage server
// more than a small read). Reads run on every server thread at once.
class StorageClients {
 public:
  template <typename Read>
  auto with_client(Read&& read) {
    std::unique_ptr<net::HttpClient> client;
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        client = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!client) {
      net::HttpClientOptions options;
      options.rules = net::HostRules({}, /*allow_private=*/true);
      client = std::make_unique<net::HttpClient>(options);
    }
    auto result = read(*client);
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(client));
    return result;
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<net::HttpClient>> idle_;
};

// What register_existing checks objects with, and external items' bytes are read with: the
// configured store, on loopback or wherever the operator points it (the stand-in is a test
// tool: private addresses allowed).
std::optional<v7sim::ExternalStorage> external_storage(
    const SimFlags& flags, std::shared_ptr<const storage::ObjectStore>& store) {
  if (!flags.storage.enabled()) return std::nullopt;
  auto opened = storage::ObjectStore::open(flags.storage);
  if (!opened) throw std::runtime_error("--storage-url: " + opened.error().reason);
  store = std::move(opened).value();
  auto clients = std::make_shared<StorageClients>();
  return v7sim::ExternalStorage{
      flags.storage.slug,
      [store, clients](std::string_view key,
                       std::uint64_t head_bytes) -> Result<storage::ObjectHead> {
        auto head = clients->with_client(
            [&](net::HttpClient& http) { return store->get_head(http, key, head_bytes); });
        if (!head) return fail(head.error().reason);
        return std::move(head).value();
      },
      [store, clients](std::string_view key) -> Result<std::string> {
        auto bytes = clients->with_client(
            [&](net::HttpClient& http) { return store->get(http, key, 256ull << 20); });
        if (!bytes) return fail(bytes.error().reason);
        return std::move(bytes).value();
      }};
}

// Without --data-dir the simulator keeps its files in a fresh temp dir removed at exit.
class ScratchDir {
 public:
  ScratchDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/patchq-v7sim-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

int run(const SimFlags& flags, const std::string& host, unsigned short port) {
  std::optional<ScratchDir> scratch;
  fs::path data_dir = flags.data_dir;
  if (data_dir.empty()) {
    scratch.emplace();
    data_dir = scratch->path();
  }
  v7sim::SimStore store(data_dir, flags.fsync);

  http::ServerOptions options;
  options.address = host;
  options.port = port;
  options.threads = static_cast<int>(flags.threads);
  options.max_body_bytes = flags.max_body;
  options.server_name = "patchq-v7sim";

  std::unique_ptr<v7sim::SimRouter> router;
  http::HttpServer server(options, [&router](http::Request&& req, http::Responder respond) {
    router->handle(std::move(req), std::move(respond));
  });

  const std::string url_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  const std::string public_url = flags.public_url.empty()
                                     ? "http://" + url_host + ":" + std::to_string(server.port())
                                     : flags.public_url;
  const std::string team_name = flags.team_name.empty() ? flags.team : flags.team_name;
  v7sim::SimUrls urls(public_url, flags.team, store.signing_key());
  v7sim::FaultTable faults;
  v7sim::SimStats stats;
  v7sim::StageRunner stages(server.io_context());
  v7sim::ApiBehaviour behaviour;
  behaviour.lowercase_blocked_reasons = flags.blocked_reason_case == "lower";
  behaviour.sign_confirmed_uploads = flags.resign_confirmed == "sign";
  std::shared_ptr<const storage::ObjectStore> object_store;
  auto external = external_storage(flags, object_store);
  if (external) {
    store.set_external_reader([read = external->read](std::string_view key) {
      auto bytes = read(key);
      return bytes ? std::optional<std::string>(std::move(bytes).value()) : std::nullopt;
    });
  }
  v7sim::ApiRoutes api(store, urls, team_name, behaviour, std::move(external));
  v7sim::ImportRoutes imports(store, urls);
  v7sim::StorageRoutes storage(store, urls, behaviour.sign_confirmed_uploads);
  v7sim::ControlRoutes control(store, urls, faults, stats, stages, team_name);
  router = std::make_unique<v7sim::SimRouter>(
      server.io_context(), v7sim::RouterSettings{flags.api_key, flags.enforce_rate_limit}, api,
      imports, storage, control, faults, stats);

  boost::asio::signal_set signals(server.io_context(), SIGTERM, SIGINT);
  signals.async_wait([&server](const boost::system::error_code& ec, int) {
    if (!ec) server.shutdown(std::chrono::seconds(5));
  });

  server.start();
  json::JsonWriter line;
  line.begin_object()
      .field("event", "listening")
      .field("port", static_cast<unsigned>(server.port()));
  line.field("url", public_url).end_object();
  std::printf("%s\n", line.str().c_str());
  std::fflush(stdout);
  obs::log_info("v7sim_listening")
      .field("address", host)
      .field("port", static_cast<unsigned>(server.port()))
      .field("public_url", public_url)
      .field("team", flags.team)
      .field("data_dir", data_dir.string())
      .field("persistent", !scratch.has_value())
      .field("enforce_rate_limit", flags.enforce_rate_limit);
  server.run();
  obs::log_info("v7sim_stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed peer is an error to report, not a reason to die
  SimFlags flags;
  config::FlagSet set("patchq-v7sim",
                      "A V7 (Darwin) stand-in: the API subset patchq uses, signed storage URLs, "
                      "fault injection and a webhook stage, for tests, demos and benchmarks.");
  set.add_string("listen", &flags.listen, "V7SIM_LISTEN",
                 "host:port to listen on (port 0 picks a free port, printed on stdout)")
      .add_string("api-key", &flags.api_key, "V7_API_KEY",
                  "the API key clients must send as 'Authorization: ApiKey <key>' (required)",
                  /*secret=*/true)
      .add_string("team", &flags.team, "V7SIM_TEAM", "team slug")
      .add_string("team-name", &flags.team_name, "V7SIM_TEAM_NAME",
                  "team display name (default: the slug)")
      .add_string("data-dir", &flags.data_dir, "V7SIM_DATA_DIR",
                  "where datasets, items and files persist (default: a temp dir removed at exit)")
      .add_string("public-url", &flags.public_url, "V7SIM_PUBLIC_URL",
                  "base URL put in file and upload URLs (default: http://<listen>)")
      .add_int("threads", &flags.threads, "V7SIM_THREADS", "server threads", 1, 64)
      .add_bool("enforce-rate-limit", &flags.enforce_rate_limit, "V7SIM_ENFORCE_RATE_LIMIT",
                "answer 429 over V7's 1000 requests per minute per API key")
      .add_bytes("max-body", &flags.max_body, "V7SIM_MAX_BODY", "largest request body accepted")
      .add_bool("fsync", &flags.fsync, "V7SIM_FSYNC",
                "fsync every write (survive machine crashes, not only process restarts)")
      .add_choice("log-level", &flags.log_level, "V7SIM_LOG_LEVEL", "debug, info, warn or error",
                  obs::log_level_names())
      .add_choice("blocked-reason-case", &flags.blocked_reason_case, "V7SIM_BLOCKED_REASON_CASE",
                  "spell blocked reasons upper (ALREADY_EXISTS, as V7 does today) or lower case",
                  {"upper", "lower"})
      .add_choice("resign-confirmed", &flags.resign_confirmed, "V7SIM_RESIGN_CONFIRMED",
                  "a second sign of a confirmed upload: refuse (409 ALREADY_CONFIRMED) or sign "
                  "(200 with a URL whose PUT overwrites the file; V7 does not say which it does)",
                  {"refuse", "sign"});
  storage::add_storage_flags(set, flags.storage);
  const auto parsed = set.parse(argc, argv);
  if (auto code = config::exit_code_after_parse(parsed)) return *code;
  obs::set_log_level_named(flags.log_level);
  obs::set_log_service("v7sim");
  if (flags.api_key.empty()) {
    std::fprintf(stderr, "patchq-v7sim: --api-key (or V7_API_KEY) is required\n");
    return 2;
  }
  if (!v7sim::is_valid_slug(flags.team)) {
    std::fprintf(stderr, "patchq-v7sim: --team must be a slug ([a-z0-9_-])\n");
    return 2;
  }
  if (auto storage_ok = storage::validate(flags.storage); !storage_ok) {
    std::fprintf(stderr, "patchq-v7sim: %s\n", storage_ok.error().reason.c_str());
    return 2;
  }
  const auto listen = http::parse_listen_address(flags.listen);
  if (!listen) {
    std::fprintf(stderr, "patchq-v7sim: --listen: %s\n", listen.error().reason.c_str());
    return 2;
  }
  try {
    return run(flags, listen->host, listen->port);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "patchq-v7sim: %s\n", e.what());
    return 1;
  }
}
