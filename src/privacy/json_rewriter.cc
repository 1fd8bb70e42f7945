// A small validating JSON walker that records where each string literal sits in the body
// and what path leads to it. Selected literals are decoded, scanned and rewritten; the
// output is the input with just those literals replaced. Recursion is bounded (depth 128)
// and every byte is visited a constant number of times.
#include "privacy/json_rewriter.h"

#include <algorithm>

#include "fmt/format.h"
#include "privacy/text_util.h"

namespace bulwark::privacy {
namespace {

constexpr int kMaxDepth = 128;

struct Literal {
  size_t start;  // the opening quote
  size_t end;    // after the closing quote
  std::string value;
};

class Walker {
 public:
  Walker(std::string_view text, const std::vector<std::vector<std::string>>& paths)
      : text_(text), paths_(paths) {}

  absl::Status Run() {
    SkipSpace();
    if (!Value(0)) {
      return Error();
    }
    SkipSpace();
    if (pos_ != text_.size()) {
      error_ = "trailing characters";
      return Error();
    }
    return absl::OkStatus();
  }

  std::vector<Literal>& selected() { return selected_; }

 private:
  absl::Status Error() const {
    return absl::InvalidArgumentError(
        fmt::format("privacy: body is not valid JSON: {} at byte {}", error_, pos_));
  }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Selected() const {
    if (paths_.empty()) {
      return true;
    }
    for (const auto& path : paths_) {
      // "*" stands for any object key ("variables.*.properties.content").
      if (path.size() <= path_.size() &&
          std::equal(path.begin(), path.end(), path_.begin(),
                     [](const std::string& want, const std::string& have) {
                       return want == have || (want == "*" && have != "[]");
                     })) {
        return true;
      }
    }
    return false;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  bool Hex4(uint32_t* value) {
    if (pos_ + 4 > text_.size()) {
      return false;
    }
    *value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      uint32_t digit;
      if (c >= '0' && c <= '9') {
        digit = static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
      *value = *value * 16 + digit;
    }
    return true;
  }

  // Parses a string literal at pos_; decodes it into *out if out is not null.
  bool String(std::string* out) {
    if (pos_ >= text_.size() || text_[pos_] != '"') {
      error_ = "expected string";
      return false;
    }
    ++pos_;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        error_ = "control character in string";
        return false;
      }
      if (c != '\\') {
        if (out != nullptr) {
          out->push_back(c);
        }
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= text_.size()) {
        break;
      }
      const char e = text_[pos_++];
      char decoded = 0;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          decoded = e;
          break;
        case 'b':
          decoded = '\b';
          break;
        case 'f':
          decoded = '\f';
          break;
        case 'n':
          decoded = '\n';
          break;
        case 'r':
          decoded = '\r';
          break;
        case 't':
          decoded = '\t';
          break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(&cp)) {
            error_ = "bad \\u escape";
            return false;
          }
          if (cp >= 0xD800 && cp <= 0xDBFF && text_.substr(pos_, 2) == "\\u") {
            const size_t save = pos_;
            pos_ += 2;
            uint32_t low;
            if (Hex4(&low) && low >= 0xDC00 && low <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              pos_ = save;
            }
          }
          if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;  // lone surrogate
          }
          if (out != nullptr) {
            AppendUtf8(cp, out);
          }
          continue;
        }
        default:
          error_ = "bad escape";
          return false;
      }
      if (out != nullptr) {
        out->push_back(decoded);
      }
    }
    error_ = "unterminated string";
    return false;
  }

  bool Keyword(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) {
      error_ = "unexpected token";
      return false;
    }
    pos_ += word.size();
    return true;
  }

  bool Number() {
    const size_t start = pos_;
    if (pos_ < text_.size() && text_[pos_] == '-') {
      ++pos_;
    }
    const size_t int_start = pos_;
    while (pos_ < text_.size() && internal::IsDigit(text_[pos_])) {
      ++pos_;
    }
    if (pos_ == int_start || (text_[int_start] == '0' && pos_ - int_start > 1)) {
      error_ = "bad number";
      return false;
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      const size_t frac = ++pos_;
      while (pos_ < text_.size() && internal::IsDigit(text_[pos_])) {
        ++pos_;
      }
      if (pos_ == frac) {
        error_ = "bad number";
        return false;
      }
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) {
        ++pos_;
      }
      const size_t exp = pos_;
      while (pos_ < text_.size() && internal::IsDigit(text_[pos_])) {
        ++pos_;
      }
      if (pos_ == exp) {
        error_ = "bad number";
        return false;
      }
    }
    return pos_ > start;
  }

  bool Value(int depth) {
    if (depth > kMaxDepth) {
      error_ = "nested too deeply";
      return false;
    }
    if (pos_ >= text_.size()) {
      error_ = "unexpected end";
      return false;
    }
    switch (text_[pos_]) {
      case '{':
        return Object(depth);
      case '[':
        return Array(depth);
      case '"': {
        const size_t start = pos_;
        if (Selected()) {
          std::string value;
          if (!String(&value)) {
            return false;
          }
          selected_.push_back({start, pos_, std::move(value)});
          return true;
        }
        return String(nullptr);
      }
      case 't':
        return Keyword("true");
      case 'f':
        return Keyword("false");
      case 'n':
        return Keyword("null");
      default:
        return Number();
    }
  }

  bool Object(int depth) {
    ++pos_;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipSpace();
      std::string key;
      if (!String(&key)) {
        return false;
      }
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ':') {
        error_ = "expected ':'";
        return false;
      }
      ++pos_;
      SkipSpace();
      path_.push_back(std::move(key));
      const bool ok = Value(depth + 1);
      path_.pop_back();
      if (!ok) {
        return false;
      }
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return true;
      }
      error_ = "expected ',' or '}'";
      return false;
    }
  }

  bool Array(int depth) {
    ++pos_;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return true;
    }
    path_.emplace_back("[]");
    while (true) {
      SkipSpace();
      if (!Value(depth + 1)) {
        return false;
      }
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        path_.pop_back();
        return true;
      }
      error_ = "expected ',' or ']'";
      return false;
    }
  }

  std::string_view text_;
  const std::vector<std::vector<std::string>>& paths_;
  size_t pos_ = 0;
  std::string error_ = "syntax error";
  std::vector<std::string> path_;
  std::vector<Literal> selected_;
};

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> segments;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t dot = path.find('.', pos);
    if (dot == std::string_view::npos) {
      dot = path.size();
    }
    std::string_view segment = path.substr(pos, dot - pos);
    int arrays = 0;
    while (segment.size() >= 2 && segment.substr(segment.size() - 2) == "[]") {
      segment.remove_suffix(2);
      ++arrays;
    }
    if (!segment.empty()) {
      segments.emplace_back(segment);
    }
    for (int i = 0; i < arrays; ++i) {
      segments.emplace_back("[]");
    }
    pos = dot + 1;
  }
  return segments;
}

}  // namespace

