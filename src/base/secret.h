// File: secret.h
// Secret: a string that cannot be printed, streamed, formatted or logged by accident.
//
//   Secret vendor_key(std::move(plaintext));
//   request.set(header, vendor_key.Reveal());   // the one deliberate way out
//
// There is no operator<<, no fmt formatter (a static_assert fires if one is attempted) and
// no implicit conversion. The bytes are wiped with sodium_memzero when the Secret dies.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace bulwark {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.Wipe(); }
  Secret& operator=(Secret&& other) noexcept {
    if (this != &other) {
      Wipe();
      value_ = std::move(other.value_);
      other.Wipe();
    }
    return *this;
  }
  ~Secret() { Wipe(); }

  // The only way to read the value. Call sites are easy to grep for.
  std::string_view Reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  size_t size() const { return value_.size(); }

  friend bool operator==(const Secret&, const Secret&) = delete;

 private:
  void Wipe() noexcept;
  std::string value_;
};

}  // namespace bulwark

// Formatting a Secret is a compile error, so it can never reach a log line through fmt or
// spdlog.
template <>
struct fmt::formatter<bulwark::Secret> {
  template <typename T>
  struct always_false : std::false_type {};
  constexpr auto parse(format_parse_context& ctx) { return ctx.begin(); }
  template <typename Ctx>
  auto format(const bulwark::Secret&, Ctx& ctx) const {
    static_assert(always_false<Ctx>::value, "bulwark::Secret must not be formatted");
    return ctx.out();
  }
};
