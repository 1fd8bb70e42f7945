#include "pipeline/scope/scope_stage.h"

#include <cctype>

namespace bulwark {

bool ScopeAllows(const std::vector<std::string>& scopes, std::string_view provider,
                 std::string_view operation) {
  for (const std::string& s : scopes) {
    if (s == "*") return true;
    if (s.compare(0, provider.size(), provider) != 0 || s.size() <= provider.size() ||
        s[provider.size()] != ':') {
      continue;
    }
    std::string_view op = std::string_view(s).substr(provider.size() + 1);
    if (op == "*") return true;
    if (operation != "passthrough" && op == operation) return true;
  }
  return false;
}

bool IsValidScope(std::string_view scope) {
  if (scope == "*") return true;
  size_t colon = scope.find(':');
  if (colon == 0 || colon == std::string_view::npos || colon + 1 == scope.size()) return false;
  for (char c : scope) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
              c == ':' || c == '*';
    if (!ok) return false;
  }
  std::string_view op = scope.substr(colon + 1);
  return op.find(':') == std::string_view::npos &&
         (op == "*" || op.find('*') == std::string_view::npos) &&
         scope.substr(0, colon).find('*') == std::string_view::npos;
}

Stage::Result ScopeStage::Run(RequestContext& ctx) {
  if (ScopeAllows(ctx.key->record.scopes, ctx.route->name, ctx.operation_name)) return kContinue;
  ctx.Reject(ApiError::kForbidden, "scope.missing");
  return kStop;
}

}  // namespace bulwark
