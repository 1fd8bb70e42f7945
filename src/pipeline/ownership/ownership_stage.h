// File: ownership_stage.h
// Object-level authorisation for vendor objects (OWASP API1). Before forwarding, a call
// that names an object (HeyGen video status, delete, v3 get ...) must name one that the
// caller's tenant created through bulwark; otherwise 404 not_found, and the vendor is not
// called. After the vendor answers, newly created objects are bound to the caller's
// tenant and listings are filtered to the caller's own objects. The rules are data
// (providers/resources.h).
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "http/message.h"
#include "pipeline/context.h"
#include "pipeline/ownership/ownership_index.h"
#include "providers/resources.h"

namespace bulwark {

class OwnershipStage final : public Stage {
 public:
  explicit OwnershipStage(const OwnershipIndex& index) : index_(index) {}
  std::string_view name() const override { return "ownership"; }
  Result Run(RequestContext& ctx) override;

 private:
  const OwnershipIndex& index_;
};

// The object id a request names at `where`, percent-decoded; nullopt when it names none;
// InvalidArgument when it names more than one (a repeated query parameter), so the
// vendor cannot be made to read a different one than bulwark checked.
absl::StatusOr<std::optional<std::string>> RequestObjectId(const http::RequestHead& head,
                                                           std::string_view rest_path,
                                                           const RequestIdLocation& where);

// After a 2xx vendor answer: binds created objects to the caller's tenant and filters
// listings to the caller's objects. Returns false when a listing cannot be read, so it
// must not reach the client.
bool ApplyOwnership(const RequestContext& ctx, OwnershipIndex& index, http::Response& response);

}  // namespace bulwark
