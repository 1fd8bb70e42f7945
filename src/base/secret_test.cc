#include "base/secret.h"

#include <type_traits>

#include <gtest/gtest.h>

#include "base/random.h"

namespace bulwark {
namespace {

template <typename T, typename = void>
struct IsStreamable : std::false_type {};
template <typename T>
struct IsStreamable<T, std::void_t<decltype(std::declval<std::ostream&>() << std::declval<T>())>>
    : std::true_type {};

TEST(Secret, CannotBeStreamedOrConverted) {
  static_assert(!IsStreamable<Secret>::value, "Secret must not be streamable");
  static_assert(!std::is_convertible_v<Secret, std::string>);
  static_assert(!std::is_convertible_v<Secret, std::string_view>);
}

TEST(Secret, RevealReturnsValueAndMoveEmptiesSource) {
  Secret a(std::string("vendor-key"));
  EXPECT_EQ(a.Reveal(), "vendor-key");
  Secret b(std::move(a));
  EXPECT_EQ(b.Reveal(), "vendor-key");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): documented state
}

TEST(Random, TokensHaveExpectedAlphabetAndLength) {
  std::string t = RandomBase62(32);
  EXPECT_EQ(t.size(), 44u);  // 256 bits at ~5.95 bits per symbol
  for (char c : t) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)));
  EXPECT_NE(RandomBase62(32), t);
  EXPECT_EQ(NewRequestId().size(), 32u);
}

}  // namespace
}  // namespace bulwark
