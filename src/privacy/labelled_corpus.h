// File: labelled_corpus.h
// The labelled PII corpus in src/privacy/testdata (see its README): text with gold labels
// written inline as "[[TYPE|value]]". Used by the corpus test and the scan benchmark.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "privacy/pii_type.h"

namespace bulwark::privacy {

struct LabelledText {
  std::string name;
  std::string text;                // markup stripped
  std::vector<Finding> gold;       // the labelled spans of `text`
  std::vector<size_t> bad_labels;  // offsets in the file of labels with an unknown type
};

// Strips "[[TYPE|value]]" markup, recording each value's span.
inline LabelledText ParseLabelled(std::string name, std::string_view raw) {
  LabelledText out;
  out.name = std::move(name);
  size_t pos = 0;
  while (pos < raw.size()) {
    const size_t open = raw.find("[[", pos);
    if (open == std::string_view::npos) {
      break;
    }
    const size_t bar = raw.find('|', open);
    const size_t close = raw.find("]]", bar);
    out.text.append(raw.substr(pos, open - pos));
    const auto type = ParsePiiType(raw.substr(open + 2, bar - open - 2));
    const size_t start = out.text.size();
    out.text.append(raw.substr(bar + 1, close - bar - 1));
    if (type.has_value()) {
      out.gold.push_back(Finding{*type, start, out.text.size(), 1.0});
    } else {
      out.bad_labels.push_back(open);
    }
    pos = close + 2;
  }
  out.text.append(raw.substr(pos));
  return out;
}

// Every .txt file of `dir` (a part of the corpus: dev/ or heldout/), in name order.
inline std::vector<LabelledText> LoadLabelled(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".txt") {
      paths.push_back(entry.path());
    }
  }
  std::sort(paths.begin(), paths.end());
  std::vector<LabelledText> files;
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    files.push_back(ParseLabelled(path.filename().string(), buffer.str()));
  }
  return files;
}

}  // namespace bulwark::privacy