std::string JsonQuote(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 2);
  out.push_back('"');
  for (char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

JsonRewriter::JsonRewriter(std::vector<std::string> paths) {
  for (const std::string& path : paths) {
    paths_.push_back(SplitPath(path));
  }
}

absl::StatusOr<JsonRewriteResult> JsonRewriter::Rewrite(std::string_view body,
                                                        const Scanner& scanner,
                                                        const Policy& policy,
                                                        Pseudonymizer* pseudonyms,
                                                        std::span<const PiiType> consented) const {
  Walker walker(body, paths_);
  if (absl::Status status = walker.Run(); !status.ok()) {
    return status;
  }
  JsonRewriteResult result;
  std::vector<std::pair<const Literal*, std::string>> replacements;
  for (const Literal& literal : walker.selected()) {
    auto findings = scanner.Scan(literal.value);
    if (!findings.ok()) {
      return findings.status();
    }
    if (findings->empty()) {
      continue;
    }
    RewriteResult rewritten =
        privacy::Rewrite(literal.value, *findings, policy, pseudonyms, consented);
    for (int i = 0; i < kNumPiiTypes; ++i) {
      result.found[i] += rewritten.found[i];
      result.changed[i] += rewritten.changed[i];
    }
    for (PiiType type : rewritten.blocked_types) {
      if (std::find(result.blocked_types.begin(), result.blocked_types.end(), type) ==
          result.blocked_types.end()) {
        result.blocked_types.push_back(type);
      }
    }
    result.blocked = result.blocked || rewritten.blocked;
    if (rewritten.text != literal.value) {
      replacements.emplace_back(&literal, JsonQuote(rewritten.text));
    }
  }
  if (result.blocked) {
    result.body = std::string(body);
    return result;
  }
  size_t pos = 0;
  for (const auto& [literal, quoted] : replacements) {
    result.body.append(body.substr(pos, literal->start - pos));
    result.body.append(quoted);
    pos = literal->end;
  }
  result.body.append(body.substr(pos));
  return result;
}

}  // namespace bulwark::privacy
