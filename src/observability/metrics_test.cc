#include "observability/metrics.h"

#include <gtest/gtest.h>

namespace bulwark {
namespace {

TEST(Metrics, RendersCountersAndHistograms) {
  Metrics m;
  m.RecordRequest("heygen", "video.generate", 200, 0.02);
  m.RecordRequest("heygen", "video.generate", 200, 0.2);
  m.RecordRefusal("unauthenticated");
  m.RecordUpstreamError("heygen", "timeout");
  std::string text = m.Render();
  EXPECT_NE(text.find("bulwark_requests_total{provider=\"heygen\",operation=\"video.generate\","
                      "status=\"200\"} 2"),
            std::string::npos);
  EXPECT_NE(
      text.find("bulwark_request_duration_seconds_bucket{provider=\"heygen\",le=\"0.025\"} 1"),
      std::string::npos);
  EXPECT_NE(text.find("bulwark_request_duration_seconds_count{provider=\"heygen\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("bulwark_refusals_total{code=\"unauthenticated\"} 1"), std::string::npos);
  EXPECT_NE(text.find("bulwark_upstream_errors_total{provider=\"heygen\",kind=\"timeout\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace bulwark
