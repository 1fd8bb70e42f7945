#include "http/request_head.h"

#include <gtest/gtest.h>

namespace bulwark::http {
namespace {

std::variant<RequestHead, ParseError> Parse(std::string_view block, uint64_t max_body = 1024) {
  HeadLimits limits;
  limits.max_body = max_body;
  return ParseRequestHead(block, limits);
}

int StatusOf(std::string_view block) {
  auto r = Parse(block);
  return std::holds_alternative<ParseError>(r) ? std::get<ParseError>(r).status : 200;
}

TEST(ParseRequestHead, AcceptsAWellFormedRequest) {
  auto r = Parse(
      "POST /heygen/v2/video/generate?x=1 HTTP/1.1\r\nHost: gw\r\nContent-Length: 12\r\n"
      "X-Api-Key:  abc \r\n\r\n");
  ASSERT_TRUE(std::holds_alternative<RequestHead>(r));
  const auto& h = std::get<RequestHead>(r);
  EXPECT_EQ(h.method, "POST");
  EXPECT_EQ(h.path, "/heygen/v2/video/generate");
  EXPECT_EQ(h.query, "x=1");
  EXPECT_EQ(h.host, "gw");
  EXPECT_EQ(*h.content_length, 12u);
  EXPECT_EQ(*h.Find("x-api-key"), "abc");
  EXPECT_TRUE(h.keep_alive);
}

TEST(ParseRequestHead, RefusesAmbiguousFraming) {
  EXPECT_EQ(StatusOf("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n"),
            400);
  EXPECT_EQ(
      StatusOf("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n"),
      400);
  EXPECT_EQ(StatusOf("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
            400);
  EXPECT_EQ(StatusOf("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n"),
            400);
  EXPECT_EQ(StatusOf("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n"), 400);
}

TEST(ParseRequestHead, RefusesBadHeaders) {
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n"), 400);  // obs-fold
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\nHost: a\r\nX_A: b\r\n\r\n"), 400);        // underscore
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\nHost: a\r\nX A: b\r\n\r\n"), 400);        // space
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n"), 400);       // ws before :
  EXPECT_EQ(StatusOf(std::string("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\0c\r\n\r\n", 37)), 400);
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x01\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x7f\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n"), 400);
}

TEST(ParseRequestHead, RequiresExactlyOneValidHost) {
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\nX-A: b\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"), 200);
}

TEST(ParseRequestHead, RefusesNonOriginTargets) {
  EXPECT_EQ(StatusOf("GET http://evil.example/ HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf("CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(StatusOf("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"), 400);
}

TEST(ParseRequestHead, EnforcesBounds) {
  std::string many = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 100; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(StatusOf(many + "\r\n"), 431);
  EXPECT_EQ(StatusOf("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1025\r\n\r\n"), 413);
  EXPECT_EQ(StatusOf("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n"),
            400);
}

TEST(ParseRequestHead, ConnectionHandling) {
  auto r = Parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n");
  EXPECT_FALSE(std::get<RequestHead>(r).keep_alive);
  auto r10 = Parse("GET / HTTP/1.0\r\nHost: a\r\n\r\n");
  EXPECT_FALSE(std::get<RequestHead>(r10).keep_alive);
  auto r10ka = Parse("GET / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_TRUE(std::get<RequestHead>(r10ka).keep_alive);
}

TEST(HeadScanner, RefusesBareLineEndingsEarly) {
  HeadScanner s;
  EXPECT_EQ(s.Feed("GET / HTTP/1.1\nHost: a\n\n"), HeadScanner::kError);
  HeadScanner cr;
  EXPECT_EQ(cr.Feed("GET / HTTP/1.1\rHost: a\r\n\r\n"), HeadScanner::kError);
  HeadScanner ok;
  std::string req = "GET / HTTP/1.1\r\nHost: a\r\n\r\nNEXT";
  EXPECT_EQ(ok.Feed(req.substr(0, 10)), HeadScanner::kNeedMore);
  EXPECT_EQ(ok.Feed(req), HeadScanner::kComplete);
  EXPECT_EQ(ok.end(), req.size() - 4);
}

TEST(HeadScanner, RefusesOversizeHeadBeforeItEnds) {
  HeadScanner s(64);
  EXPECT_EQ(s.Feed("GET / HTTP/1.1\r\nX-A: " + std::string(100, 'a')), HeadScanner::kError);
  EXPECT_EQ(s.error().status, 431);
}

}  // namespace
}  // namespace bulwark::http
