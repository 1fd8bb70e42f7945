// File: await_completion.h
// Awaiting, from a coroutine on an event loop, a value that another thread produces.
//
//   auto start = [&](auto done) { log.Append(std::move(record), std::move(done)); };
//   absl::Status st = co_await AwaitCompletion<absl::Status>(start);
//
// `start` is called at once with a one-shot completion function `done(T)`, which may be
// called from any thread. It posts the value to the awaiting coroutine's executor, so the
// coroutine resumes on its own thread and the event loop never blocks on the producer.
//
// `done` hands its reference to the wait state on to the handler it posts and keeps none:
// the timer inside is destroyed on (or with) its own io_context, never by the producing
// thread after that context has gone (which AddressSanitizer caught as a use-after-free).
#pragma once

#include <memory>
#include <optional>
#include <utility>  // std::exchange, used by asio/awaitable.hpp

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace bulwark {

template <typename T, typename Start>
boost::asio::awaitable<T> AwaitCompletion(Start start) {
  namespace asio = boost::asio;
  const asio::any_io_executor executor = co_await asio::this_coro::executor;
  struct Waiter {
    explicit Waiter(const asio::any_io_executor& e) : timer(e) {}
    asio::steady_timer timer;
    std::optional<T> value;
  };
  auto waiter = std::make_shared<Waiter>(executor);
  waiter->timer.expires_at(asio::steady_timer::time_point::max());
  start([waiter, executor](T value) mutable {
    asio::post(executor, [waiter = std::move(waiter), value = std::move(value)]() mutable {
      waiter->value = std::move(value);
      waiter->timer.cancel();
    });
  });
  boost::system::error_code ec;
  co_await waiter->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return std::move(*waiter->value);
}

}  // namespace bulwark
