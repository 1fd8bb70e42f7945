#include "pipeline/subjects/subject_key_stage.h"

namespace bulwark {

Stage::Result SubjectKeyStage::Run(RequestContext& ctx) {
  if (ctx.subject_key) return kContinue;  // known: IdentifySubject found it
  if (ctx.request.head.Find("x-bulwark-subject") == nullptr) return kContinue;
  if (ctx.subject_lookup.empty()) {  // present but malformed
    ctx.error_detail = "X-Bulwark-Subject holds 1-256 bytes";
    ctx.Reject(ApiError::kInvalidRequest, "subject.invalid");
    return kStop;
  }
  return kAwait;
}

boost::asio::awaitable<Stage::Result> SubjectKeyStage::RunAsync(RequestContext& ctx) {
  auto key = co_await resolver_.GetOrCreate(ctx.subject_lookup, ctx.snapshot->subject_keys);
  if (!key.ok()) {
    ctx.Reject(ApiError::kAuditUnavailable, "subject.key_unavailable");
    co_return kStop;
  }
  ctx.subject_key = std::move(*key);
  ctx.subject_pseudonym = ctx.subject_key->pseudonym();
  co_return kContinue;
}

}  // namespace bulwark
