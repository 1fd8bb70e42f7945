// File: append_durably.h
// Awaiting an audit record's durability from a coroutine on an event loop.
//
//   absl::Status st = co_await audit::AppendDurably(log, std::move(record));
//
// The audit log's group-commit callback runs on its writer thread; the result is posted
// back to the awaiting coroutine's executor, so the coroutine resumes on its own thread
// and the event loop never blocks on the disk.
#pragma once

#include <utility>  // std::exchange, used by asio/awaitable.hpp

#include <boost/asio/awaitable.hpp>

#include "audit/audit.h"
#include "base/await_completion.h"

namespace bulwark::audit {

inline boost::asio::awaitable<absl::Status> AppendDurably(AuditLog& log, Record record) {
  auto start = [&log, &record](auto done) { log.Append(std::move(record), std::move(done)); };
  co_return co_await AwaitCompletion<absl::Status>(start);
}

}  // namespace bulwark::audit
