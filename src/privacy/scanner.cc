// The scan: one Hyperscan block-mode pass collects trigger matches (end offsets only, so
// no start-of-match tracking is needed), context words are filed per kind, then each
// extractor trigger is expanded and validated (extractors.cc, extractors_text.cc), and the
// candidates are reduced to a sorted, non-overlapping list.
//
// Memory is bounded: a trigger that ends right after the previous match of the same
// pattern is dropped in the callback (the extractor of the first one already examines the
// whole run), so each pattern records at most one trigger per two bytes.
#include "privacy/scanner.h"

#include <algorithm>
#include <limits>
#include <map>

#include <hs/hs.h>

#include "absl/synchronization/mutex.h"
#include "fmt/format.h"
#include "privacy/scanner_internal.h"

namespace bulwark::privacy {

using internal::Kind;
using internal::ScanState;
using internal::Trigger;
using internal::TriggerSpec;

struct Scanner::Impl {
  hs_database_t* database = nullptr;
  hs_scratch_t* prototype = nullptr;
  std::array<bool, kNumPiiTypes> enabled{};

  mutable absl::Mutex mutex;
  mutable std::vector<hs_scratch_t*> free_scratch ABSL_GUARDED_BY(mutex);

  ~Impl() {
    for (hs_scratch_t* scratch : free_scratch) {
      hs_free_scratch(scratch);
    }
    hs_free_scratch(prototype);
    hs_free_database(database);
  }

  absl::StatusOr<hs_scratch_t*> AcquireScratch() const {
    {
      absl::MutexLock lock(&mutex);
      if (!free_scratch.empty()) {
        hs_scratch_t* scratch = free_scratch.back();
        free_scratch.pop_back();
        return scratch;
      }
    }
    hs_scratch_t* scratch = nullptr;
    if (hs_clone_scratch(prototype, &scratch) != HS_SUCCESS) {
      return absl::ResourceExhaustedError("privacy: cannot allocate Hyperscan scratch");
    }
    return scratch;
  }

