#include "config/pii_policy.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace bulwark {
namespace {

// Must match privacy/pii_type.cc (the config layer sits below privacy); a test in
// privacy/policy_test.cc checks that every name here parses there.
constexpr std::array<std::string_view, 11> kTypes = {
    "EMAIL",         "PHONE",      "CREDIT_CARD",    "IBAN",
    "US_SSN",        "IP_ADDRESS", "API_KEY",        "URL_WITH_CREDENTIALS",
    "DATE_OF_BIRTH", "PERSON",     "POSTAL_ADDRESS",
};
constexpr std::array<std::string_view, 5> kActions = {"allow", "redact", "mask", "pseudonymize",
                                                      "block"};

absl::Status Bad(std::string_view key, std::string_view want) {
  // "must" starts the part config.cc shows after the table's own key.
  return absl::InvalidArgumentError(fmt::format("must be {} (at '{}')", want, key));
}

absl::Status GetChoice(const toml::node& n, std::string_view key,
                       std::initializer_list<std::string_view> choices, std::string* out) {
  std::string want = "one of";
  for (std::string_view c : choices) want += fmt::format(" \"{}\"", c);
  if (!n.is_string()) return Bad(key, want);
  std::string v = *n.value<std::string>();
  if (std::find(choices.begin(), choices.end(), v) == choices.end()) return Bad(key, want);
  *out = v;
  return absl::OkStatus();
}

absl::Status GetAction(const toml::node& n, std::string_view key, std::string* out) {
  return GetChoice(n, key, {"allow", "redact", "mask", "pseudonymize", "block"}, out);
}

}  // namespace

bool IsPiiTypeName(std::string_view name) {
  return std::find(kTypes.begin(), kTypes.end(), name) != kTypes.end();
}

bool IsPiiActionName(std::string_view name) {
  return std::find(kActions.begin(), kActions.end(), name) != kActions.end();
}

absl::Status ParsePiiTypeList(const toml::node& node, std::string_view key,
                              std::vector<std::string>* out) {
  const toml::array* arr = node.as_array();
  constexpr std::string_view kWant =
      "an array of PII type names (EMAIL, PHONE, CREDIT_CARD, IBAN, US_SSN, IP_ADDRESS, "
      "API_KEY, URL_WITH_CREDENTIALS, DATE_OF_BIRTH, PERSON, POSTAL_ADDRESS)";
  if (arr == nullptr) return Bad(key, kWant);
  out->clear();
  for (const toml::node& item : *arr) {
    if (!item.is_string() || !IsPiiTypeName(*item.value<std::string>())) return Bad(key, kWant);
    out->push_back(*item.value<std::string>());
  }
  return absl::OkStatus();
}

absl::Status ParsePiiRule(const toml::node& node, std::string_view key, bool operation_level,
                          PiiRuleConfig* out) {
  const toml::table* table = node.as_table();
  if (table == nullptr) return Bad(key, "a table");
  for (const auto& [k, v] : *table) {
    std::string name(k.str());
    std::string full = fmt::format("{}.{}", key, name);
    if (name == "default" || (operation_level && name == "pii")) {
      if (!out->default_action.empty()) {
        return absl::InvalidArgumentError(
            fmt::format("must set either pii or default, not both (at '{}')", full));
      }
      if (auto st = GetAction(v, full, &out->default_action); !st.ok()) return st;
    } else if (name == "types") {
      const toml::table* types = v.as_table();
      if (types == nullptr) return Bad(full, "a table of PII type = action");
      for (const auto& [type, action] : *types) {
        std::string type_key = fmt::format("{}.{}", full, type.str());
        if (!IsPiiTypeName(type.str())) {
          return Bad(type_key, "named after a PII type (EMAIL, PHONE, PERSON, ...)");
        }
        if (auto st = GetAction(action, type_key, &out->types[std::string(type.str())]); !st.ok()) {
          return st;
        }
      }
    } else if (name == "unlock") {
      const toml::table* purposes = v.as_table();
      if (purposes == nullptr) return Bad(full, "a table of purpose = [PII types]");
      for (const auto& [purpose, types] : *purposes) {
        std::string purpose_key = fmt::format("{}.{}", full, purpose.str());
        if (auto st =
                ParsePiiTypeList(types, purpose_key, &out->unlock[std::string(purpose.str())]);
            !st.ok()) {
          return st;
        }
      }
    } else if (name == "fields") {
      if (auto st = GetChoice(v, full, {"profile", "all"}, &out->fields); !st.ok()) return st;
    } else if (name == "unknown_fields") {
      if (auto st = GetChoice(v, full, {"drop", "refuse", "allow"}, &out->unknown_fields);
          !st.ok()) {
        return st;
      }
    } else if (name == "on_unparseable") {
      if (auto st = GetChoice(v, full, {"refuse", "allow"}, &out->on_unparseable); !st.ok()) {
        return st;
      }
    } else {
      return absl::InvalidArgumentError(fmt::format(
          "must hold only {}default, types, unlock, fields, unknown_fields, on_unparseable "
          "(unknown key '{}')",
          operation_level ? "pii, " : "", full));
    }
  }
  return absl::OkStatus();
}

absl::Status ParsePiiOperations(const toml::node& node, std::string_view key,
                                std::map<std::string, PiiRuleConfig>* out) {
  const toml::table* table = node.as_table();
  if (table == nullptr) return Bad(key, "a table of operation name -> policy table");
  for (const auto& [op, rule] : *table) {
    std::string op_key = fmt::format("{}.\"{}\"", key, op.str());
    if (auto st =
            ParsePiiRule(rule, op_key, /*operation_level=*/true, &(*out)[std::string(op.str())]);
        !st.ok()) {
      return st;
    }
  }
  return absl::OkStatus();
}

}  // namespace bulwark
