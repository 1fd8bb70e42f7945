#include "http/path.h"

#include <gtest/gtest.h>

namespace bulwark::http {
namespace {

TEST(NormalizePath, ResolvesDotsAndEmptySegments) {
  EXPECT_EQ(NormalizePath("/heygen/v2//video/./generate").value(), "/heygen/v2/video/generate");
  EXPECT_EQ(NormalizePath("/heygen/v2/x/../avatars").value(), "/heygen/v2/avatars");
  EXPECT_EQ(NormalizePath("/heygen/v2/avatars/").value(), "/heygen/v2/avatars");
  EXPECT_EQ(NormalizePath("/heygen/%2e/v2%2Favatars").value(), "/heygen/v2/avatars");
  EXPECT_EQ(NormalizePath("/").value(), "/");
}

TEST(NormalizePath, KeepsOtherEscapesUpperCased) {
  EXPECT_EQ(NormalizePath("/heygen/v2/template/a%20b").value(), "/heygen/v2/template/a%20b");
  EXPECT_EQ(NormalizePath("/heygen/x%3a").value(), "/heygen/x%3A");
}

TEST(NormalizePath, RefusesEscapesFromThePrefix) {
  for (const char* bad : {"/heygen/../writesonic/x", "/heygen/v2/../../openai", "/..",
                          "/heygen/%2e%2e/openai", "/heygen/v2/%2E%2E%2F%2E%2E/x"}) {
    EXPECT_FALSE(NormalizePath(bad).ok()) << bad;
  }
}

TEST(NormalizePath, RefusesBackslashNulAndBadEscapes) {
  for (const char* bad : {"/heygen\\v2", "/heygen/%5cv2", "/heygen/%5C", "/heygen/%00",
                          "/heygen/%zz", "/heygen/%2", "relative"}) {
    EXPECT_FALSE(NormalizePath(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace bulwark::http
