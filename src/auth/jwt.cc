#include "auth/jwt.h"

#include <cmath>
#include <set>

#include <sodium.h>

#include "base/status_macros.h"

namespace bulwark::auth {
namespace {

absl::Status Refuse(std::string_view why) { return absl::UnauthenticatedError(std::string(why)); }

bool IsB64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A NumericDate: a finite JSON number within a sane range (year 1970 .. 10^11 s).
bool NumericDate(const nlohmann::json& claims, const char* name, int64_t* out, bool* present) {
  auto it = claims.find(name);
  *present = it != claims.end();
  if (!*present) return true;
  if (!it->is_number()) return false;
  double v = it->get<double>();
  if (!std::isfinite(v) || v < 0 || v > 1e11) return false;
  *out = static_cast<int64_t>(v);
  return true;
}

}  // namespace

std::string Base64UrlEncode(std::string_view data) {
  const size_t n = sodium_base64_encoded_len(data.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  std::string out(n, '\0');
  sodium_bin2base64(out.data(), n, reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(n - 1);  // the terminating NUL
  return out;
}

absl::StatusOr<std::string> Base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return Refuse("jwt.bad_base64url");
  for (char c : text) {
    if (!IsB64UrlChar(c)) return Refuse("jwt.bad_base64url");
  }
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return Refuse("jwt.bad_base64url");
  }
  out.resize(len);
  if (Base64UrlEncode(out) != text) return Refuse("jwt.bad_base64url");  // stray bits
  return out;
}

absl::StatusOr<nlohmann::json> ParseStrictJsonObject(std::string_view text) {
  std::vector<std::set<std::string>> members;
  bool bad = false;
  auto callback = [&](int depth, nlohmann::json::parse_event_t event,
                      nlohmann::json& parsed) -> bool {
    if (depth > 32) bad = true;
    switch (event) {
      case nlohmann::json::parse_event_t::object_start:
        members.emplace_back();
        break;
      case nlohmann::json::parse_event_t::object_end:
        if (!members.empty()) members.pop_back();
        break;
      case nlohmann::json::parse_event_t::key:
        if (members.empty() || !members.back().insert(parsed.get<std::string>()).second) {
          bad = true;
        }
        break;
      default:
        break;
    }
    return true;
  };
  nlohmann::json j =
      nlohmann::json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/false);
  if (bad || j.is_discarded() || !j.is_object()) return Refuse("jwt.bad_json");
  return j;
}

bool LooksLikeJwt(std::string_view token) {
  size_t dots = 0;
  for (char c : token) {
    if (c == '.') {
      ++dots;
    } else if (!IsB64UrlChar(c)) {
      return false;
    }
  }
  return dots == 2;
}

absl::StatusOr<Jwt> ParseJwt(std::string_view token) {
  if (token.size() > kMaxTokenSize) return Refuse("jwt.too_large");
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Refuse("jwt.malformed");
  }
  std::string_view h64 = token.substr(0, first);
  std::string_view c64 = token.substr(first + 1, second - first - 1);
  std::string_view s64 = token.substr(second + 1);
  if (h64.empty() || c64.empty() || s64.empty()) return Refuse("jwt.malformed");

  Jwt jwt;
  ASSIGN_OR_RETURN(std::string header_text, Base64UrlDecode(h64));
  ASSIGN_OR_RETURN(std::string claims_text, Base64UrlDecode(c64));
  ASSIGN_OR_RETURN(jwt.signature, Base64UrlDecode(s64));
  ASSIGN_OR_RETURN(jwt.header, ParseStrictJsonObject(header_text));
  ASSIGN_OR_RETURN(jwt.claims, ParseStrictJsonObject(claims_text));

  auto alg = jwt.header.find("alg");
  if (alg == jwt.header.end() || !alg->is_string()) return Refuse("jwt.no_alg");
  jwt.alg = alg->get<std::string>();
  if (Lower(jwt.alg) == "none" || jwt.alg.empty()) return Refuse("jwt.alg_none");
  for (const char* forbidden : {"jwk", "jku", "x5u", "x5c"}) {
    if (jwt.header.contains(forbidden)) return Refuse("jwt.embedded_key");
  }
  if (jwt.header.contains("crit")) return Refuse("jwt.unknown_crit");
  if (auto typ = jwt.header.find("typ"); typ != jwt.header.end()) {
    if (!typ->is_string()) return Refuse("jwt.bad_typ");
    std::string t = Lower(typ->get<std::string>());
    if (t != "jwt" && t != "at+jwt" && t != "application/at+jwt") return Refuse("jwt.bad_typ");
  }
  if (auto kid = jwt.header.find("kid"); kid != jwt.header.end()) {
    if (!kid->is_string() || kid->get<std::string>().empty() ||
        kid->get<std::string>().size() > 128) {
      return Refuse("jwt.bad_kid");
    }
    jwt.kid = kid->get<std::string>();
  }
  jwt.signing_input = std::string(token.substr(0, second));
  return jwt;
}

absl::Status CheckClaims(const Jwt& jwt, const ClaimExpectations& expect) {
  const nlohmann::json& c = jwt.claims;
  auto iss = c.find("iss");
  if (iss == c.end() || !iss->is_string() || iss->get<std::string>() != expect.issuer) {
    return Refuse("jwt.bad_iss");
  }
  auto aud = c.find("aud");
  bool aud_ok = false;
  if (aud != c.end() && aud->is_string()) {
    aud_ok = aud->get<std::string>() == expect.audience;
  } else if (aud != c.end() && aud->is_array()) {
    for (const auto& a : *aud) {
      if (!a.is_string()) {
        aud_ok = false;
        break;
      }
      if (a.get<std::string>() == expect.audience) aud_ok = true;
    }
  }
  if (!aud_ok) return Refuse("jwt.bad_aud");
  int64_t exp = 0, nbf = 0, iat = 0;
  bool has_exp = false, has_nbf = false, has_iat = false;
  if (!NumericDate(c, "exp", &exp, &has_exp) || !has_exp) return Refuse("jwt.bad_exp");
  if (!NumericDate(c, "nbf", &nbf, &has_nbf)) return Refuse("jwt.bad_nbf");
  if (!NumericDate(c, "iat", &iat, &has_iat)) return Refuse("jwt.bad_iat");
  if (exp + expect.leeway <= expect.now) return Refuse("jwt.expired");
  if (has_nbf && nbf > expect.now + expect.leeway) return Refuse("jwt.not_yet_valid");
  if (has_iat && iat > expect.now + expect.leeway) return Refuse("jwt.issued_in_future");
  auto sub = c.find("sub");
  if (sub == c.end() || !sub->is_string()) return Refuse("jwt.bad_sub");
  const std::string& s = sub->get_ref<const std::string&>();
  if (s.empty() || s.size() > 256) return Refuse("jwt.bad_sub");
  for (char ch : s) {
    if (static_cast<unsigned char>(ch) < 0x21 || ch == 0x7f) return Refuse("jwt.bad_sub");
  }
  return absl::OkStatus();
}

std::vector<std::string> ClaimStrings(const nlohmann::json& claims, const std::string& name) {
  std::vector<std::string> out;
  auto it = claims.find(name);
  if (it == claims.end()) return out;
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    size_t start = 0;
    while (start < s.size()) {
      size_t end = s.find(' ', start);
      if (end == std::string::npos) end = s.size();
      if (end > start) out.push_back(s.substr(start, end - start));
      start = end + 1;
    }
  } else if (it->is_array()) {
    for (const auto& v : *it) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

}  // namespace bulwark::auth
