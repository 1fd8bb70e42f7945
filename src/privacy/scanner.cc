// The scan: Hyperscan finds triggers in three tiers (see Tier in scanner_internal.h):
// literal-anchored patterns over the whole text, digit shapes only in the windows that
// FindDigitWindows picks, and context words lazily, per chunk, when an extractor asks.
// Each extractor trigger is then expanded and validated (extractors.cc,
// extractors_text.cc) and the candidates are reduced to a sorted, non-overlapping list.
//
// Memory is bounded: a trigger that ends right after the previous match of the same
// pattern is dropped in the callback (the extractor of the first one already examines the
// whole run), so each pattern records at most one trigger per two bytes.
#include "privacy/scanner.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <map>
#include <span>

#include <hs/hs.h>

#include "absl/synchronization/mutex.h"
#include "base/status_macros.h"
#include "fmt/format.h"
#include "privacy/scanner_internal.h"

namespace bulwark::privacy {

using internal::Kind;
using internal::ScanState;
using internal::Tier;
using internal::Trigger;
using internal::TriggerSpec;

struct Scanner::Impl {
  // One database per tier, indexed by Tier; pattern ids are indexes into TriggerSpecs().
  std::array<hs_database_t*, 4> databases{};  // kDigitRuns has none
  hs_scratch_t* prototype = nullptr;          // sized for all three databases
  std::array<bool, kNumPiiTypes> enabled{};
  mutable internal::PhoneVerdicts phone_verdicts;

  mutable absl::Mutex mutex;
  mutable std::vector<hs_scratch_t*> free_scratch ABSL_GUARDED_BY(mutex);

  ~Impl() {
    for (hs_scratch_t* scratch : free_scratch) {
      hs_free_scratch(scratch);
    }
    hs_free_scratch(prototype);
    for (hs_database_t* database : databases) {
      hs_free_database(database);
    }
  }

  const hs_database_t* database(Tier tier) const { return databases[static_cast<size_t>(tier)]; }

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

using ContextEnds = std::array<std::vector<uint32_t>, internal::kNumKinds>;

// A context pattern longer than kMaxContextWord would be cut at chunk edges and missed.
absl::Status CheckContextWidth(const TriggerSpec& spec) {
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_expression_info(spec.pattern.c_str(), spec.flags, &info, &error) != HS_SUCCESS) {
    const std::string message =
        fmt::format("privacy: pattern {} rejected: {}", spec.pattern, error->message);
    hs_free_compile_error(error);
    return absl::InternalError(message);
  }
  const unsigned max_width = info->max_width;
  free(info);  // allocated by Hyperscan's default allocator (malloc)
  if (max_width > internal::kMaxContextWord) {
    return absl::InternalError(fmt::format(
        "privacy: context pattern {} can match {} bytes, more than the {} a chunk scan sees",
        spec.pattern, max_width, internal::kMaxContextWord));
  }
  return absl::OkStatus();
}

absl::Status Compile(Tier tier, hs_database_t** database) {
  const std::vector<TriggerSpec>& specs = internal::TriggerSpecs();
  if (specs.size() > internal::kMaxTriggerSpecs) {
    return absl::InternalError("privacy: more trigger patterns than kMaxTriggerSpecs");
  }
  std::vector<const char*> patterns;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (internal::TierOf(specs[i].kind) == tier) {
      if (tier == Tier::kContext) {
        RETURN_IF_ERROR(CheckContextWidth(specs[i]));
      }
      patterns.push_back(specs[i].pattern.c_str());
      flags.push_back(specs[i].flags);
      ids.push_back(static_cast<unsigned>(i));
    }
  }
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(patterns.data(), flags.data(), ids.data(),
                       static_cast<unsigned>(patterns.size()), HS_MODE_BLOCK, nullptr, database,
                       &error) != HS_SUCCESS) {
    const std::string message =
        fmt::format("privacy: pattern {} rejected: {}", error->expression, error->message);
    hs_free_compile_error(error);
    return absl::InternalError(message);
  }
  return absl::OkStatus();
}

