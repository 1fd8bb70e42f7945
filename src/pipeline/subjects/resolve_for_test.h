// File: resolve_for_test.h
// Test-only: runs SubjectResolver::GetOrCreate to completion on a private io_context, as
// SubjectKeyStage's miss path does on a worker.
#pragma once

#include <memory>
#include <string>
#include <utility>  // std::exchange, used by asio/awaitable.hpp

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "pipeline/subjects/subject_resolver.h"

namespace bulwark {

inline absl::StatusOr<std::shared_ptr<const subjects::SubjectKey>> GetOrCreateNow(
    SubjectResolver& resolver, const std::string& lookup,
    std::shared_ptr<subjects::SubjectKeyCache> cache) {
  boost::asio::io_context io;
  absl::StatusOr<std::shared_ptr<const subjects::SubjectKey>> out = absl::UnknownError("not run");
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> { out = co_await resolver.GetOrCreate(lookup, cache); },
      boost::asio::detached);
  io.run();
  return out;
}

}  // namespace bulwark
