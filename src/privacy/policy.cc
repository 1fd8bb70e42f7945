#include "privacy/policy.h"

#include <algorithm>

namespace bulwark::privacy {
namespace {

bool Unlocks(const PolicyRule& rule, PiiType type, std::span<const std::string> purposes) {
  for (const std::string& purpose : purposes) {
    auto it = rule.unlock.find(purpose);
    if (it == rule.unlock.end()) continue;
    if (std::find(it->second.begin(), it->second.end(), type) != it->second.end()) return true;
  }
  return false;
}

}  // namespace

Action Decide(PiiType type, const ProviderPolicy& provider, const PolicyRule* operation,
              std::span<const std::string> consented_purposes) {
  Action action = Action::kRedact;
  if (operation != nullptr && operation->types.contains(type)) {
    action = operation->types.at(type);
  } else if (operation != nullptr && operation->default_action) {
    action = *operation->default_action;
  } else if (provider.rule.types.contains(type)) {
    action = provider.rule.types.at(type);
  } else if (provider.rule.default_action) {
    action = *provider.rule.default_action;
  }
  if ((operation != nullptr && Unlocks(*operation, type, consented_purposes)) ||
      Unlocks(provider.rule, type, consented_purposes)) {
    action = Action::kAllow;
  }
  if (action == Action::kAllow && !provider.accepts.contains(type)) action = Action::kRedact;
  return action;
}

Policy ResolvePolicy(const ProviderPolicy& provider, const PolicyRule* operation,
                     std::span<const std::string> consented_purposes) {
  Policy policy;
  policy.default_action = Action::kRedact;
  for (int i = 0; i < kNumPiiTypes; ++i) {
    auto type = static_cast<PiiType>(i);
    policy.overrides[type] = Decide(type, provider, operation, consented_purposes);
  }
  return policy;
}

bool AllowsUnaccepted(const ProviderPolicy& provider, const PolicyRule& rule,
                      std::vector<PiiType>* out) {
  std::set<PiiType> found;
  for (int i = 0; i < kNumPiiTypes; ++i) {
    auto type = static_cast<PiiType>(i);
    if (provider.accepts.contains(type)) continue;
    auto it = rule.types.find(type);
    Action action =
        it != rule.types.end() ? it->second : rule.default_action.value_or(Action::kRedact);
    if (action == Action::kAllow) found.insert(type);
    for (const auto& [purpose, types] : rule.unlock) {
      if (std::find(types.begin(), types.end(), type) != types.end()) found.insert(type);
    }
  }
  if (out != nullptr) out->assign(found.begin(), found.end());
  return !found.empty();
}

}  // namespace bulwark::privacy
