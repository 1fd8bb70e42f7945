// File: chain.h
// Runs the request pipeline's stages in order (the order itself is built in gateway.cc).
//
//   co_await RunStages(stages, ctx);
//   if (ctx.refusal) ...  // the first stage that refused decided the answer
//
// Each stage's Run is called in turn; kAwait makes the chain co_await that stage's
// RunAsync before going on; kStop, or a refusal recorded in ctx, ends the chain. Stages
// after a refusal are never run.
#pragma once

#include <memory>
#include <span>
#include <utility>  // std::exchange, used by asio/awaitable.hpp

#include <boost/asio/awaitable.hpp>

#include "pipeline/context.h"

namespace bulwark {

boost::asio::awaitable<void> RunStages(std::span<const std::unique_ptr<Stage>> stages,
                                       RequestContext& ctx);

}  // namespace bulwark
