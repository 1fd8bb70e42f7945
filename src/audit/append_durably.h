// File: append_durably.h
// Awaiting an audit record's durability from a coroutine on an event loop.
//
//   absl::Status st = co_await audit::AppendDurably(log, std::move(record));
//
// The audit log's group-commit callback runs on its writer thread; the result is posted
// back to the awaiting coroutine's executor, so the coroutine resumes on its own thread
// and the event loop never blocks on the disk.
#pragma once

#include <memory>
#include <utility>  // std::exchange, used by asio/awaitable.hpp

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "audit/audit.h"

namespace bulwark::audit {

inline boost::asio::awaitable<absl::Status> AppendDurably(AuditLog& log, Record record) {
  namespace asio = boost::asio;
  auto executor = co_await asio::this_coro::executor;
  struct Waiter {
    explicit Waiter(const asio::any_io_executor& e) : timer(e) {}
    asio::steady_timer timer;
    absl::Status status;
  };
  auto waiter = std::make_shared<Waiter>(executor);
  waiter->timer.expires_at(asio::steady_timer::time_point::max());
  log.Append(std::move(record), [waiter, executor](absl::Status st) {
    asio::post(executor, [waiter, st = std::move(st)]() mutable {
      waiter->status = std::move(st);
      waiter->timer.cancel();
    });
  });
  boost::system::error_code ec;
  co_await waiter->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return waiter->status;
}

}  // namespace bulwark::audit
