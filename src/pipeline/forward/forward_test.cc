#include "pipeline/forward/forward.h"

#include <gtest/gtest.h>

namespace bulwark {
namespace {

bool Has(const std::vector<http::Header>& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (http::EqualsIgnoreCase(h.name, name)) return true;
  }
  return false;
}

TEST(UpstreamHeaders, StripsClientCredentialHopByHopAndBulwarkHeaders) {
  http::Request r;
  r.head.headers = {{"Authorization", "Bearer bwk_client"},
                    {"X-Api-Key", "bwk_client"},
                    {"X-Bulwark-Subject", "user-1"},
                    {"Connection", "keep-alive, X-Secret-Hop"},
                    {"X-Secret-Hop", "1"},
                    {"Keep-Alive", "timeout=5"},
                    {"TE", "trailers"},
                    {"Upgrade", "h2c"},
                    {"Proxy-Authorization", "Basic x"},
                    {"X-Forwarded-For", "10.0.0.1"},
                    {"Host", "gateway"},
                    {"Content-Type", "application/json"},
                    {"Idempotency-Key", "abc"}};
  Secret vendor(std::string("vendor-secret"));
  auto out = UpstreamHeaders(r, *FindProfile("heygen"), vendor);
  for (const char* dropped :
       {"Authorization", "X-Bulwark-Subject", "Connection", "X-Secret-Hop", "Keep-Alive", "TE",
        "Upgrade", "Proxy-Authorization", "X-Forwarded-For", "Host"}) {
    EXPECT_FALSE(Has(out, dropped)) << dropped;
  }
  EXPECT_TRUE(Has(out, "Content-Type"));
  EXPECT_TRUE(Has(out, "Idempotency-Key"));
  int api_keys = 0;
  for (const auto& h : out) {
    if (http::EqualsIgnoreCase(h.name, "x-api-key")) {
      ++api_keys;
      EXPECT_EQ(h.value, "vendor-secret");
    }
  }
  EXPECT_EQ(api_keys, 1);
}

TEST(UpstreamHeaders, OpenAiGetsBearerVendorKey) {
  http::Request r;
  r.head.headers = {{"Authorization", "Bearer bwk_client"}};
  auto out = UpstreamHeaders(r, *FindProfile("openai"), Secret(std::string("sk-vendor")));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].value, "Bearer sk-vendor");
}

TEST(ScrubSecret, RemovesEchoedVendorKeyFromBodyAndHeaders) {
  http::Response r;
  r.body = R"({"your_key":"sk-vendor","again":"sk-vendorsk-vendor"})";
  r.headers = {{"X-Echo", "key=sk-vendor"}};
  ScrubSecret(r, Secret(std::string("sk-vendor")));
  EXPECT_EQ(r.body.find("sk-vendor"), std::string::npos);
  EXPECT_EQ(r.headers[0].value, "key=[REDACTED]");
}

}  // namespace
}  // namespace bulwark
