// File: subject_key_stage.h
// SubjectKeyStage: gives a first-seen data subject its random key (issue 6) before the
// consent stage, i.e. only for requests that are authenticated, routed, in scope and
// admitted by the rate limits, so an unauthenticated flood cannot create subjects.
//
// Known subjects were resolved from the snapshot by IdentifySubject (no I/O): Run answers
// kContinue for them and for requests without X-Bulwark-Subject. Only a subject without a
// key makes Run answer kAwait; the chain then awaits RunAsync, which creates (or reads)
// the key through the store off the event loop (SubjectResolver::GetOrCreate).
//
// Refusals: 400 invalid_request ("subject.invalid") for a malformed X-Bulwark-Subject; 503
// audit_unavailable ("subject.key_unavailable") when the key cannot be created, since the
// audit pseudonym and the PII tokens depend on it (fail closed).
#pragma once

#include "pipeline/context.h"
#include "pipeline/subjects/subject_resolver.h"

namespace bulwark {

class SubjectKeyStage final : public Stage {
 public:
  explicit SubjectKeyStage(SubjectResolver& resolver) : resolver_(resolver) {}
  std::string_view name() const override { return "subject_key"; }
  Result Run(RequestContext& ctx) override;
  boost::asio::awaitable<Result> RunAsync(RequestContext& ctx) override;

 private:
  SubjectResolver& resolver_;
};

}  // namespace bulwark
