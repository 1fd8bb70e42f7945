// File: capture_writer.h
// CaptureWriter: stores captured request and response bodies (providers.NAME.capture)
// off the event loops.
//
// Submit() only queues (bounded by `capture.queue`); one writer thread seals each body
// (XChaCha20-Poly1305 under the subject's key, or a per-record key, subjects/keyring.h)
// and inserts the batch in one store transaction. Captures are a debugging aid, not the
// audit: when the queue is full the capture is dropped and counted
// (bulwark_payload_captures_total{outcome="dropped"}), the request is never held back.
// The destructor writes what is still queued, then joins.
//
// Thread-safety: Submit may be called from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "observability/metrics.h"
#include "pipeline/context.h"
#include "storage/store.h"
#include "subjects/keyring.h"

namespace bulwark {

class CaptureWriter {
 public:
  struct Capture {
    std::shared_ptr<const subjects::SubjectKey> key;  // nullptr: per-record key
    PayloadRecord record;                             // everything but the sealed fields
    std::string body;
  };

  CaptureWriter(Store& store, const subjects::Keyring& ring, Metrics& metrics, size_t max_queue);
  ~CaptureWriter();

  // Queues `capture`; false (counted as dropped) when the queue is full.
  bool Submit(Capture capture);

 private:
  void Loop();

  Store& store_;
  const subjects::Keyring& ring_;
  Metrics& metrics_;
  const size_t max_queue_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Capture> queue_;  // guarded by mu_
  bool stop_ = false;          // guarded by mu_
  std::thread thread_;
};

// Before forwarding (the request body then moves upstream): when the route captures,
// copies at most `max_body` bytes of the request body as it will be sent, i.e. after PII
// rewriting, and asks the forwarder to keep the vendor's answer (ctx.capture_limit).
std::optional<CaptureWriter::Capture> CaptureRequest(RequestContext& ctx, size_t max_body);

// After forwarding: queues the request capture and, if the vendor answered, its body.
void SubmitCaptures(CaptureWriter& writer, RequestContext& ctx,
                    std::optional<CaptureWriter::Capture> request);

}  // namespace bulwark
