// File: sse_relay.h
// Relaying a streamed vendor answer (server-sent events) to the client as it arrives,
// with the same protections as a buffered answer: the vendor credential is scrubbed and
// pseudonyms are restored, also when a credential or a token is split across two reads.
//
//   response.stream = std::make_shared<SseRelay>(std::move(up.body_reader), snapshot,
//                                                vendor_key, std::move(ctx.pseudonyms));
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/secret.h"
#include "http/message.h"
#include "pipeline/snapshot.h"
#include "privacy/rewrite.h"
#include "upstream/client.h"

namespace bulwark {

// Replaces every occurrence of `secret` in a stream with "[REDACTED]". A tail that could be
// the start of the secret is held back until the next piece shows whether it is.
class SecretScrubber {
 public:
  // `secret` must outlive the scrubber.
  explicit SecretScrubber(std::string_view secret) : secret_(secret) {}
  std::string Feed(std::string_view piece);
  std::string Finish();

 private:
  std::string_view secret_;
  std::string pending_;
};

// Restores pseudonyms in a server-sent-event stream event by event. Tokens are often split
// across events by the vendor's tokenizer ("<EM", "AIL_1", ">"), so the text deltas of the
// common shapes are restored as one stream per choice: OpenAI chat `choices[].delta.content`,
// completions `choices[].text` and Responses-API `delta` strings; a held-back partial token
// is emitted with the choice's `finish_reason` or, at the latest, before `data: [DONE]` or
// the end of the stream. Any other event is restored on its own (complete tokens only; in
// JSON data also tokens written with \u003c / \u003e escapes, and values JSON-escaped).
class SseRestorer {
 public:
  // At most this many text streams (choices) hold back partial tokens at a time; a finished
  // choice frees its place.
  static constexpr size_t kMaxStreams = 128;

  explicit SseRestorer(const privacy::Pseudonymizer* pseudonyms) : pseudonyms_(pseudonyms) {}
  // Returns the complete events (restored) that are safe to emit now.
  std::string Feed(std::string_view bytes);
  // Returns everything still held back; call once at the end of the stream.
  std::string Finish();

 private:
  std::string Event(std::string_view event);
  std::string Flush();
  std::string RestoreLines(std::string_view event) const;

  const privacy::Pseudonymizer* pseudonyms_;
  std::string pending_;
  size_t scanned_ = 0;  // leading bytes of pending_ already known to hold no event end
  std::map<std::string, privacy::StreamRestorer> text_;  // per choice / stream key
};

class SseRelay final : public http::BodyStream {
 public:
  // `vendor_key` must stay valid while `snapshot` is held (it lives in the snapshot).
  // `pseudonyms` may be null (nothing to restore).
  SseRelay(std::unique_ptr<upstream::BodyReader> reader,
           std::shared_ptr<const AccessSnapshot> snapshot, const Secret& vendor_key,
           std::unique_ptr<privacy::Pseudonymizer> pseudonyms);

  boost::asio::awaitable<absl::StatusOr<std::string>> Next() override;

 private:
  std::string Restore(std::string_view text, bool last);

  std::unique_ptr<upstream::BodyReader> reader_;
  std::shared_ptr<const AccessSnapshot> snapshot_;
  SecretScrubber scrubber_;
  std::unique_ptr<privacy::Pseudonymizer> pseudonyms_;
  std::unique_ptr<SseRestorer> restorer_;
  bool done_ = false;
};

}  // namespace bulwark
