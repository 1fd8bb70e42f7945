// Per-type precision and recall of the scanner on the labelled corpus in testdata/
// (see testdata/README.md). Prints a table for the dev part and the held-out part and
// asserts only a sane floor, so that the numbers are reported rather than tuned to.
#include <algorithm>
#include <array>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "privacy/labelled_corpus.h"
#include "privacy/scanner.h"

#ifndef BULWARK_PRIVACY_TESTDATA
#error "BULWARK_PRIVACY_TESTDATA must name the testdata folder"
#endif

namespace bulwark::privacy {
namespace {

using Labelled = LabelledText;

std::vector<Labelled> Load(const std::string& part) {
  std::vector<Labelled> files =
      LoadLabelled(std::filesystem::path(BULWARK_PRIVACY_TESTDATA) / part);
  for (const Labelled& file : files) {
    EXPECT_TRUE(file.bad_labels.empty()) << file.name << ": bad label at " << file.bad_labels[0];
  }
  return files;
}

bool Overlaps(const Finding& a, const Finding& b) {
  return a.type == b.type && a.start < b.end && b.start < a.end;
}

struct Counts {
  std::array<int, kNumPiiTypes> tp{}, fp{}, fn{};
};

Counts Evaluate(const Scanner& scanner, const std::vector<Labelled>& files, bool verbose) {
  Counts c;
  for (const Labelled& file : files) {
    auto found = scanner.Scan(file.text);
    EXPECT_TRUE(found.ok());
    for (const Finding& f : *found) {
      const bool hit = std::any_of(file.gold.begin(), file.gold.end(),
                                   [&](const Finding& g) { return Overlaps(f, g); });
      ++(hit ? c.tp : c.fp)[static_cast<size_t>(f.type)];
      if (!hit && verbose) {
        std::cout << fmt::format("  FP {} {} '{}'\n", file.name, PiiTypeName(f.type),
                                 file.text.substr(f.start, f.end - f.start));
      }
    }
    for (const Finding& g : file.gold) {
      const bool hit = std::any_of(found->begin(), found->end(),
                                   [&](const Finding& f) { return Overlaps(f, g); });
      if (!hit) {
        ++c.fn[static_cast<size_t>(g.type)];
        if (verbose) {
          std::cout << fmt::format("  FN {} {} '{}'\n", file.name, PiiTypeName(g.type),
                                   file.text.substr(g.start, g.end - g.start));
        }
      }
    }
  }
  return c;
}

// Prints the table; returns micro-averaged precision and recall.
std::pair<double, double> Report(const std::string& part, const Counts& c) {
  std::cout << fmt::format("\n{} corpus\n{:<22}{:>5}{:>5}{:>5}{:>11}{:>9}\n", part, "type", "tp",
                           "fp", "fn", "precision", "recall");
  int tp = 0, fp = 0, fn = 0;
  for (int i = 0; i < kNumPiiTypes; ++i) {
    tp += c.tp[i];
    fp += c.fp[i];
    fn += c.fn[i];
    if (c.tp[i] + c.fp[i] + c.fn[i] == 0) {
      continue;
    }
    const double p = c.tp[i] + c.fp[i] ? 1.0 * c.tp[i] / (c.tp[i] + c.fp[i]) : 1.0;
    const double r = c.tp[i] + c.fn[i] ? 1.0 * c.tp[i] / (c.tp[i] + c.fn[i]) : 1.0;
    std::cout << fmt::format("{:<22}{:>5}{:>5}{:>5}{:>11.2f}{:>9.2f}\n",
                             PiiTypeName(static_cast<PiiType>(i)), c.tp[i], c.fp[i], c.fn[i], p, r);
  }
  const double p = tp + fp ? 1.0 * tp / (tp + fp) : 1.0;
  const double r = tp + fn ? 1.0 * tp / (tp + fn) : 1.0;
  std::cout << fmt::format("{:<22}{:>5}{:>5}{:>5}{:>11.2f}{:>9.2f}\n", "ALL", tp, fp, fn, p, r);
  return {p, r};
}

TEST(Corpus, PrecisionAndRecall) {
  auto scanner = Scanner::Create();
  ASSERT_TRUE(scanner.ok());
  const auto dev = Load("dev");
  const auto heldout = Load("heldout");
  ASSERT_FALSE(dev.empty());
  ASSERT_FALSE(heldout.empty());
  std::cout << "dev mistakes:\n";
  const auto [dev_p, dev_r] = Report("dev", Evaluate(**scanner, dev, /*verbose=*/true));
  std::cout << "\nheld-out mistakes:\n";
  const auto [held_p, held_r] = Report("held-out", Evaluate(**scanner, heldout, true));
  EXPECT_GE(dev_p, 0.8);
  EXPECT_GE(dev_r, 0.7);
  EXPECT_GE(held_p, 0.6);
  EXPECT_GE(held_r, 0.5);
}

}  // namespace
}  // namespace bulwark::privacy
