#include "server/app/routes.h"

#include <gtest/gtest.h>

namespace ei::server {
namespace {

TEST(Routes, MatchesTemplatesExactly) {
  auto m = match_route("/v1/models/logistic_v1/versions/1.0.0");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->route->id, RouteId::kV1ModelCard);
  EXPECT_EQ(m->params, (std::vector<std::string>{"logistic_v1", "1.0.0"}));
  EXPECT_EQ(match_route("/jobs/abc")->route->id, RouteId::kJob);
  EXPECT_EQ(match_route("/v1/contexts")->route->id, RouteId::kV1Contexts);
  EXPECT_FALSE(match_route("/v1/contexts/"));
  EXPECT_FALSE(match_route(""));
  EXPECT_FALSE(match_route("jobs/x"));
  EXPECT_FALSE(match_route("/v1//models"));
  EXPECT_EQ(target_path("/health?x=1#f"), "/health");
}

TEST(Routes, PercentDecodingOnce) {
  EXPECT_EQ(percent_decode("a%2Fb+c%zz%4"), "a/b+c%zz%4");
  EXPECT_EQ(percent_decode("%252F"), "%2F");
  auto m = match_route("/v1/models/a%2Fb/versions/1");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->params[0], "a/b");
}

TEST(Routes, MethodsAndClasses) {
  const auto* job = match_route("/v1/jobs/x")->route;
  EXPECT_EQ(allow_header(*job), "GET, DELETE");
  EXPECT_TRUE(method_allowed(*job, "DELETE"));
  EXPECT_FALSE(method_allowed(*match_route("/jobs/x")->route, "DELETE"));
  EXPECT_EQ(rate_class(*match_route("/infer/plain")->route, "POST"), RateClass::kSubmit);
  EXPECT_EQ(rate_class(*match_route("/v1/contexts")->route, "POST"), RateClass::kSubmit);
  EXPECT_EQ(rate_class(*job, "GET"), RateClass::kRead);
  EXPECT_EQ(rate_class(*match_route("/metrics")->route, "GET"), RateClass::kNone);
  EXPECT_TRUE(creates_work(*match_route("/infer")->route, "POST"));
  EXPECT_FALSE(creates_work(*job, "DELETE"));
}

}  // namespace
}  // namespace ei::server
