// The scan: triggers come from the tiers described at Tier in scanner_internal.h
// (literal-anchored patterns in one Hyperscan pass over the whole text, numbers and IPv4
// addresses read off the digit runs, IPv6 shapes read off the colons, IBAN and street
// patterns in small windows near digits, context words lazily per chunk and kind). The
// triggers are merged into text order, each is expanded and validated (extractors.cc,
// extractors_text.cc), and the candidates are reduced to a sorted, non-overlapping list.
//
// Memory is bounded: a trigger that ends right after the previous match of the same
// pattern is dropped in the callback (the extractor of the first one already examines the
// whole run), so each pattern records at most one trigger per two bytes.
#include "privacy/scanner.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <span>

#include <hs/hs.h>

#include "absl/synchronization/mutex.h"
#include "base/status_macros.h"
#include "fmt/format.h"
#include "privacy/phone_validator.h"
#include "privacy/scanner_internal.h"

namespace bulwark::privacy {

using internal::Kind;
using internal::ScanState;
using internal::Tier;
using internal::Trigger;
using internal::TriggerBefore;
using internal::TriggerSpec;

struct Scanner::Impl {
  // One database per tier, indexed by Tier, except kContext (which has one per context
  // kind, indexed by Kind); pattern ids are indexes into TriggerSpecs().
  std::array<hs_database_t*, 5> databases{};  // kDigitRuns, kColonRuns and kContext have none
  std::array<hs_database_t*, internal::kNumKinds> context_databases{};
  hs_scratch_t* prototype = nullptr;  // sized for every database
  std::array<bool, kNumPiiTypes> enabled{};
  mutable internal::PhoneVerdicts phone_verdicts;

  // What one scan needs to itself: a Hyperscan scratch and its buffers. Pooled.
  struct Workspace {
    hs_scratch_t* scratch = nullptr;
    internal::ScanBuffers buffers;
    ~Workspace() { hs_free_scratch(scratch); }
  };

  mutable absl::Mutex mutex;
  mutable std::vector<std::unique_ptr<Workspace>> free_workspaces ABSL_GUARDED_BY(mutex);

  ~Impl() {
    free_workspaces.clear();
    hs_free_scratch(prototype);
    for (hs_database_t* database : databases) {
      hs_free_database(database);
    }
    for (hs_database_t* database : context_databases) {
      hs_free_database(database);
    }
  }

  const hs_database_t* database(Tier tier) const { return databases[static_cast<size_t>(tier)]; }

  absl::StatusOr<std::unique_ptr<Workspace>> AcquireWorkspace() const {
    {
      absl::MutexLock lock(&mutex);
      if (!free_workspaces.empty()) {
        std::unique_ptr<Workspace> workspace = std::move(free_workspaces.back());
        free_workspaces.pop_back();
        return workspace;
      }
    }
    auto workspace = std::make_unique<Workspace>();
    if (hs_clone_scratch(prototype, &workspace->scratch) != HS_SUCCESS) {
      return absl::ResourceExhaustedError("privacy: cannot allocate Hyperscan scratch");
    }
    return workspace;
  }

  // A workspace that served a text longer than this gives its buffers back to the
  // allocator rather than keeping them for the next scan.
  static constexpr size_t kKeepBuffersUpTo = size_t{1} << 20;

