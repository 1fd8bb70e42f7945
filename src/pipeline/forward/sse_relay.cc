#include "pipeline/forward/sse_relay.h"

#include <nlohmann/json.hpp>

namespace bulwark {

namespace {
constexpr std::string_view kMask = "[REDACTED]";
// An event larger than this without its blank line is emitted as it is (restored).
constexpr size_t kMaxEvent = 1 << 20;

using Json = nlohmann::ordered_json;

// The end of the first event (after its blank line) in `text`, or npos. `from` is how
// much of `text` is known to hold no event end: a long event arriving in small reads is
// then scanned once, not once per read.
size_t EventEnd(std::string_view text, size_t from) {
  const size_t start = from > 3 ? from - 3 : 0;  // a separator may straddle the old end
  size_t lf = text.find("\n\n", start);
  size_t crlf = text.find("\r\n\r\n", start);
  if (lf == std::string_view::npos && crlf == std::string_view::npos) return std::string_view::npos;
  if (crlf == std::string_view::npos || (lf != std::string_view::npos && lf < crlf)) return lf + 2;
  return crlf + 4;
}

// True when `line` is a `data:` line whose payload is JSON (an object or an array).
bool IsJsonData(std::string_view line) {
  if (line.rfind("data:", 0) != 0) return false;
  line.remove_prefix(5);
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  return !line.empty() && (line.front() == '{' || line.front() == '[');
}
}  // namespace

// Complete tokens in any event, line by line: the `data:` lines of an event whose data is
// JSON are restored as JSON (values escaped for a JSON string, tokens written with \u003c
// escapes matched), every other line as text.
std::string SseRestorer::RestoreLines(std::string_view event) const {
  std::string out;
  bool seen_data = false;
  bool json = false;  // decided by the event's first data line
  for (size_t pos = 0; pos < event.size();) {
    const size_t lf = event.find('\n', pos);
    const size_t end = lf == std::string_view::npos ? event.size() : lf + 1;
    const std::string_view line = event.substr(pos, end - pos);
    const bool data = line.rfind("data:", 0) == 0;
    if (data && !seen_data) {
      seen_data = true;
      json = IsJsonData(line);
    }
    out += pseudonyms_->Restore(line, data && json);
    pos = end;
  }
  return out;
}

std::string SseRestorer::Feed(std::string_view bytes) {
  pending_.append(bytes);
  std::string out;
  for (size_t end; (end = EventEnd(pending_, scanned_)) != std::string::npos;) {
    out += Event(std::string_view(pending_).substr(0, end));
    pending_.erase(0, end);
    scanned_ = 0;
  }
  scanned_ = pending_.size();
  if (pending_.size() > kMaxEvent) {
    out += RestoreLines(pending_);
    pending_.clear();
    scanned_ = 0;
  }
  return out;
}

std::string SseRestorer::Finish() {
  std::string out = Flush();
  out += RestoreLines(pending_);
  pending_.clear();
  scanned_ = 0;
  return out;
}

// Held-back partial tokens, as one synthetic event per stream (they were not tokens).
std::string SseRestorer::Flush() {
  std::string out;
  for (auto& [key, restorer] : text_) {
    std::string rest = restorer.Finish();
    if (rest.empty()) continue;
    Json event;
    if (key.rfind("choice:", 0) == 0) {
      event["choices"] =
          Json::array({{{"index", std::stoi(key.substr(7))}, {"delta", {{"content", rest}}}}});
    } else {
      event["delta"] = rest;
    }
    out += "data: " + event.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n\n";
  }
  text_.clear();
  return out;
}

std::string SseRestorer::Event(std::string_view event) {
  // One `data:` line holding a JSON object is restored field by field; anything else whole.
  std::string_view line = event;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.rfind("data:", 0) != 0 || line.find('\n') != std::string_view::npos) {
    return RestoreLines(event);
  }
  std::string_view data = line.substr(5);
  if (!data.empty() && data.front() == ' ') data.remove_prefix(1);
  if (data == "[DONE]") return Flush() + std::string(event);
  Json json = Json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return RestoreLines(event);
  bool changed = false;
  auto restore = [&](Json& field, const std::string& key, bool last) {
    auto it = text_.find(key);
    if (it == text_.end()) {
      // The vendor numbers the choices: past kMaxStreams open ones, a field is left to the
      // whole-event restore below (complete tokens only), so the map cannot grow unbounded.
      if (text_.size() >= kMaxStreams) return;
      it = text_.try_emplace(key, pseudonyms_).first;
    }
    std::string text = field.is_string() ? field.get<std::string>() : std::string();
    std::string restored = it->second.Feed(text);
    if (last) {
      restored += it->second.Finish();
      text_.erase(it);  // the choice is finished: nothing is held back for it any more
    }
    if (field.is_string() || !restored.empty()) {
      field = restored;
      changed = true;
    }
  };
  if (auto choices = json.find("choices"); choices != json.end() && choices->is_array()) {
    for (size_t i = 0; i < choices->size(); ++i) {
      Json& choice = (*choices)[i];
      if (!choice.is_object()) continue;
      int index = choice.contains("index") && choice["index"].is_number_integer()
                      ? choice["index"].get<int>()
                      : static_cast<int>(i);
      bool last = choice.contains("finish_reason") && !choice["finish_reason"].is_null();
      std::string key = "choice:" + std::to_string(index);
      if (auto delta = choice.find("delta"); delta != choice.end() && delta->is_object()) {
        if (delta->contains("content") && (*delta)["content"].is_string()) {
          restore((*delta)["content"], key, last);
        } else if (last && text_.contains(key)) {
          restore((*delta)["content"], key, true);
        }
      } else if (choice.contains("text") && choice["text"].is_string()) {
        restore(choice["text"], key, last);
      }
    }
  } else if (auto delta = json.find("delta"); delta != json.end() && delta->is_string()) {
    restore(*delta, "delta", false);
  } else if (!text_.empty() && json.contains("type") && json["type"].is_string() &&
             json["type"].get<std::string>().find(".done") != std::string::npos) {
    std::string flushed = Flush();  // the text stream ended: emit what was held back
    return flushed + RestoreLines(event);
  }
  if (!changed) return RestoreLines(event);
  std::string_view terminator = event.substr(line.size());
  std::string out = "data: " + json.dump(-1, ' ', false, Json::error_handler_t::replace);
  // Other string fields may hold complete tokens too.
  return pseudonyms_->Restore(out, /*json_string=*/true) + std::string(terminator);
}

