#include "pipeline/subjects/subject_resolver.h"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace bulwark {

namespace asio = boost::asio;
using KeyPtr = std::shared_ptr<const subjects::SubjectKey>;

SubjectResolver::SubjectResolver(Store& store, const MasterKey& master)
    : store_(store), ring_(master) {}

SubjectResolver::~SubjectResolver() { pool_.join(); }

KeyPtr SubjectResolver::Known(const AccessSnapshot& snapshot, const std::string& lookup) {
  if (auto it = snapshot.subject_keys.find(lookup); it != snapshot.subject_keys.end()) {
    return it->second;
  }
  absl::MutexLock lock(&mu_);
  if (snapshot.version > cache_version_) {  // a newer snapshot: it carries what we created
    cache_.clear();
    cache_version_ = snapshot.version;
  }
  auto it = cache_.find(lookup);
  return it == cache_.end() ? nullptr : it->second;
}

asio::awaitable<absl::StatusOr<KeyPtr>> SubjectResolver::GetOrCreate(std::string lookup,
                                                                     int64_t snapshot_version) {
  if (pending_.fetch_add(1) >= kMaxPending) {
    pending_.fetch_sub(1);
    co_return absl::ResourceExhaustedError("too many first-seen subjects at once");
  }
  auto executor = co_await asio::this_coro::executor;
  struct Waiter {
    explicit Waiter(const asio::any_io_executor& e) : timer(e) {}
    asio::steady_timer timer;
    absl::StatusOr<KeyPtr> result = absl::UnknownError("not run");
  };
  auto waiter = std::make_shared<Waiter>(executor);
  waiter->timer.expires_at(asio::steady_timer::time_point::max());
  asio::post(pool_, [this, waiter, executor, lookup, snapshot_version] {
    absl::StatusOr<KeyPtr> result = ring_.GetOrCreate(store_, lookup);
    if (result.ok()) {
      absl::MutexLock lock(&mu_);
      // Not cached if a newer snapshot was seen meanwhile: that one may reflect an erasure.
      if (cache_version_ <= snapshot_version) cache_.emplace(lookup, *result);
    }
    pending_.fetch_sub(1);
    asio::post(executor, [waiter, result = std::move(result)]() mutable {
      waiter->result = std::move(result);
      waiter->timer.cancel();
    });
  });
  boost::system::error_code ec;
  co_await waiter->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return std::move(waiter->result);
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
