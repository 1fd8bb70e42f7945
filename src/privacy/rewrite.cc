#include "privacy/rewrite.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "crypto/keys.h"
#include "fmt/format.h"
#include "privacy/text_util.h"

namespace bulwark::privacy {

using internal::IsAlnum;
using internal::IsHigh;

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kAllow:
      return "allow";
    case Action::kRedact:
      return "redact";
    case Action::kMask:
      return "mask";
    case Action::kPseudonymize:
      return "pseudonymize";
    case Action::kBlock:
      return "block";
  }
  return "redact";
}

std::optional<Action> ParseAction(std::string_view name) {
  for (Action a :
       {Action::kAllow, Action::kRedact, Action::kMask, Action::kPseudonymize, Action::kBlock}) {
    if (ActionName(a) == name) {
      return a;
    }
  }
  if (name == "pseudonymise") {
    return Action::kPseudonymize;
  }
  return std::nullopt;
}

Action DecideAction(const Policy& policy, PiiType type, std::span<const PiiType> consented) {
  if (std::find(consented.begin(), consented.end(), type) != consented.end()) {
    return Action::kAllow;
  }
  auto it = policy.overrides.find(type);
  return it != policy.overrides.end() ? it->second : policy.default_action;
}

std::string RedactionFor(PiiType type) { return fmt::format("[{}]", PiiTypeName(type)); }

std::string Mask(std::string_view value) {
  // Split into UTF-8 code points; letters, digits and non-ASCII characters are maskable.
  std::vector<std::pair<size_t, size_t>> points;  // [start, end)
  for (size_t i = 0; i < value.size();) {
    size_t j = i + 1;
    while (j < value.size() && (static_cast<unsigned char>(value[j]) & 0xC0) == 0x80) {
      ++j;
    }
    points.emplace_back(i, j);
    i = j;
  }
  int keep = 4;
  std::vector<bool> masked(points.size(), false);
  for (size_t k = points.size(); k-- > 0;) {
    const char c = value[points[k].first];
    if (!IsAlnum(c) && !IsHigh(c)) {
      continue;
    }
    if (keep > 0) {
      --keep;
    } else {
      masked[k] = true;
    }
  }
  std::string out;
  out.reserve(value.size());
  for (size_t k = 0; k < points.size(); ++k) {
    if (masked[k]) {
      out.push_back('*');
    } else {
      out.append(value.substr(points[k].first, points[k].second - points[k].first));
    }
  }
  return out;
}

std::string Pseudonymizer::TokenFor(PiiType type, std::string_view value) {
  auto key = std::make_pair(type, std::string(value));
  auto it = forward_.find(key);
  if (it != forward_.end()) {
    return it->second;
  }
  std::string token;
  if (!key_.empty()) {
    std::string digest = KeyedHash(key_, fmt::format("{}:{}", PiiTypeName(type), value));
    token = fmt::format("<{}_{}>", PiiTypeName(type), digest.substr(0, 12));
  }
  if (token.empty() || reverse_.count(token) > 0) {  // no key, or a (2^-48) collision
    const int n = ++counters_[static_cast<size_t>(type)];
    token = fmt::format("<{}_{}>", PiiTypeName(type), n);
  }
  reverse_.emplace(token, key.second);
  forward_.emplace(std::move(key), token);
  return token;
}