struct TriggerCollector {
  std::vector<Trigger>* triggers;
  std::array<uint32_t, internal::kMaxTriggerSpecs> last_end{};  // per pattern id
  uint32_t offset = 0;                                          // of the scanned window in the text
};

int OnTrigger(unsigned int id, unsigned long long /*from*/, unsigned long long to,
              unsigned int /*flags*/, void* context) {
  auto* collector = static_cast<TriggerCollector*>(context);
  const auto end = static_cast<uint32_t>(to) + collector->offset;
  uint32_t& last = collector->last_end[id];
  const bool continuation = last != 0 && end == last + 1;
  last = end;
  if (!continuation) {
    collector->triggers->push_back(Trigger{end, static_cast<uint16_t>(id)});
  }
  return 0;
}

struct ContextCollector {
  ContextEnds* ends;
  uint32_t offset;
};

int OnContext(unsigned int id, unsigned long long /*from*/, unsigned long long to,
              unsigned int /*flags*/, void* context) {
  auto* collector = static_cast<ContextCollector*>(context);
  const Kind kind = internal::TriggerSpecs()[id].kind;
  (*collector->ends)[static_cast<int>(kind)].push_back(static_cast<uint32_t>(to) +
                                                       collector->offset);
  return 0;
}

// Runs the context database over a window with the scan's scratch (the extractors ask
// outside any Hyperscan callback, so the scratch is free). An engine failure is
// remembered and fails the scan.
class HyperscanContextFinder final : public internal::ContextFinder {
 public:
  HyperscanContextFinder(const hs_database_t* database, hs_scratch_t* scratch)
      : database_(database), scratch_(scratch) {}

  void Find(std::string_view text, internal::Window window, ContextEnds& ends) const override {
    ContextCollector collector{&ends, static_cast<uint32_t>(window.begin)};
    const hs_error_t rc = hs_scan(database_, text.data() + window.begin,
                                  static_cast<unsigned>(window.end - window.begin), 0, scratch_,
                                  OnContext, &collector);
    if (rc != HS_SUCCESS) {
      failure_ = rc;
    }
    for (auto& kind_ends : ends) {
      if (std::adjacent_find(kind_ends.begin(), kind_ends.end(), std::greater_equal<>()) ==
          kind_ends.end()) {
        continue;  // already strictly ascending, as Hyperscan reports as a rule
      }
      std::sort(kind_ends.begin(), kind_ends.end());
      kind_ends.erase(std::unique(kind_ends.begin(), kind_ends.end()), kind_ends.end());
    }
  }

  hs_error_t failure() const { return failure_; }

 private:
  const hs_database_t* database_;
  hs_scratch_t* scratch_;
  mutable hs_error_t failure_ = HS_SUCCESS;
};

// True if `a` is preferred to `b` when they overlap: more confident, then longer, then
// earlier.
bool Preferred(const Finding& a, const Finding& b) {
  if (a.confidence != b.confidence) {
    return a.confidence > b.confidence;
  }
  if (a.end - a.start != b.end - b.start) {
    return a.end - a.start > b.end - b.start;
  }
  return a.start < b.start;
}

// Greedy choice within one cluster of overlapping candidates: the preferred candidate
// first, then every next one that overlaps nothing chosen. Appends in start order.
void ResolveCluster(std::span<Finding> cluster, std::vector<Finding>& result) {
  std::sort(cluster.begin(), cluster.end(), Preferred);
  std::map<size_t, size_t> taken;  // start -> end
  for (const Finding& f : cluster) {
    auto next = taken.lower_bound(f.start);
    if (next != taken.end() && next->first < f.end) {
      continue;
    }
    if (next != taken.begin() && std::prev(next)->second > f.start) {
      continue;
    }
    taken.emplace(f.start, f.end);
  }
  const auto first = static_cast<std::ptrdiff_t>(result.size());
  for (const Finding& f : cluster) {
    if (auto it = taken.find(f.start); it != taken.end() && it->second == f.end) {
      result.push_back(f);
      taken.erase(it);
    }
  }
  std::sort(result.begin() + first, result.end(),
            [](const Finding& a, const Finding& b) { return a.start < b.start; });
}

