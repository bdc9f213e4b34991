// The status page and admin API driven without sockets: StatusRoute over a StatusService and a
// real redis-server holding known jobs. Escaping, the CSP, auth (token, cookie, CSRF) and the
// dead-letter actions.
#include "services/receiver/status_route.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http/field.hpp>
#include <future>

#include "common/codec/base64.hpp"
#include "common/codec/sha256.hpp"
#include "common/http/peer_address.hpp"
#include "common/http/target.hpp"
#include "common/queue/job_queue.hpp"
#include "services/receiver/receiver_config.hpp"
#include "services/receiver/status_page.hpp"
#include "tests/support/redis_server.hpp"

namespace patchq::receiver {
namespace {

using namespace std::chrono_literals;
namespace bhttp = boost::beast::http;

constexpr const char* kAdminToken = "admin-token-0123456789";
constexpr const char* kHostile = "<script>alert(1)</script>\"'&";

TEST(HtmlEscape, EscapesMarkupQuotesAndAmpersands) {
  EXPECT_EQ(html_escape(kHostile), "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;");
  EXPECT_EQ(html_escape("a\x01"
                        "b\tc\nd"),
            "ab\tc\nd");
  EXPECT_EQ(html_escape("plain"), "plain");
}

TEST(StatusPage, ShowsOutsideTextOnlyEscapedAndHasNoScript) {
  queue::StatusSnapshot s;
  s.now_ms = 1'700'000'000'000;
  s.queue.dead = 1;
  queue::DeadLetter d;
  d.job_id = "j1";
  d.item_id = kHostile;
  d.target = kHostile;
  d.error = "<img src=x onerror=alert(2)>";
  d.reason = "permanent";
  d.dead_at_ms = s.now_ms - 5000;
  s.recent_dead.push_back(d);
  s.running.push_back({"host:1", "j2", kHostile, "ds", s.now_ms - 1000, 0, 1});
  s.workers.push_back({"<b>w</b>", 1, 10});
  s.minutes.resize(15);
  const std::string page = render_status_page(s, "csrf-value");
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("<b>w"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("&lt;img src=x onerror=alert(2)&gt;"), std::string::npos);
  EXPECT_NE(page.find("name=\"csrf\" value=\"csrf-value\""), std::string::npos);
  EXPECT_NE(page.find("action=\"/api/dead/j1/retry\""), std::string::npos);
  EXPECT_NE(page.find("http-equiv=\"refresh\""), std::string::npos);
  EXPECT_NE(page.find("<svg id=\"chart-done\""), std::string::npos);
}

TEST(StatusPage, TheCspAllowsExactlyThePagesStyleBlock) {
  const std::string page = render_status_page(queue::StatusSnapshot{}, "x");
  const auto open = page.find("<style>");
  const auto close = page.find("</style>");
  ASSERT_NE(open, std::string::npos);
  const std::string css = page.substr(open + 7, close - open - 7);
  const auto digest = codec::sha256({css});
  const std::string hash = codec::base64_encode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
  EXPECT_NE(status_page_csp().find("style-src 'sha256-" + hash + "'"), std::string::npos)
      << status_page_csp();
  EXPECT_NE(status_page_csp().find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(status_page_csp().find("script-src"), std::string::npos);
  EXPECT_EQ(page.find("style=\""), std::string::npos);  // inline style attributes are blocked
}

TEST(CookieValue, FindsANamedCookieAmongOthers) {
  EXPECT_EQ(cookie_value("a=1; patchq_admin=xyz; b=2", "patchq_admin"), "xyz");
  EXPECT_EQ(cookie_value("patchq_adminx=1", "patchq_admin"), std::nullopt);
  EXPECT_EQ(cookie_value("", "patchq_admin"), std::nullopt);
}

TEST(ReceiverConfigAdminToken, IsOptionalButMustBeLongAndDistinct) {
  auto ok = parse_receiver_config({"--webhook-token", "w", "--admin-token", kAdminToken});
  ASSERT_EQ(ok.status, config::ParseStatus::ok) << ok.message;
  EXPECT_EQ(ok.config.admin_token, kAdminToken);
  EXPECT_TRUE(parse_receiver_config({"--webhook-token", "w"}).config.admin_token.empty());
  auto short_token = parse_receiver_config({"--webhook-token", "w", "--admin-token", "short"});
  EXPECT_EQ(short_token.status, config::ParseStatus::error);
  EXPECT_NE(short_token.message.find("at least 16"), std::string::npos);
  auto same = parse_receiver_config({"--webhook-token", kAdminToken, "--admin-token", kAdminToken});
  EXPECT_EQ(same.status, config::ParseStatus::error);
  EXPECT_EQ(same.message.find(kAdminToken), std::string::npos);  // secrets stay out of errors
}

class StatusRouteTest : public ::testing::Test {
 protected:
  StatusRouteTest()
      : client_({redis_.endpoint()}),
        queue_(client_, keys_),
        service_(service_options()),
        route_(AdminAuth(kAdminToken), service_) {
    queue_.ensure_group();
  }

  StatusService::Options service_options() {
    StatusService::Options o;
    o.client.endpoint = redis_.endpoint();
    o.keys = keys_;
    o.cache_for = 0ms;  // every request reads Redis, so tests see their own changes
    return o;
  }

  static http::Request request(bhttp::verb verb, const std::string& target,
                               const std::string& body = "", const std::string& content_type = "") {
    http::Request r{verb, target, 11};
    if (!content_type.empty()) r.set(bhttp::field::content_type, content_type);
    r.body() = body;
    r.prepare_payload();
    return r;
  }
  static http::Request with_bearer(http::Request r) {
    r.set(bhttp::field::authorization, std::string("Bearer ") + kAdminToken);
    return r;
  }

  http::Response call(http::Request r) {
    auto promise = std::make_shared<std::promise<http::Response>>();
    auto future = promise->get_future();
    const auto target = http::parse_target(r.target());
    route_.handle(std::move(r), target->path,
                  [promise](http::Response res) { promise->set_value(std::move(res)); });
    if (future.wait_for(5s) != std::future_status::ready) {
      ADD_FAILURE() << "no response within 5 s";
      return {};
    }
    return future.get();
  }

  std::string dead_job(const std::string& item = "item-1") {
    queue::JobSpec spec;
    spec.payload = "{}";
    spec.target = "ds";
    spec.item_id = item;
    const std::string id = queue_.enqueue(spec);
    auto d = queue_.read("w1", 500ms);
    queue_.bury(*queue_.start(*d, "w1"), "w1", "permanent", "refused by V7");
    return id;
  }

  std::string status_of(const std::string& id) {
    return redis_.command({"HGET", keys_.job_record(id), "status"}).str;
  }

  // The session cookie from a successful login.
  std::string login() {
    auto res = call(request(bhttp::verb::post, "/status/login", std::string("token=") + kAdminToken,
                            "application/x-www-form-urlencoded"));
    EXPECT_EQ(res.result(), bhttp::status::see_other);
    const std::string set_cookie(res[bhttp::field::set_cookie]);
    EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
    EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
    EXPECT_EQ(set_cookie.find(kAdminToken), std::string::npos);  // never the token itself
    return set_cookie.substr(0, set_cookie.find(';'));
  }

  testing::RedisServer redis_;
  queue::KeySchema keys_{"s:"};
  redis::SyncClient client_;
  queue::JobQueue queue_;
  StatusService service_;
  StatusRoute route_;
};

TEST_F(StatusRouteTest, ThePageWithoutATokenIsRefusedWithASignInForm) {
  const auto res = call(request(bhttp::verb::get, "/status"));
  EXPECT_EQ(res.result(), bhttp::status::unauthorized);
  EXPECT_NE(res.body().find("action=\"/status/login\""), std::string::npos);
  EXPECT_EQ(res.body().find("count-queued"), std::string::npos);
  EXPECT_EQ(std::string(res["Content-Security-Policy"]), status_page_csp());
}

TEST_F(StatusRouteTest, TheApiWithoutOrWithAWrongTokenIsRefused) {
  EXPECT_EQ(call(request(bhttp::verb::get, "/api/stats")).result(), bhttp::status::unauthorized);
  auto wrong = request(bhttp::verb::get, "/api/stats");
  wrong.set(bhttp::field::authorization, "Bearer not-the-token-at-all");
  const auto res = call(std::move(wrong));
  EXPECT_EQ(res.result(), bhttp::status::unauthorized);
  EXPECT_NE(std::string(res[bhttp::field::www_authenticate]).find("Bearer"), std::string::npos);
  auto webhook_cookie = request(bhttp::verb::get, "/api/stats");
  webhook_cookie.set(bhttp::field::cookie, std::string("patchq_admin=") + kAdminToken);
  EXPECT_EQ(call(std::move(webhook_cookie)).result(), bhttp::status::unauthorized);
}

TEST_F(StatusRouteTest, StatsJsonMatchesRedis) {
  dead_job();
  queue::JobSpec spec;
  spec.payload = "{}";
  spec.target = "ds";
  queue_.enqueue(spec);
  const auto res = call(with_bearer(request(bhttp::verb::get, "/api/stats")));
  ASSERT_EQ(res.result(), bhttp::status::ok) << res.body();
  EXPECT_EQ(std::string(res[bhttp::field::content_type]), "application/json");
  EXPECT_NE(res.body().find("\"queued\":1"), std::string::npos) << res.body();
  EXPECT_NE(res.body().find("\"dead\":1"), std::string::npos) << res.body();
  EXPECT_EQ(std::string(res[bhttp::field::cache_control]), "no-store");
}

TEST_F(StatusRouteTest, LoginSetsACookieThatOpensThePage) {
  dead_job(kHostile);
  auto page = request(bhttp::verb::get, "/status");
  page.set(bhttp::field::cookie, login());
  const auto res = call(std::move(page));
  ASSERT_EQ(res.result(), bhttp::status::ok) << res.body();
  EXPECT_NE(res.body().find("id=\"count-dead\">1<"), std::string::npos);
  EXPECT_EQ(res.body().find("<script"), std::string::npos);
  EXPECT_NE(res.body().find("&lt;script&gt;"), std::string::npos);
}

TEST_F(StatusRouteTest, AWrongLoginTokenIsRefused) {
  const auto res = call(request(bhttp::verb::post, "/status/login", "token=nope",
                                "application/x-www-form-urlencoded"));
  EXPECT_EQ(res.result(), bhttp::status::unauthorized);
  EXPECT_EQ(res.count(bhttp::field::set_cookie), 0u);
}

http::Request login_form(const std::string& token) {
  http::Request r{bhttp::verb::post, "/status/login", 11};
  r.set(bhttp::field::content_type, "application/x-www-form-urlencoded");
  r.body() = "token=" + token;
  r.prepare_payload();
  return r;
}

TEST_F(StatusRouteTest, WrongLoginsFromOneAddressAreThrottledWith429AndRetryAfter) {
  const std::string cookie = login();  // a browser signed in before the attack
  {
    const http::PeerAddressScope attacker("192.0.2.7");
    for (int i = 0; i < LoginThrottle::Options{}.max_failures; ++i) {
      ASSERT_EQ(call(login_form("guess-" + std::to_string(i))).result(),
                bhttp::status::unauthorized)
          << "attempt " << i;
    }
    // Over the limit even the right token is refused: the answer must not tell a right guess.
    const auto refused = call(login_form(kAdminToken));
    EXPECT_EQ(refused.result(), bhttp::status::too_many_requests);
    EXPECT_EQ(refused.count(bhttp::field::set_cookie), 0u);
    const int retry_after = std::stoi(std::string(refused[bhttp::field::retry_after]));
    EXPECT_GE(retry_after, 1);
    EXPECT_LE(retry_after, LoginThrottle::Options{}.window.count());
    EXPECT_NE(refused.body().find("Too many wrong tokens"), std::string::npos);
    EXPECT_NE(refused.body().find("action=\"/status/login\""), std::string::npos);
    // The session cookie is no guess: a signed-in browser behind the same address still works.
    auto page = request(bhttp::verb::get, "/status");
    page.set(bhttp::field::cookie, cookie);
    EXPECT_EQ(call(std::move(page)).result(), bhttp::status::ok);
  }
  const http::PeerAddressScope someone_else("192.0.2.8");
  EXPECT_EQ(call(login_form(kAdminToken)).result(), bhttp::status::see_other);
}

TEST_F(StatusRouteTest, WrongBearerTokensCountAsGuessesToo) {
  const http::PeerAddressScope attacker("2001:db8:7::1");
  for (int i = 0; i < LoginThrottle::Options{}.max_failures; ++i) {
    auto wrong = request(bhttp::verb::get, "/api/stats");
    wrong.set(bhttp::field::authorization, "Bearer guess-" + std::to_string(i));
    ASSERT_EQ(call(std::move(wrong)).result(), bhttp::status::unauthorized) << "attempt " << i;
  }
  const auto refused = call(with_bearer(request(bhttp::verb::get, "/api/stats")));
  EXPECT_EQ(refused.result(), bhttp::status::too_many_requests);
  EXPECT_FALSE(std::string(refused[bhttp::field::retry_after]).empty());
  EXPECT_NE(refused.body().find("too many wrong admin tokens"), std::string::npos);
  // The same /64 is the same client; the login form is throttled for it as well.
  const http::PeerAddressScope same_host("2001:db8:7::2");
  EXPECT_EQ(call(login_form(kAdminToken)).result(), bhttp::status::too_many_requests);
}

TEST_F(StatusRouteTest, ACookieActionWithoutTheCsrfTokenIsRefused) {
  const std::string id = dead_job();
  auto post = request(bhttp::verb::post, "/api/dead/" + id + "/retry", "",
                      "application/x-www-form-urlencoded");
  post.set(bhttp::field::cookie, login());
  EXPECT_EQ(call(std::move(post)).result(), bhttp::status::forbidden);
  EXPECT_EQ(status_of(id), "dead");
}

TEST_F(StatusRouteTest, TheRetryFormMovesTheDeadJobBackToTheQueue) {
  const std::string id = dead_job();
  const std::string csrf = AdminAuth(kAdminToken).csrf_token();
  auto post = request(bhttp::verb::post, "/api/dead/" + id + "/retry", "csrf=" + csrf,
                      "application/x-www-form-urlencoded");
  post.set(bhttp::field::cookie, login());
  const auto res = call(std::move(post));
  EXPECT_EQ(res.result(), bhttp::status::see_other) << res.body();
  EXPECT_EQ(std::string(res[bhttp::field::location]), "/status");
  EXPECT_EQ(status_of(id), "queued");
  EXPECT_EQ(redis_.command({"XLEN", keys_.dead_stream()}).integer, 0);
  EXPECT_EQ(redis_.command({"XLEN", keys_.jobs_stream()}).integer, 1);
}

TEST_F(StatusRouteTest, ApiRetryAnswersJsonAndTellsMissingAndLiveJobsApart) {
  const std::string id = dead_job();
  auto res = call(with_bearer(request(bhttp::verb::post, "/api/dead/" + id + "/retry")));
  EXPECT_EQ(res.result(), bhttp::status::ok) << res.body();
  EXPECT_NE(res.body().find("\"requeued\":true"), std::string::npos);
  EXPECT_EQ(status_of(id), "queued");
  res = call(with_bearer(request(bhttp::verb::post, "/api/dead/" + id + "/retry")));
  EXPECT_EQ(res.result(), bhttp::status::conflict) << res.body();
  res = call(with_bearer(request(bhttp::verb::post, "/api/dead/no-such-job/retry")));
  EXPECT_EQ(res.result(), bhttp::status::not_found) << res.body();
}

TEST_F(StatusRouteTest, RetryAllRequeuesEveryDeadJob) {
  const std::string a = dead_job(), b = dead_job();
  const auto res = call(with_bearer(request(bhttp::verb::post, "/api/dead/retry-all")));
  ASSERT_EQ(res.result(), bhttp::status::ok) << res.body();
  EXPECT_NE(res.body().find("\"requeued\":2"), std::string::npos) << res.body();
  EXPECT_EQ(status_of(a), "queued");
  EXPECT_EQ(status_of(b), "queued");
}

TEST_F(StatusRouteTest, ActionsAreOnlyPostsAndThePageOnlyGet) {
  const std::string id = dead_job();
  EXPECT_EQ(call(with_bearer(request(bhttp::verb::get, "/api/dead/" + id + "/retry"))).result(),
            bhttp::status::method_not_allowed);
  EXPECT_EQ(status_of(id), "dead");
  EXPECT_EQ(call(with_bearer(request(bhttp::verb::post, "/status"))).result(),
            bhttp::status::method_not_allowed);
}

TEST_F(StatusRouteTest, RedisDownAnswers503) {
  redis_.stop();
  const auto res = call(with_bearer(request(bhttp::verb::get, "/api/stats")));
  EXPECT_EQ(res.result(), bhttp::status::service_unavailable) << res.body();
  auto page = request(bhttp::verb::get, "/status");
  page.set(bhttp::field::authorization, std::string("Bearer ") + kAdminToken);
  const auto html = call(std::move(page));
  EXPECT_EQ(html.result(), bhttp::status::service_unavailable);
  EXPECT_NE(html.body().find("Redis is unreachable"), std::string::npos);
}

}  // namespace
}  // namespace patchq::receiver