namespace {

// Tokens are "<TYPE_N>" or "<TYPE_hexdigest>": '<', letters, digits and '_', '>'; at most
// this many characters (decoded).
constexpr size_t kMaxTokenChars = 40;

int HexValue(char c) {
  if (internal::IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One character of a token as written at text[i]: the byte itself or, in JSON text, a
// "\uXXXX" escape of an ASCII character (Go's encoding/json and other HTML-safe encoders
// write '<', '>' and '&' as \u003c, \u003e and \u0026).
struct Unit {
  char c = 0;
  size_t size = 0;         // bytes it takes in text; 0 = no token character here
  bool escaped = false;    // written as \uXXXX
  bool truncated = false;  // the text ends where more bytes could still make one
};

Unit ReadUnit(std::string_view text, size_t i, bool json) {
  Unit u;
  if (i >= text.size()) {
    u.truncated = true;
    return u;
  }
  if (!json || text[i] != '\\') {
    u.c = text[i];
    u.size = 1;
    return u;
  }
  if (i + 1 >= text.size()) {
    u.truncated = true;
    return u;
  }
  if (text[i + 1] != 'u') return u;
  unsigned code = 0;
  for (size_t k = 0; k < 4; ++k) {
    if (i + 2 + k >= text.size()) {
      u.truncated = true;
      return u;
    }
    const int digit = HexValue(text[i + 2 + k]);
    if (digit < 0) return u;
    code = code * 16 + static_cast<unsigned>(digit);
  }
  if (code == 0 || code >= 0x80) return u;
  u.c = static_cast<char>(code);
  u.size = 6;
  u.escaped = true;
  return u;
}

enum class TokenMatch { kNo, kToken, kPartial };

// Reads a token candidate at text[pos]. kToken: `token` holds it decoded, `size` its bytes in
// text and `escaped` whether any character was a \u escape. kPartial: the text ends before
// the candidate is complete (a stream must wait for more). kNo: no token starts here.
TokenMatch ReadToken(std::string_view text, size_t pos, bool json, std::string* token, size_t* size,
                     bool* escaped) {
  token->clear();
  *escaped = false;
  for (size_t i = pos;;) {
    const Unit u = ReadUnit(text, i, json);
    if (u.size == 0) return u.truncated ? TokenMatch::kPartial : TokenMatch::kNo;
    if (token->empty() ? u.c != '<' : !(u.c == '>' || internal::IsWord(u.c))) {
      return TokenMatch::kNo;
    }
    token->push_back(u.c);
    *escaped = *escaped || u.escaped;
    i += u.size;
    if (u.c == '>') {
      *size = i - pos;
      return TokenMatch::kToken;
    }
    if (token->size() >= kMaxTokenChars) return TokenMatch::kNo;
  }
}

// Visits the places in `text` where a token may start: '<' and, in JSON text, a backslash
// (the start of an escape). Backslash pairs of JSON text stay aligned: "\\u003c" is an
// escaped backslash followed by text, and is skipped as such.
class CandidateScanner {
 public:
  CandidateScanner(std::string_view text, bool json) : text_(text), json_(json) {}

  // Moves to the next candidate at or after pos(); false when there is none.
  bool Next() {
    while (pos_ < text_.size() && text_[pos_] != '<' && !(json_ && text_[pos_] == '\\')) ++pos_;
    return pos_ < text_.size();
  }
  // Reads the candidate at pos(); token(), escaped() and SkipToken() then describe it.
  TokenMatch Read() { return ReadToken(text_, pos_, json_, &token_, &size_, &escaped_); }
  // Moves past a candidate that is no token (past the escaped byte too).
  void Skip() { pos_ += json_ && text_[pos_] == '\\' ? 2 : 1; }
  // Moves past the token that Read() matched.
  void SkipToken() { pos_ += size_; }

  size_t pos() const { return pos_; }
  const std::string& token() const { return token_; }
  bool escaped() const { return escaped_; }

 private:
  std::string_view text_;
  bool json_;
  size_t pos_ = 0;
  std::string token_;
  size_t size_ = 0;
  bool escaped_ = false;
};

// Appends a restored value. In JSON text it is escaped for the inside of a string; if the
// vendor escaped the token's brackets, '<', '>' and '&' in the value are escaped the same
// way, so an answer meant to be safe to embed in HTML stays so.
void AppendValue(const std::string& value, bool json, bool html_safe, std::string* out) {
  if (!json) {
    out->append(value);
    return;
  }
  const std::string quoted =
      nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const std::string_view inner = std::string_view(quoted).substr(1, quoted.size() - 2);
  if (!html_safe) {
    out->append(inner);
    return;
  }
  for (char c : inner) {  // no JSON escape sequence holds these three characters
    switch (c) {
      case '<':
        out->append("\\u003c");
        break;
      case '>':
        out->append("\\u003e");
        break;
      case '&':
        out->append("\\u0026");
        break;
      default:
        out->push_back(c);
    }
  }
}

}  // namespace

std::string Pseudonymizer::Restore(std::string_view text, bool json_string) const {
  std::string out;
  out.reserve(text.size());
  size_t copied = 0;  // text[copied, scan.pos()) is still to be appended
  for (CandidateScanner scan(text, json_string); scan.Next();) {
    if (scan.Read() == TokenMatch::kToken) {
      if (auto it = reverse_.find(scan.token()); it != reverse_.end()) {
        out.append(text.substr(copied, scan.pos() - copied));
        AppendValue(it->second, json_string, scan.escaped(), &out);
        scan.SkipToken();
        copied = scan.pos();
        continue;
      }
    }
    scan.Skip();
  }
  out.append(text.substr(std::min(copied, text.size())));
  return out;
}

size_t Pseudonymizer::PartialTokenStart(std::string_view text, bool json_string) {
  // A token is at most kMaxTokenChars characters of at most 6 bytes each.
  const size_t window = kMaxTokenChars * 6;
  for (CandidateScanner scan(text, json_string); scan.Next(); scan.Skip()) {
    if (text.size() - scan.pos() <= window && scan.Read() == TokenMatch::kPartial) {
      return scan.pos();
    }
  }
  return text.size();
}

std::string StreamRestorer::Feed(std::string_view chunk) {
  pending_.append(chunk);
  // Hold back a tail that could still become a token when more text arrives.
  const size_t cut = Pseudonymizer::PartialTokenStart(pending_, json_string_);
  std::string out = pseudonyms_->Restore(std::string_view(pending_).substr(0, cut), json_string_);
  pending_.erase(0, cut);
  return out;
}

std::string StreamRestorer::Finish() {
  std::string out = pseudonyms_->Restore(pending_, json_string_);
  pending_.clear();
  return out;
}

RewriteResult Rewrite(std::string_view text, std::span<const Finding> findings,
                      const Policy& policy, Pseudonymizer* pseudonyms,
                      std::span<const PiiType> consented) {
  RewriteResult result;
  for (const Finding& f : findings) {
    ++result.found[static_cast<size_t>(f.type)];
    if (DecideAction(policy, f.type, consented) == Action::kBlock &&
        std::find(result.blocked_types.begin(), result.blocked_types.end(), f.type) ==
            result.blocked_types.end()) {
      result.blocked = true;
      result.blocked_types.push_back(f.type);
    }
  }
  if (result.blocked) {
    result.text = std::string(text);
    return result;
  }
  result.text.reserve(text.size());
  size_t pos = 0;
  for (const Finding& f : findings) {
    if (f.start < pos || f.end > text.size()) {
      continue;  // overlapping or out of range: never produced by Scanner::Scan
    }
    const Action action = DecideAction(policy, f.type, consented);
    if (action == Action::kAllow) {
      continue;
    }
    result.text.append(text.substr(pos, f.start - pos));
    const std::string_view value = text.substr(f.start, f.end - f.start);
    switch (action) {
      case Action::kMask:
        result.text.append(Mask(value));
        break;
      case Action::kPseudonymize:
        result.text.append(pseudonyms != nullptr ? pseudonyms->TokenFor(f.type, value)
                                                 : RedactionFor(f.type));
        break;
      default:
        result.text.append(RedactionFor(f.type));
        break;
    }
    ++result.changed[static_cast<size_t>(f.type)];
    pos = f.end;
  }
  result.text.append(text.substr(pos));
  return result;
}

}  // namespace bulwark::privacy
