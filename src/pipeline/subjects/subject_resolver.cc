#include "pipeline/subjects/subject_resolver.h"

#include <boost/asio/post.hpp>

#include "base/await_completion.h"

namespace bulwark {

namespace asio = boost::asio;
using KeyPtr = std::shared_ptr<const subjects::SubjectKey>;

SubjectResolver::SubjectResolver(Store& store, const MasterKey& master)
    : store_(store), ring_(master) {}

SubjectResolver::~SubjectResolver() { pool_.join(); }

KeyPtr SubjectResolver::Known(const AccessSnapshot& snapshot, const std::string& lookup) {
  return snapshot.subject_keys == nullptr ? nullptr : snapshot.subject_keys->Find(lookup);
}

asio::awaitable<absl::StatusOr<KeyPtr>> SubjectResolver::GetOrCreate(
    std::string lookup, std::shared_ptr<subjects::SubjectKeyCache> cache) {
  if (pending_.fetch_add(1) >= kMaxPending) {
    pending_.fetch_sub(1);
    co_return absl::ResourceExhaustedError("too many first-seen subjects at once");
  }
  // The store work runs on the pool; the request's coroutine resumes on its own thread
  // (AwaitCompletion).
  auto start = [this, &lookup, &cache](auto done) {
    asio::post(pool_, [this, lookup, cache = std::move(cache), done = std::move(done)]() mutable {
      // Always asks the store (one indexed read; an insert only for a new subject): the
      // store, not a cache the request saw earlier, says whether the subject was erased.
      absl::StatusOr<KeyPtr> result = absl::UnknownError("not run");
      absl::StatusOr<SubjectKeyRecord> row = store_.GetOrCreateSubjectKey(
          ring_.NewRecord(lookup, static_cast<int64_t>(time(nullptr))));
      if (!row.ok()) {
        result = row.status();
      } else if (cache != nullptr) {
        result = cache->Adopt(*row);  // cached unless its erasure was already applied
      } else {
        result = ring_.Open(*row);
      }
      pending_.fetch_sub(1);
      done(std::move(result));
    });
  };
  co_return co_await AwaitCompletion<absl::StatusOr<KeyPtr>>(start);
}

void IdentifySubject(RequestContext& ctx, SubjectResolver& resolver) {
  if (const std::string* purpose = ctx.request.head.Find("x-bulwark-purpose")) {
    ctx.purpose = subjects::IsValidPurpose(*purpose) ? *purpose : "invalid";
  }
  const std::string* subject = ctx.request.head.Find("x-bulwark-subject");
  if (subject == nullptr || !subjects::ValidateSubject(*subject).ok()) return;
  ctx.subject_lookup = resolver.keyring().Lookup(*subject);
  ctx.subject_key = resolver.Known(*ctx.snapshot, ctx.subject_lookup);
  if (ctx.subject_key) ctx.subject_pseudonym = ctx.subject_key->pseudonym();
}

}  // namespace bulwark
