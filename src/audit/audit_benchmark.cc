// Audit records per second with durability on (WAL, synchronous=FULL: every group commit
// waits for fsync). Build with -DBULWARK_BUILD_BENCHMARKS=ON, then:
//   build/src/audit/audit_benchmark [--benchmark_filter=...]
// BULWARK_AUDIT_BENCH_DIR picks the folder (default: the system temp folder); point it at the
// disk the gateway will use, since fsync cost is the whole story.
#include <cstdlib>
#include <filesystem>
#include <memory>

#include <benchmark/benchmark.h>

#include "absl/synchronization/blocking_counter.h"
#include "audit/audit.h"
#include "base/random.h"

namespace bulwark::audit {
namespace {

std::filesystem::path BenchDir() {
  const char* env = std::getenv("BULWARK_AUDIT_BENCH_DIR");
  auto dir = (env ? std::filesystem::path(env) : std::filesystem::temp_directory_path()) /
             ("bulwark-audit-bench-" + RandomHex(6));
  std::filesystem::create_directories(dir);
  return dir;
}

Record Sample(int64_t i) {
  Record r;
  r.kind = "request";
  r.request_id = "req-" + std::to_string(i);
  r.key_id = "key_0123456789abcdef";
  r.tenant = "acme";
  r.subject = "5f2b7c0e9d8a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c";
  r.provider = "heygen";
  r.operation = "video.generate";
  r.status = 200;
  r.decision = "allowed";
  r.latency_ms = 84.2;
  r.pii = {{"EMAIL", 1}, {"PERSON", 2}};
  r.pii_action = "redact";
  return r;
}

std::filesystem::path g_dir;
std::unique_ptr<AuditLog> g_log;

// N threads each append one record and wait until it is durable (the gateway's shape: one
// request waits for its own record). Throughput comes from group commit across threads.
void BM_AppendSyncConcurrent(benchmark::State& state) {
  if (state.thread_index() == 0) {
    g_dir = BenchDir();
    g_log = OpenAuditLog(g_dir / "audit.db", Secret(std::string(32, 'k')), "bench").value();
  }
  int64_t i = 0;
  for (auto _ : state) {
    absl::Status st = g_log->AppendSync(Sample(i++));
    if (!st.ok()) state.SkipWithError(std::string(st.message()).c_str());
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    g_log.reset();
    std::filesystem::remove_all(g_dir);
  }
}
BENCHMARK(BM_AppendSyncConcurrent)
    ->Threads(1)
    ->Threads(8)
    ->Threads(64)
    ->Threads(256)
    ->UseRealTime()
    ->MinTime(2.0);

// One producer keeps `range(0)` records in flight (async Append, callback counts down):
// the sustained ceiling of the writer thread.
void BM_AppendPipelined(benchmark::State& state) {
  auto dir = BenchDir();
  auto log = OpenAuditLog(dir / "audit.db", Secret(std::string(32, 'k')), "bench").value();
  const int64_t batch = state.range(0);
  int64_t i = 0;
  for (auto _ : state) {
    absl::BlockingCounter pending(static_cast<int>(batch));
    std::atomic<int64_t> failed{0};
    for (int64_t k = 0; k < batch; ++k) {
      log->Append(Sample(i++), [&](absl::Status st) {
        if (!st.ok()) failed++;
        pending.DecrementCount();
      });
    }
    pending.Wait();
    if (failed.load() > 0) state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(state.iterations() * batch);
  log.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_AppendPipelined)->Arg(1000)->Arg(10000)->UseRealTime()->MinTime(2.0);

}  // namespace
}  // namespace bulwark::audit

BENCHMARK_MAIN();
