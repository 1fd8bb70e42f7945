// main() for every Google Benchmark binary: runs with Abseil's mutex deadlock detection off,
// as the bulwark binary does in Release builds (src/main.cc), so that figures measured
// here are the ones production sees.
#include <benchmark/benchmark.h>

#include "absl/synchronization/mutex.h"

int main(int argc, char** argv) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
