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

std::string Pseudonymizer::Restore(std::string_view text, bool json_string) const {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find('<', pos);
    if (open == std::string_view::npos) {
      break;
    }
    const size_t close = text.find('>', open + 1);
    if (close == std::string_view::npos || close - open > 40) {
      out.append(text.substr(pos, open + 1 - pos));
      pos = open + 1;
      continue;
    }
    auto it = reverse_.find(std::string(text.substr(open, close + 1 - open)));
    if (it == reverse_.end()) {
      out.append(text.substr(pos, open + 1 - pos));
      pos = open + 1;
      continue;
    }
    out.append(text.substr(pos, open - pos));
    if (json_string) {
      const std::string quoted =
          nlohmann::json(it->second).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      out.append(quoted, 1, quoted.size() - 2);
    } else {
      out.append(it->second);
    }
    pos = close + 1;
  }
  out.append(text.substr(pos));
  return out;
}

std::string StreamRestorer::Feed(std::string_view chunk) {
  pending_.append(chunk);
  // Hold back from the last '<' if no '>' follows it and it could still become a token.
  size_t cut = pending_.size();
  const size_t open = pending_.rfind('<');
  if (open != std::string::npos && pending_.find('>', open) == std::string::npos &&
      pending_.size() - open <= 40) {
    cut = open;
  }
  std::string out = pseudonyms_->Restore(std::string_view(pending_).substr(0, cut));
  pending_.erase(0, cut);
  return out;
}

std::string StreamRestorer::Finish() {
  std::string out = pseudonyms_->Restore(pending_);
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
