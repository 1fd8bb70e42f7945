// Minimisation walks a parsed copy of the body with the set of allow-list paths still
// "alive" at each node (a path index and how many of its segments are matched). A node
// where some path is fully matched is kept whole; an object member is kept if some alive
// path continues with its key (or "*"); an array element if some continues with "[]".
// Parsing is done by nlohmann::json, after a depth pre-check so that its recursive
// serialiser cannot be driven into a deep recursion.
#include "privacy/minimize.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace bulwark::privacy {
namespace {

constexpr int kMaxDepth = 128;

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

class Walker {
 public:
  explicit Walker(const std::vector<Path>& paths, MinimizeResult* out) : paths_(paths), out_(out) {}

  void Walk(Json& node, const std::vector<State>& states, const std::string& where) {
    for (const State& s : states) {
      if (s.pos == paths_[s.path].size()) return;  // a whole allowed subtree
    }
    if (node.is_object()) {
      for (auto it = node.begin(); it != node.end();) {
        std::vector<State> next = Advance(states, it.key(), /*is_key=*/true);
        std::string child = Join(where, PlainIdentifier(it.key()) ? it.key() : "<key>");
        if (next.empty()) {
          Drop(child);
          it = node.erase(it);
        } else {
          Walk(it.value(), next, child);
          ++it;
        }
      }
    } else if (node.is_array()) {
      std::vector<State> next = Advance(states, "[]", /*is_key=*/false);
      if (next.empty()) {
        if (!node.empty()) Drop(where + "[]");
        node = Json::array();
        return;
      }
      for (Json& element : node) Walk(element, next, where + "[]");
    }
    // A scalar where the allow-list expects more structure is kept: its key was allowed.
  }

 private:
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

  const std::vector<Path>& paths_;
  MinimizeResult* out_;
};

}  // namespace

absl::StatusOr<MinimizeResult> Minimize(std::string_view body,
                                        std::span<const std::string_view> allowed) {
  if (!DepthWithinBound(body)) {
    return absl::InvalidArgumentError("privacy: body nests deeper than 128 levels");
  }
  Json doc = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return absl::InvalidArgumentError("privacy: body is not valid JSON");
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
  Walker(paths, &out).Walk(doc, states, "");
  if (out.dropped_count == 0) {
    out.body = std::string(body);
  } else {
    out.body = doc.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  return out;
}

}  // namespace bulwark::privacy
