#include "common/obs/metrics.hpp"

#include <gtest/gtest.h>

namespace patchq::obs {
namespace {

TEST(Metrics, RendersCountersWithLabelsInPrometheusFormat) {
  Registry r;
  r.counter("patchq_requests_total", "Requests.", {{"route", "/webhook"}, {"status", "202"}})
      .inc(3);
  const std::string text = r.render();
  EXPECT_NE(text.find("# TYPE patchq_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("patchq_requests_total{route=\"/webhook\",status=\"202\"} 3\n"),
            std::string::npos)
      << text;
}

TEST(Metrics, SameNameAndLabelsReturnTheSameSeries) {
  Registry r;
  Counter& a = r.counter("c", "h", {{"k", "v"}});
  Counter& b = r.counter("c", "h", {{"k", "v"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &r.counter("c", "h", {{"k", "w"}}));
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Registry r;
  Histogram& h = r.histogram("lat_seconds", "Latency.", {0.1, 1.0});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  const std::string text = r.render();
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_count 3\n"), std::string::npos) << text;
}

TEST(Metrics, CallbackGaugesAreReadAtRenderTime) {
  Registry r;
  double depth = 1;
  r.gauge_callback("queue_depth", "Depth.", [&] { return depth; });
  depth = 42;
  EXPECT_NE(r.render().find("queue_depth 42\n"), std::string::npos);
}

TEST(Metrics, RegisteringOneNameWithTwoTypesIsAnError) {
  Registry r;
  r.counter("x", "h");
  EXPECT_THROW(r.gauge("x", "h"), std::logic_error);
}

}  // namespace
}  // namespace patchq::obs
