// File: profile.h
// Provider profiles: everything bulwark knows about a vendor API, declared as data in one
// place (profiles.cc): how the vendor authenticates, which operations exist (method + path
// pattern -> operation name used in scopes), which request fields carry free text, and
// the shape of its errors. The server never special-cases a vendor in code.
//
//   const Profile* heygen = FindProfile("heygen");
//   const Operation* op = MatchOperation(*heygen, "POST", "/v2/video/generate");
//   // op->name == "video.generate", op->text_fields == {"video_inputs[].voice.input_text"}
#pragma once

#include <string_view>
#include <vector>

namespace bulwark {

// How a vendor reports errors; used to read its error code for logs and to answer in its
// own shape where bulwark imitates it (the sandbox).
enum class ErrorShape {
  kHeygen,      // v1 {code,message}, v2 {data:null,error:{code,message}}, v3 {error:{...}}
  kWritesonic,  // FastAPI {"detail": ...}
  kOpenAi,      // {"error": {"message","type","param","code"}}
};

struct Operation {
  std::string_view method;   // "GET", "POST", ... or "*" for any
  std::string_view pattern;  // "/v2/template/{id}/generate"; {x} matches one path segment
  std::string_view name;     // scope name, e.g. "template.generate"
  // Request fields holding free text, as paths: "a.b", "list[].field", "map.*.field".
  std::vector<std::string_view> text_fields;
  // Data minimisation: the request fields the vendor documents for this operation (same
  // path syntax, "*" for any key); a field outside them is dropped or refused per the
  // provider's `unknown_fields` policy. Empty: no allow-list (every field is forwarded).
  std::vector<std::string_view> allowed_fields = {};
  // Traffic protection (issue 4): the vendor's billing unit counted by quotas ("" =
  // requests only; "video_seconds", estimated by traffic/billing.h), and whether bulwark
  // adds an Idempotency-Key (random UUID) when the client sent none, so that a retried
  // create can never bill twice.
  std::string_view billing_unit = {};
  bool inject_idempotency_key = false;
};

struct Profile {
  std::string_view name;
  std::string_view auth_header;  // header the vendor reads its key from
  std::string_view auth_scheme;  // "Bearer" when the value is "Bearer <key>", else empty
  ErrorShape error_shape;
  std::vector<Operation> operations;  // first match wins
};

// The built-in profile called `name`, or nullptr.
const Profile* FindProfile(std::string_view name);
std::vector<std::string_view> ProfileNames();

// The first operation of `profile` whose method and pattern match. `path` is the
// normalised path after the provider prefix, starting with '/', without the query.
const Operation* MatchOperation(const Profile& profile, std::string_view method,
                                std::string_view path);

}  // namespace bulwark