std::string SecretScrubber::Feed(std::string_view piece) {
  pending_.append(piece);
  std::string out;
  if (secret_.empty()) {
    out.swap(pending_);
    return out;
  }
  size_t pos = 0;
  for (;;) {
    size_t hit = pending_.find(secret_, pos);
    if (hit == std::string::npos) break;
    out.append(pending_, pos, hit - pos);
    out += kMask;
    pos = hit + secret_.size();
  }
  // Hold back the longest tail that is a proper prefix of the secret.
  size_t keep = 0;
  const size_t rest = pending_.size() - pos;
  for (size_t n = std::min(rest, secret_.size() - 1); n > 0; --n) {
    if (std::string_view(pending_).substr(pending_.size() - n) == secret_.substr(0, n)) {
      keep = n;
      break;
    }
  }
  out.append(pending_, pos, rest - keep);
  pending_.erase(0, pending_.size() - keep);
  return out;
}

std::string SecretScrubber::Finish() {
  std::string out;
  out.swap(pending_);
  return out;
}

SseRelay::SseRelay(std::unique_ptr<upstream::BodyReader> reader,
                   std::shared_ptr<const AccessSnapshot> snapshot, const Secret& vendor_key,
                   std::unique_ptr<privacy::Pseudonymizer> pseudonyms)
    : reader_(std::move(reader)),
      snapshot_(std::move(snapshot)),
      scrubber_(vendor_key.Reveal()),
      pseudonyms_(std::move(pseudonyms)) {
  if (pseudonyms_) restorer_ = std::make_unique<SseRestorer>(pseudonyms_.get());
}

std::string SseRelay::Restore(std::string_view text, bool last) {
  if (!restorer_) return std::string(text);
  std::string out = restorer_->Feed(text);
  if (last) out += restorer_->Finish();
  return out;
}

boost::asio::awaitable<absl::StatusOr<std::string>> SseRelay::Next() {
  while (!done_) {
    absl::StatusOr<std::string> piece = co_await reader_->Read();
    if (!piece.ok()) co_return piece.status();
    if (piece->empty()) {
      done_ = true;
      std::string tail = Restore(scrubber_.Finish(), /*last=*/true);
      if (!tail.empty()) co_return tail;
      break;
    }
    std::string out = Restore(scrubber_.Feed(*piece), /*last=*/false);
    if (!out.empty()) co_return out;
  }
  co_return std::string();
}

}  // namespace bulwark
