#include "pipeline/capture/capture_writer.h"

#include <ctime>

#include <spdlog/spdlog.h>

#include "config/config.h"

namespace bulwark {

CaptureWriter::CaptureWriter(Store& store, const subjects::Keyring& ring, Metrics& metrics,
                             size_t max_queue)
    : store_(store), ring_(ring), metrics_(metrics), max_queue_(max_queue) {
  thread_ = std::thread([this] { Loop(); });
}

CaptureWriter::~CaptureWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool CaptureWriter::Submit(Capture capture) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= max_queue_ || stop_) {
      metrics_.RecordCapture("dropped");
      return false;
    }
    queue_.push_back(std::move(capture));
  }
  cv_.notify_one();
  return true;
}

void CaptureWriter::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, everything written
    std::deque<Capture> batch;
    batch.swap(queue_);
    lock.unlock();
    std::vector<PayloadRecord> rows;
    rows.reserve(batch.size());
    for (Capture& c : batch) {
      ring_.SealPayload(c.key.get(), c.body, &c.record);
      rows.push_back(std::move(c.record));
    }
    absl::Status st = store_.AddPayloads(rows);
    if (st.ok()) {
      metrics_.RecordCapture("stored", rows.size());
    } else {
      metrics_.RecordCapture("failed", rows.size());
      spdlog::warn("payload capture not stored ({} bodies): {}", rows.size(), st.ToString());
    }
    lock.lock();
  }
}

std::optional<CaptureWriter::Capture> CaptureRequest(RequestContext& ctx, size_t max_body) {
  if (ctx.route == nullptr || !ctx.route->config->capture || max_body == 0) return std::nullopt;
  CaptureWriter::Capture c;
  c.key = ctx.subject_key;
  PayloadRecord& r = c.record;
  r.subject = ctx.subject_key ? ctx.subject_lookup : "";
  r.request_id = ctx.request_id;
  r.provider = ctx.route->name;
  r.operation = ctx.operation_name;
  r.direction = "request";
  r.created_at = static_cast<int64_t>(std::time(nullptr));
  const std::string& body = ctx.request.body;
  c.body.assign(body, 0, std::min(max_body, body.size()));
  r.size = static_cast<int64_t>(c.body.size());
  r.truncated = body.size() > max_body;
  ctx.capture_limit = max_body;
  return c;
}

void SubmitCaptures(CaptureWriter& writer, RequestContext& ctx,
                    std::optional<CaptureWriter::Capture> request) {
  if (!request) return;
  bool answered = !ctx.refusal && ctx.capture_limit > 0;
  std::optional<CaptureWriter::Capture> response;
  if (answered) {
    response.emplace();
    response->key = request->key;
    response->record = request->record;
    response->record.direction = "response";
    response->body = std::move(ctx.captured_response);
    response->record.size = static_cast<int64_t>(response->body.size());
    response->record.truncated = ctx.captured_response_size > response->body.size();
  }
  writer.Submit(std::move(*request));
  if (response) writer.Submit(std::move(*response));
}

}  // namespace bulwark
