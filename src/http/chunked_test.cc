#include "http/chunked.h"

#include <gtest/gtest.h>

namespace bulwark::http {
namespace {

struct Outcome {
  ChunkedDecoder::Result result;
  std::string body;
  int status;
};

Outcome Decode(std::string_view wire, uint64_t max_body = 1024, size_t step = 0) {
  std::string body;
  ChunkedDecoder d(max_body, &body);
  ChunkedDecoder::Result r = ChunkedDecoder::kNeedMore;
  if (step == 0) {
    r = d.Feed(wire);
  } else {
    for (size_t i = 0; i < wire.size() && r == ChunkedDecoder::kNeedMore; i += step) {
      r = d.Feed(wire.substr(i, step));
    }
  }
  return {r, body, d.error().status};
}

TEST(ChunkedDecoder, DecodesChunksExtensionsAndTrailers) {
  std::string wire = "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: v\r\n\r\n";
  for (size_t step : {0, 1, 3}) {
    auto o = Decode(wire, 1024, step);
    EXPECT_EQ(o.result, ChunkedDecoder::kDone) << step;
    EXPECT_EQ(o.body, "hello world");
  }
}

TEST(ChunkedDecoder, ReportsBytesConsumedSoPipelinedDataSurvives) {
  std::string body;
  ChunkedDecoder d(1024, &body);
  ASSERT_EQ(d.Feed("1\r\na\r\n0\r\n\r\nGET /"), ChunkedDecoder::kDone);
  EXPECT_EQ(d.consumed(), 11u);
}

TEST(ChunkedDecoder, RefusesBadFraming) {
  for (const char* bad : {"x\r\n", "\r\n", "5\nhello\r\n0\r\n\r\n", "5\r\nhelloXY0\r\n\r\n",
                          "-1\r\n", "1 1\r\na\r\n", "11111111111111111\r\n", "5\r\nhello\r\n0\n\n",
                          "0\r\nBad Trailer\r\n\r\n", "0\r\nX_Y: v\r\n\r\n", "5\rhello"}) {
    EXPECT_EQ(Decode(bad).result, ChunkedDecoder::kError) << bad;
  }
}

TEST(ChunkedDecoder, RefusesBodyOverLimitBeforeReadingIt) {
  auto o = Decode("400\r\n", 1023);
  EXPECT_EQ(o.result, ChunkedDecoder::kError);
  EXPECT_EQ(o.status, 413);
  auto sum = Decode("200\r\n" + std::string(512, 'a') + "\r\n201\r\n", 1024);
  EXPECT_EQ(sum.status, 413);
}

TEST(ChunkedDecoder, BoundsExtensionLength) {
  EXPECT_EQ(Decode("1;" + std::string(5000, 'a') + "\r\n").result, ChunkedDecoder::kError);
}

}  // namespace
}  // namespace bulwark::http