  void ReleaseWorkspace(std::unique_ptr<Workspace> workspace, size_t text_size) const {
    if (text_size > kKeepBuffersUpTo) {
      workspace->buffers = internal::ScanBuffers{};
    }
    absl::MutexLock lock(&mutex);
    free_workspaces.push_back(std::move(workspace));
  }
};

namespace {

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

// Compiles the trigger patterns of `tier` (of `kind` alone, for a context kind).
absl::Status Compile(Tier tier, std::optional<Kind> kind, hs_database_t** database) {
  const std::vector<TriggerSpec>& specs = internal::TriggerSpecs();
  if (specs.size() > internal::kMaxTriggerSpecs) {
    return absl::InternalError("privacy: more trigger patterns than kMaxTriggerSpecs");
  }
  std::vector<const char*> patterns;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (internal::TierOf(specs[i].kind) == tier && (!kind || specs[i].kind == *kind)) {
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
  internal::RecordTrigger(static_cast<uint32_t>(to) + collector->offset, static_cast<uint16_t>(id),
                          collector->last_end[id], *collector->triggers);
  return 0;
}

struct ContextCollector {
  std::vector<uint32_t>* ends;
  uint32_t offset;
};

int OnContext(unsigned int /*id*/, unsigned long long /*from*/, unsigned long long to,
              unsigned int /*flags*/, void* context) {
  auto* collector = static_cast<ContextCollector*>(context);
  collector->ends->push_back(static_cast<uint32_t>(to) + collector->offset);
  return 0;
}

// Runs the context database over a window with the scan's scratch (the extractors ask
// outside any Hyperscan callback, so the scratch is free). An engine failure is
// remembered and fails the scan.
class HyperscanContextFinder final : public internal::ContextFinder {
 public:
  HyperscanContextFinder(const std::array<hs_database_t*, internal::kNumKinds>& databases,
                         hs_scratch_t* scratch)
      : databases_(databases), scratch_(scratch) {}

  void Find(std::string_view text, internal::Window window, Kind kind,
            std::vector<uint32_t>& ends) const override {
    const size_t first = ends.size();
    ContextCollector collector{&ends, static_cast<uint32_t>(window.begin)};
    const hs_error_t rc = hs_scan(databases_[static_cast<size_t>(kind)], text.data() + window.begin,
                                  static_cast<unsigned>(window.end - window.begin), 0, scratch_,
                                  OnContext, &collector);
    if (rc != HS_SUCCESS) {
      failure_ = rc;
    }
    const auto found = ends.begin() + static_cast<std::ptrdiff_t>(first);
    if (std::adjacent_find(found, ends.end(), std::greater_equal<>()) != ends.end()) {
      // Hyperscan reports in end order as a rule; not relied upon.
      std::sort(found, ends.end());
      ends.erase(std::unique(found, ends.end()), ends.end());
    }
  }

  hs_error_t failure() const { return failure_; }

 private:
  const std::array<hs_database_t*, internal::kNumKinds>& databases_;
  hs_scratch_t* scratch_;
  mutable hs_error_t failure_ = HS_SUCCESS;
};

// Puts every trigger in text order into buffers.triggers. They come from four sources
// (the whole-text pass, the digit runs, the colons, the windows), each in order as a
// rule; a source that is not is sorted first, then they are merged one by one.
void MergeTriggers(internal::ScanBuffers& buffers) {
  std::vector<Trigger>& merged = buffers.triggers;  // starts as the whole-text pass's
  for (std::vector<Trigger>* source :
       {&merged, &buffers.digit_runs.triggers, &buffers.colon_triggers, &buffers.window_triggers}) {
    if (!std::is_sorted(source->begin(), source->end(), TriggerBefore)) {
      std::sort(source->begin(), source->end(), TriggerBefore);
    }
    if (source == &merged || source->empty()) {
      continue;
    }
    buffers.merged.resize(merged.size() + source->size());
    std::merge(merged.begin(), merged.end(), source->begin(), source->end(), buffers.merged.begin(),
               TriggerBefore);
    merged.swap(buffers.merged);
  }
}

// True if `a` is preferred to `b` when they overlap: more confident, then longer, then
// earlier, then the lower type.
bool Preferred(const Finding& a, const Finding& b) {
  if (a.confidence != b.confidence) {
    return a.confidence > b.confidence;
  }
  if (a.end - a.start != b.end - b.start) {
    return a.end - a.start > b.end - b.start;
  }
  if (a.start != b.start) {
    return a.start < b.start;
  }
  return a.type < b.type;  // the same span twice: a fixed choice, whatever the input order
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
std::vector<Finding> Resolve(std::vector<Finding>& candidates, double min_confidence,
                             const std::array<bool, kNumPiiTypes>& enabled) {
  std::erase_if(candidates, [&](const Finding& f) {
    return f.end <= f.start || f.confidence < min_confidence ||
           !enabled[static_cast<size_t>(f.type)];
  });
  // Extractors run in text order (see Scan), so the candidates are mostly in order already.
  const auto by_span = [](const Finding& a, const Finding& b) {
    return a.start != b.start ? a.start < b.start : a.end < b.end;
  };
  if (!std::is_sorted(candidates.begin(), candidates.end(), by_span)) {
    std::sort(candidates.begin(), candidates.end(), by_span);
  }
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
    PhoneValidator::Get().Prepare(region);  // at start-up, not on a first request
  }
  // One scratch serves every database; hs_alloc_scratch grows it to fit each.
  const auto add = [&](Tier tier, std::optional<Kind> kind, hs_database_t** database) {
    RETURN_IF_ERROR(Compile(tier, kind, database));
    if (hs_alloc_scratch(*database, &impl->prototype) != HS_SUCCESS) {
      return absl::ResourceExhaustedError("privacy: cannot allocate Hyperscan scratch");
    }
    return absl::OkStatus();
  };
  for (Tier tier : {Tier::kWholeText, Tier::kNearDigits}) {
    RETURN_IF_ERROR(add(tier, std::nullopt, &impl->databases[static_cast<size_t>(tier)]));
  }
  for (int kind = internal::kFirstContextKind; kind < internal::kNumKinds; ++kind) {
    RETURN_IF_ERROR(add(Tier::kContext, static_cast<Kind>(kind), &impl->context_databases[kind]));
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
  auto acquired = impl_->AcquireWorkspace();
  if (!acquired.ok()) {
    return acquired.status();
  }
  // Returned to the pool on every path out of the scan.
  struct WorkspaceLease {
    const Impl& impl;
    std::unique_ptr<Impl::Workspace> workspace;
    size_t text_size;
    ~WorkspaceLease() { impl.ReleaseWorkspace(std::move(workspace), text_size); }
  } lease{*impl_, *std::move(acquired), text.size()};
  hs_scratch_t* scratch = lease.workspace->scratch;
  internal::ScanBuffers& buffers = lease.workspace->buffers;

  buffers.triggers.clear();
  TriggerCollector collector{&buffers.triggers};
  hs_error_t rc = hs_scan(impl_->database(Tier::kWholeText), text.data(),
                          static_cast<unsigned>(text.size()), 0, scratch, OnTrigger, &collector);
  internal::ScanDigitRuns(text, buffers.digit_runs);
  internal::ScanColonRuns(text, buffers.colon_triggers);
  buffers.window_triggers.clear();
  collector.triggers = &buffers.window_triggers;
  for (const internal::Window& window : buffers.digit_runs.windows) {
    if (rc != HS_SUCCESS) {
      break;
    }
    collector.offset = static_cast<uint32_t>(window.begin);
    rc = hs_scan(impl_->database(Tier::kNearDigits), text.data() + window.begin,
                 static_cast<unsigned>(window.end - window.begin), 0, scratch, OnTrigger,
                 &collector);
  }
  if (rc != HS_SUCCESS) {
    return absl::InternalError(fmt::format("privacy: hs_scan failed ({})", rc));
  }

  // Extract in text order: each context chunk is then asked for in turn (its readahead
  // works) and the candidates come out nearly sorted.
  MergeTriggers(buffers);

  const HyperscanContextFinder context_finder(impl_->context_databases, scratch);
  ScanState state(text, options_.phone_regions, impl_->phone_verdicts, context_finder, buffers);
  for (const Trigger& t : buffers.triggers) {
    internal::Extract(specs[t.spec], t.to, state);
  }
  if (context_finder.failure() != HS_SUCCESS) {
    return absl::InternalError(
        fmt::format("privacy: hs_scan failed ({})", context_finder.failure()));
  }
  return Resolve(state.candidates, options_.min_confidence, impl_->enabled);
}

}  // namespace bulwark::privacy