  void ReleaseScratch(hs_scratch_t* scratch) const {
    absl::MutexLock lock(&mutex);
    free_scratch.push_back(scratch);
  }
};

namespace {

struct CallbackState {
  std::vector<Trigger>* triggers;
  std::vector<uint32_t> last_end;
};

int OnMatch(unsigned int id, unsigned long long /*from*/, unsigned long long to,
            unsigned int /*flags*/, void* context) {
  auto* state = static_cast<CallbackState*>(context);
  const auto end = static_cast<uint32_t>(to);
  uint32_t& last = state->last_end[id];
  const bool continuation = last != 0 && end == last + 1;
  last = end;
  if (!continuation) {
    state->triggers->push_back(Trigger{end, static_cast<uint16_t>(id)});
  }
  return 0;
}

// Picks a non-overlapping subset: more confident first, then longer, then earlier.
std::vector<Finding> Resolve(std::vector<Finding> candidates, double min_confidence,
                             const std::array<bool, kNumPiiTypes>& enabled) {
  std::erase_if(candidates, [&](const Finding& f) {
    return f.end <= f.start || f.confidence < min_confidence ||
           !enabled[static_cast<size_t>(f.type)];
  });
  std::sort(candidates.begin(), candidates.end(), [](const Finding& a, const Finding& b) {
    if (a.confidence != b.confidence) {
      return a.confidence > b.confidence;
    }
    if (a.end - a.start != b.end - b.start) {
      return a.end - a.start > b.end - b.start;
    }
    return a.start < b.start;
  });
  std::map<size_t, size_t> taken;  // start -> end
  std::vector<Finding> result;
  for (const Finding& f : candidates) {
    auto next = taken.lower_bound(f.start);
    if (next != taken.end() && next->first < f.end) {
      continue;
    }
    if (next != taken.begin() && std::prev(next)->second > f.start) {
      continue;
    }
    taken.emplace(f.start, f.end);
    result.push_back(f);
  }
  std::sort(result.begin(), result.end(),
            [](const Finding& a, const Finding& b) { return a.start < b.start; });
  return result;
}

}  // namespace

Scanner::Scanner(ScannerOptions options, std::unique_ptr<Impl> impl)
    : options_(std::move(options)), impl_(std::move(impl)) {}

Scanner::~Scanner() = default;

absl::StatusOr<std::unique_ptr<Scanner>> Scanner::Create(const ScannerOptions& options) {
  auto impl = std::make_unique<Impl>();
  if (options.types.empty()) {
    impl->enabled.fill(true);
  } else {
    for (PiiType type : options.types) {
      impl->enabled[static_cast<size_t>(type)] = true;
    }
  }
  for (const std::string& region : options.phone_regions) {
    if (region.size() != 2 || !std::isupper(static_cast<unsigned char>(region[0])) ||
        !std::isupper(static_cast<unsigned char>(region[1]))) {
      return absl::InvalidArgumentError(
          fmt::format("privacy: phone region '{}' is not an ISO 3166 code", region));
    }
  }
  const std::vector<TriggerSpec>& specs = internal::TriggerSpecs();
  std::vector<const char*> patterns;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  for (size_t i = 0; i < specs.size(); ++i) {
    patterns.push_back(specs[i].pattern.c_str());
    flags.push_back(specs[i].flags);
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(patterns.data(), flags.data(), ids.data(),
                       static_cast<unsigned>(patterns.size()), HS_MODE_BLOCK, nullptr,
                       &impl->database, &error) != HS_SUCCESS) {
    const std::string message =
        fmt::format("privacy: pattern {} rejected: {}", error->expression, error->message);
    hs_free_compile_error(error);
    return absl::InternalError(message);
  }
  if (hs_alloc_scratch(impl->database, &impl->prototype) != HS_SUCCESS) {
    return absl::ResourceExhaustedError("privacy: cannot allocate Hyperscan scratch");
  }
  return std::unique_ptr<Scanner>(new Scanner(options, std::move(impl)));
}

absl::StatusOr<std::vector<Finding>> Scanner::Scan(std::string_view text) const {
  if (text.size() >= std::numeric_limits<uint32_t>::max()) {
    return absl::InvalidArgumentError("privacy: input of 4 GiB or more");
  }
  if (text.empty()) {
    return std::vector<Finding>{};
  }
  const std::vector<TriggerSpec>& specs = internal::TriggerSpecs();
  std::vector<Trigger> triggers;
  CallbackState callback{&triggers, std::vector<uint32_t>(specs.size(), 0)};
  auto scratch = impl_->AcquireScratch();
  if (!scratch.ok()) {
    return scratch.status();
  }
  const hs_error_t rc = hs_scan(impl_->database, text.data(), static_cast<unsigned>(text.size()), 0,
                                *scratch, OnMatch, &callback);
  impl_->ReleaseScratch(*scratch);
  if (rc != HS_SUCCESS) {
    return absl::InternalError(fmt::format("privacy: hs_scan failed ({})", rc));
  }

  ScanState state;
  state.text = text;
  state.phone_regions = options_.phone_regions;
  for (const Trigger& t : triggers) {
    const TriggerSpec& spec = specs[t.spec];
    if (static_cast<int>(spec.kind) >= internal::kFirstContextKind) {
      state.context_ends[static_cast<int>(spec.kind)].push_back(t.to);
    }
  }
  for (const Trigger& t : triggers) {
    const TriggerSpec& spec = specs[t.spec];
    if (static_cast<int>(spec.kind) < internal::kFirstContextKind) {
      internal::Extract(spec, t.to, state);
    }
  }
  return Resolve(std::move(state.candidates), options_.min_confidence, impl_->enabled);
}

}  // namespace bulwark::privacy
