#include "base/secret.h"

#include <sodium.h>

namespace bulwark {

void Secret::Wipe() noexcept {
  if (!value_.empty()) {
    sodium_memzero(value_.data(), value_.size());
    value_.clear();
  }
}

}  // namespace bulwark
