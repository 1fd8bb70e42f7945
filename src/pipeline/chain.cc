#include "pipeline/chain.h"

namespace bulwark {

boost::asio::awaitable<Stage::Result> Stage::RunAsync(RequestContext& /*ctx*/) {
  co_return kContinue;
}

boost::asio::awaitable<void> RunStages(std::span<const std::unique_ptr<Stage>> stages,
                                       RequestContext& ctx) {
  for (const std::unique_ptr<Stage>& stage : stages) {
    if (ctx.refusal) break;
    Stage::Result result = stage->Run(ctx);
    if (result == Stage::kAwait) result = co_await stage->RunAsync(ctx);
    if (result == Stage::kStop) break;
  }
}

}  // namespace bulwark