// Picks a non-overlapping subset: where candidates overlap, the more confident, then the
// longer, then the earlier wins. Candidates are grouped into clusters of transitively
// overlapping spans first; clusters are independent, and most are a single candidate.
std::vector<Finding> Resolve(std::vector<Finding> candidates, double min_confidence,
                             const std::array<bool, kNumPiiTypes>& enabled) {
  std::erase_if(candidates, [&](const Finding& f) {
    return f.end <= f.start || f.confidence < min_confidence ||
           !enabled[static_cast<size_t>(f.type)];
  });
  std::sort(candidates.begin(), candidates.end(), [](const Finding& a, const Finding& b) {
    return a.start != b.start ? a.start < b.start : a.end < b.end;
  });
  std::vector<Finding> result;
  result.reserve(candidates.size());
  size_t i = 0;
  while (i < candidates.size()) {
    size_t j = i + 1;
    size_t cluster_end = candidates[i].end;
    while (j < candidates.size() && candidates[j].start < cluster_end) {
      cluster_end = std::max(cluster_end, candidates[j].end);
      ++j;
    }
    if (j == i + 1) {
      result.push_back(candidates[i]);
    } else {
      ResolveCluster(std::span<Finding>(candidates).subspan(i, j - i), result);
    }
    i = j;
  }
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
  for (Tier tier : {Tier::kWholeText, Tier::kNearDigits, Tier::kContext}) {  // not kDigitRuns
    hs_database_t*& database = impl->databases[static_cast<size_t>(tier)];
    RETURN_IF_ERROR(Compile(tier, &database));
    // One scratch serves every database; hs_alloc_scratch grows it to fit each.
    if (hs_alloc_scratch(database, &impl->prototype) != HS_SUCCESS) {
      return absl::ResourceExhaustedError("privacy: cannot allocate Hyperscan scratch");
    }
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
  auto scratch = impl_->AcquireScratch();
  if (!scratch.ok()) {
    return scratch.status();
  }
  // Returned to the pool on every path out of the scan.
  struct ScratchLease {
    const Impl& impl;
    hs_scratch_t* scratch;
    ~ScratchLease() { impl.ReleaseScratch(scratch); }
  } lease{*impl_, *scratch};

  std::vector<Trigger> triggers;
  TriggerCollector collector{&triggers};
  hs_error_t rc = hs_scan(impl_->database(Tier::kWholeText), text.data(),
                          static_cast<unsigned>(text.size()), 0, *scratch, OnTrigger, &collector);
  internal::DigitRuns digit_runs = internal::ScanDigitRuns(text);
  triggers.insert(triggers.end(), digit_runs.triggers.begin(), digit_runs.triggers.end());
  for (const internal::Window& window : digit_runs.windows) {
    if (rc != HS_SUCCESS) {
      break;
    }
    collector.offset = static_cast<uint32_t>(window.begin);
    rc = hs_scan(impl_->database(Tier::kNearDigits), text.data() + window.begin,
                 static_cast<unsigned>(window.end - window.begin), 0, *scratch, OnTrigger,
                 &collector);
  }
  if (rc != HS_SUCCESS) {
    return absl::InternalError(fmt::format("privacy: hs_scan failed ({})", rc));
  }

  const HyperscanContextFinder context_finder(impl_->database(Tier::kContext), *scratch);
  ScanState state(text, options_.phone_regions, impl_->phone_verdicts, context_finder);
  for (const Trigger& t : triggers) {
    internal::Extract(specs[t.spec], t.to, state);
  }
  if (context_finder.failure() != HS_SUCCESS) {
    return absl::InternalError(
        fmt::format("privacy: hs_scan failed ({})", context_finder.failure()));
  }
  return Resolve(std::move(state.candidates), options_.min_confidence, impl_->enabled);
}

}  // namespace bulwark::privacy
