// File: rewrite.h
// Turning findings into rewritten text: per-type actions (allow, redact, mask,
// pseudonymize, block), the policy that chooses them, and the Pseudonymizer that maps each
// distinct value to a stable token and back.
//
//   Pseudonymizer pseudonyms;
//   RewriteResult out = Rewrite(text, findings, policy, &pseudonyms);
//   if (out.blocked) { /* answer 422 pii_blocked naming out.blocked_types */ }
//   ... send out.text to the vendor ...
//   std::string reply = pseudonyms.Restore(vendor_reply);
#pragma once

#include <array>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/secret.h"
#include "privacy/pii_type.h"

namespace bulwark::privacy {

enum class Action { kAllow, kRedact, kMask, kPseudonymize, kBlock };

// "allow", "redact", "mask", "pseudonymize", "block".
std::string_view ActionName(Action action);
// Inverse of ActionName (also accepts "pseudonymise"); nullopt for anything else.
std::optional<Action> ParseAction(std::string_view name);

// What to do with each type. Default: redact everything.
struct Policy {
  Action default_action = Action::kRedact;
  std::map<PiiType, Action> overrides;
};

// The action for `type` under `policy`. A type in `consented` (unlocked by a live consent
// for the request's purpose) is allowed whatever the policy says, except that a type the
// vendor may never receive should not be passed here in the first place.
Action DecideAction(const Policy& policy, PiiType type, std::span<const PiiType> consented = {});

// "[EMAIL]".
std::string RedactionFor(PiiType type);

// Keeps the last four letters or digits and replaces the other letters and digits with
// '*'; separators stay, so "4111 1111 1111 1111" becomes "**** **** **** 1111".
std::string Mask(std::string_view value);

// Maps each distinct (type, value) to a token "<PERSON_1>", "<EMAIL_2>", ... numbered per
// type in order of first use, and restores tokens to their values. Not thread-safe: use
// one per request (or per subject, guarded by the caller).
class Pseudonymizer {
 public:
  // Per-request tokens: <PERSON_1>, <PERSON_2>, ... in order of appearance.
  Pseudonymizer() = default;
  // Stable tokens: derived from a keyed hash of the value under `subject_key`, so the same
  // value gets the same token in every request that carries the same key (one subject's
  // conversation), and different subjects' tokens cannot be linked.
  explicit Pseudonymizer(Secret subject_key) : key_(std::move(subject_key)) {}

  // The token for `value`; the same value always gets the same token.
  std::string TokenFor(PiiType type, std::string_view value);

  // Replaces every known token in `text` with its original value; unknown tokens stay.
  // With `json_string` (`text` is JSON, or a JSON string's inside):
  //  - tokens are also matched where characters are written as \uXXXX escapes, as Go's
  //    encoding/json and other HTML-safe encoders write them ("\u003cPERSON_1\u003e");
  //    "\\u003c" (an escaped backslash, then text) is not an escape and does not match;
  //  - values are escaped for the inside of a JSON string, so a restored quote or backslash
  //    cannot break the vendor's JSON answer; where the token's brackets were escaped, the
  //    value's '<', '>' and '&' are written as \u003c, \u003e and \u0026 too.
  std::string Restore(std::string_view text, bool json_string = false) const;

  // Where a tail of `text` starts that is an unfinished token ("<PERS", "\u003cPER",
  // "\u00"), which more text could complete; text.size() if there is none. Only the last
  // few hundred bytes are considered (a token is short).
  static size_t PartialTokenStart(std::string_view text, bool json_string = false);

  // Number of distinct values seen.
  size_t size() const { return reverse_.size(); }

 private:
  std::map<std::pair<PiiType, std::string>, std::string> forward_;
  std::unordered_map<std::string, std::string> reverse_;
  std::array<int, kNumPiiTypes> counters_{};
  Secret key_;
};

// Restores tokens in a response that arrives in chunks (server-sent events, chunked
// bodies). A token split across chunks is held back until its end arrives. With
// `json_string`, the chunks are JSON text and are restored as Pseudonymizer::Restore does
// with json_string (escaped tokens, escaped values).
class StreamRestorer {
 public:
  explicit StreamRestorer(const Pseudonymizer* pseudonyms, bool json_string = false)
      : pseudonyms_(pseudonyms), json_string_(json_string) {}
  // Returns the restored text that is safe to emit now.
  std::string Feed(std::string_view chunk);
  // Returns whatever is still held back; call once at the end of the stream.
  std::string Finish();

 private:
  const Pseudonymizer* pseudonyms_;
  bool json_string_;
  std::string pending_;
};

struct RewriteResult {
  std::string text;
  // True if any finding's action was kBlock; text is then unchanged input.
  bool blocked = false;
  std::vector<PiiType> blocked_types;
  // Findings per type, and how many were changed (not allowed).
  std::array<int, kNumPiiTypes> found{};
  std::array<int, kNumPiiTypes> changed{};
};

// Applies the policy to `findings` (sorted, non-overlapping, as Scanner::Scan returns).
// `pseudonyms` may be null only if no type maps to kPseudonymize (redaction is used instead).
RewriteResult Rewrite(std::string_view text, std::span<const Finding> findings,
                      const Policy& policy, Pseudonymizer* pseudonyms,
                      std::span<const PiiType> consented = {});

}  // namespace bulwark::privacy
