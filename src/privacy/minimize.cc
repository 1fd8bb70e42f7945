// Minimisation walks the body's bytes with the set of allow-list paths still "alive" at
// each node (a path index and how many of its segments are matched). A node where some
// path is fully matched is copied whole; an object member is kept if some alive path
// continues with its key (or "*"); an array element if some continues with "[]".
//
// The body is first validated by nlohmann::json (after a depth pre-check so that nothing
// recursive sees more than 128 levels); the walk then runs on text known to be valid JSON
// and copies every kept value as its original bytes, so numbers keep their spelling (1.0,
// 1e2) and strings their escapes. Only the containers that lose members are rewritten,
// compactly. Duplicate keys are handled member by member, as JsonRewriter scans them.
#include "privacy/minimize.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "privacy/text_util.h"

namespace bulwark::privacy {
namespace {

constexpr int kMaxDepth = 128;

using internal::IsSpace;
using Json = nlohmann::ordered_json;
using Path = std::vector<std::string>;

struct State {
  size_t path;
  size_t pos;
};

// Bracket depth outside string literals; false if it exceeds kMaxDepth.
bool DepthWithinBound(std::string_view body) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

Path Split(std::string_view path) {
  Path out;
  std::string current;
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '.') {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else if (c == '[' && i + 1 < path.size() && path[i + 1] == ']') {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
      out.emplace_back("[]");
      ++i;
    } else {
      current += c;
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

bool PlainIdentifier(std::string_view key) {
  if (key.empty() || key.size() > 64) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// Walks a body that nlohmann has already accepted as JSON: no syntax checks here.
class Walker {
 public:
  Walker(std::string_view text, const std::vector<Path>& paths, MinimizeResult* out)
      : text_(text), paths_(paths), out_(out) {}

  // Appends the minimised value at pos_ to `body` and moves past it.
  void Walk(const std::vector<State>& states, const std::string& where, std::string* body) {
    SkipSpace();
    if (pos_ >= text_.size()) return;  // not reached: the text is valid JSON
    const size_t start = pos_;
    const bool whole = std::any_of(states.begin(), states.end(), [&](const State& s) {
      return s.pos == paths_[s.path].size();  // a whole allowed subtree
    });
    const char c = text_[pos_];
    if (whole || (c != '{' && c != '[')) {
      // A scalar where the allow-list expects more structure is kept: its key was allowed.
      pos_ = ValueEnd(pos_);
      body->append(text_.substr(start, pos_ - start));
      return;
    }
    if (c == '{') {
      body->push_back('{');
      bool first = true;
      ++pos_;
      for (SkipSpace(); pos_ < text_.size() && text_[pos_] != '}'; SkipSpace()) {
        if (text_[pos_] == ',') {
          ++pos_;
          SkipSpace();
        }
        const size_t key_start = pos_;
        pos_ = StringEnd(pos_);
        const std::string_view raw_key = text_.substr(key_start, pos_ - key_start);
        const std::string key = DecodeKey(raw_key);
        SkipSpace();
        ++pos_;  // ':'
        std::vector<State> next = Advance(states, key, /*is_key=*/true);
        std::string child = Join(where, PlainIdentifier(key) ? key : "<key>");
        if (next.empty()) {
          Drop(child);
          SkipSpace();
          pos_ = ValueEnd(pos_);
          continue;
        }
        if (!first) body->push_back(',');
        first = false;
        body->append(raw_key);
        body->push_back(':');
        Walk(next, child, body);
      }
      ++pos_;
      body->push_back('}');
      return;
    }
    std::vector<State> next = Advance(states, "[]", /*is_key=*/false);
    if (next.empty()) {
      pos_ = ValueEnd(pos_);
      if (text_.find_first_not_of(" \t\n\r", start + 1) != pos_ - 1) Drop(where + "[]");
      body->append("[]");
      return;
    }
    body->push_back('[');
    ++pos_;
    bool first = true;
    const std::string element = where + "[]";
    for (SkipSpace(); pos_ < text_.size() && text_[pos_] != ']'; SkipSpace()) {
      if (text_[pos_] == ',') ++pos_;
      if (!first) body->push_back(',');
      first = false;
      Walk(next, element, body);
    }
    ++pos_;
    body->push_back(']');
  }

 private:
  void SkipSpace() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
  }

  // `p` is at a string's opening quote; returns the index after its closing quote.
  size_t StringEnd(size_t p) const {
    for (++p; p < text_.size(); ++p) {
      if (text_[p] == '\\') {
        ++p;
      } else if (text_[p] == '"') {
        return p + 1;
      }
    }
    return text_.size();
  }

  // `p` is at a value; returns the index after it.
  size_t ValueEnd(size_t p) const {
    const char c = text_[p];
    if (c == '"') return StringEnd(p);
    if (c != '{' && c != '[') {  // number, true, false, null
      while (p < text_.size() && !IsSpace(text_[p]) && text_[p] != ',' && text_[p] != '}' &&
             text_[p] != ']') {
        ++p;
      }
      return p;
    }
    int depth = 0;
    while (p < text_.size()) {
      const char d = text_[p];
      if (d == '"') {
        p = StringEnd(p);
        continue;
      }
      ++p;
      if (d == '{' || d == '[') {
        ++depth;
      } else if ((d == '}' || d == ']') && --depth == 0) {
        return p;
      }
    }
    return p;
  }

  // A key literal (quotes included) as the text it stands for.
  static std::string DecodeKey(std::string_view literal) {
    const std::string_view inner = literal.substr(1, literal.size() - 2);
    if (inner.find('\\') == std::string_view::npos) return std::string(inner);
    Json decoded = Json::parse(literal, nullptr, /*allow_exceptions=*/false);
    return decoded.is_string() ? decoded.get<std::string>() : std::string(inner);
  }

  std::vector<State> Advance(const std::vector<State>& states, const std::string& segment,
                             bool is_key) const {
    std::vector<State> next;
    for (const State& s : states) {
      const std::string& want = paths_[s.path][s.pos];
      if (want == segment || (is_key && want == "*")) next.push_back({s.path, s.pos + 1});
    }
    return next;
  }

  static std::string Join(const std::string& where, const std::string& key) {
    if (where.empty()) return key;
    return where + "." + key;
  }

  void Drop(const std::string& name) {
    ++out_->dropped_count;
    if (out_->dropped.size() < kMaxDroppedNames &&
        std::find(out_->dropped.begin(), out_->dropped.end(), name) == out_->dropped.end()) {
      out_->dropped.push_back(name);
    }
  }

  std::string_view text_;
  const std::vector<Path>& paths_;
  MinimizeResult* out_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<MinimizeResult> Minimize(std::string_view body,
                                        std::span<const std::string_view> allowed) {
  if (!DepthWithinBound(body)) {
    return absl::InvalidArgumentError("privacy: body nests deeper than 128 levels");
  }
  // Validation only: the walk below reads the original bytes.
  if (!Json::accept(body)) return absl::InvalidArgumentError("privacy: body is not valid JSON");
  MinimizeResult out;
  if (allowed.empty()) {
    out.body = std::string(body);
    return out;
  }
  std::vector<Path> paths;
  std::vector<State> states;
  for (std::string_view a : allowed) {
    states.push_back({paths.size(), 0});
    paths.push_back(Split(a));
  }
  // nlohmann skips a UTF-8 byte order mark before the document; so does the walk.
  std::string_view text = body;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::string minimized;
  minimized.reserve(text.size());
  Walker(text, paths, &out).Walk(states, "", &minimized);
  out.body = out.dropped_count == 0 ? std::string(body) : std::move(minimized);
  return out;
}

}  // namespace bulwark::privacy
