#include "pipeline/privacy/route_policy.h"

#include <fmt/format.h>

namespace bulwark {
namespace {

absl::StatusOr<privacy::Action> ToAction(std::string_view name, std::string_view key) {
  auto action = privacy::ParseAction(name);
  if (!action) return absl::InvalidArgumentError(fmt::format("{}: unknown action '{}'", key, name));
  return *action;
}

absl::StatusOr<privacy::PiiType> ToType(std::string_view name, std::string_view key) {
  auto type = privacy::ParsePiiType(name);
  if (!type) return absl::InvalidArgumentError(fmt::format("{}: unknown PII type '{}'", key, name));
  return *type;
}

absl::Status CompileRule(const PiiRuleConfig& in, std::string_view key, privacy::PolicyRule* out) {
  if (!in.default_action.empty()) {
    auto a = ToAction(in.default_action, key);
    if (!a.ok()) return a.status();
    out->default_action = *a;
  }
  for (const auto& [type_name, action_name] : in.types) {
    auto type = ToType(type_name, key);
    if (!type.ok()) return type.status();
    auto action = ToAction(action_name, key);
    if (!action.ok()) return action.status();
    out->types[*type] = *action;
  }
  for (const auto& [purpose, types] : in.unlock) {
    auto& list = out->unlock[purpose];
    for (const std::string& name : types) {
      auto type = ToType(name, key);
      if (!type.ok()) return type.status();
      list.push_back(*type);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RoutePrivacy> RoutePrivacy::Compile(const ProviderConfig& config,
                                                   const Profile* profile) {
  RoutePrivacy out;
  std::string key = fmt::format("providers.{}", config.name);
  if (absl::Status st = CompileRule(config.policy, key + ".policy", &out.provider_.rule);
      !st.ok()) {
    return st;
  }
  if (!out.provider_.rule.default_action) {
    auto legacy = ToAction(config.pii, key + ".pii");
    if (!legacy.ok()) return legacy.status();
    out.provider_.rule.default_action = *legacy;
  }
  for (const std::string& name : config.accepts) {
    auto type = ToType(name, key + ".accepts");
    if (!type.ok()) return type.status();
    out.provider_.accepts.insert(*type);
  }
  out.provider_level_.rule = out.provider_.rule;
  out.provider_level_.fields = config.policy.fields;
  out.provider_level_.unknown_fields = config.policy.unknown_fields;
  out.provider_level_.on_unparseable = config.policy.on_unparseable;
  for (const auto& [name, rule] : config.operations) {
    std::string op_key = fmt::format("{}.operations.\"{}\"", key, name);
    bool known = name == "passthrough";
    if (profile != nullptr) {
      for (const Operation& op : profile->operations) known = known || op.name == name;
    }
    if (!known) {
      return absl::InvalidArgumentError(
          fmt::format("{}: '{}' is not an operation of the {} profile", op_key, name,
                      profile != nullptr ? profile->name : std::string_view("(unknown)")));
    }
    Level level;
    if (absl::Status st = CompileRule(rule, op_key, &level.rule); !st.ok()) return st;
    level.fields = rule.fields;
    level.unknown_fields = rule.unknown_fields;
    level.on_unparseable = rule.on_unparseable;
    out.operations_.emplace(name, std::move(level));
  }
  return out;
}

const privacy::PolicyRule* RoutePrivacy::RuleFor(std::string_view operation) const {
  auto it = operations_.find(operation);
  return it == operations_.end() ? nullptr : &it->second.rule;
}

PrivacyModes RoutePrivacy::ModesFor(std::string_view operation) const {
  auto it = operations_.find(operation);
  const Level* op = it == operations_.end() ? nullptr : &it->second;
  auto pick = [&](std::string Level::*field) -> const std::string& {
    if (op != nullptr && !(op->*field).empty()) return op->*field;
    return provider_level_.*field;
  };
  PrivacyModes modes;
  modes.all_fields = pick(&Level::fields) == "all" || operation == "passthrough";
  const std::string& unknown = pick(&Level::unknown_fields);
  modes.unknown_fields = unknown == "refuse"  ? PrivacyModes::Unknown::kRefuse
                         : unknown == "allow" ? PrivacyModes::Unknown::kAllow
                                              : PrivacyModes::Unknown::kDrop;
  modes.unparseable_allowed = pick(&Level::on_unparseable) == "allow";
  return modes;
}

std::vector<std::string> UnacceptedTypeWarnings(const ProviderConfig& config) {
  std::vector<std::string> out;
  auto compiled = RoutePrivacy::Compile(
      config, FindProfile(config.profile.empty() ? config.name : config.profile));
  if (!compiled.ok()) {
    out.push_back(std::string(compiled.status().message()));
    return out;
  }
  auto describe = [&](const privacy::PolicyRule& rule, const std::string& where) {
    std::vector<privacy::PiiType> types;
    if (!privacy::AllowsUnaccepted(compiled->provider(), rule, &types)) return;
    std::string names;
    for (privacy::PiiType t : types) {
      names += fmt::format("{}{}", names.empty() ? "" : ", ", privacy::PiiTypeName(t));
    }
    out.push_back(fmt::format(
        "{} allows {} but providers.{}.accepts does not list {}: they are redacted instead", where,
        names, config.name, types.size() == 1 ? "it" : "them"));
  };
  describe(compiled->provider().rule, fmt::format("providers.{}", config.name));
  for (const auto& [name, rule] : config.operations) {
    if (const privacy::PolicyRule* r = compiled->RuleFor(name)) {
      describe(*r, fmt::format("providers.{}.operations.\"{}\"", config.name, name));
    }
  }
  return out;
}

}  // namespace bulwark
