// File: heygen_fake.h
// The HeyGen fake: three API generations on one prefix, each with its own envelope
// (v1 {code,data,message}, v2 {error,data}, v3 {data} / {error:{code,message,param,
// doc_url}}), videos that move pending -> processing -> completed, and v3 idempotency.
//
// Video state is derived from the creation time and the clock reading of each call, so no
// background thread advances it and tests can inject time. A voice text containing
// "sandbox:fail" makes the video end as failed (error 40119), to exercise failure paths.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "sandbox/vendor_fake.h"

namespace bulwark::sandbox {

class HeyGenFake : public VendorFake {
 public:
  HeyGenFake(std::string key, std::chrono::milliseconds video_time);

  std::optional<HttpResponse> Authenticate(const Call& call) const override;
  HttpResponse TooManyRequests(const Call& call) const override;
  HttpResponse InternalError(const Call& call) const override;
  HttpResponse Route(const Call& call) override;

 private:
  struct Video {
    std::string id;
    Clock::time_point created;
    double duration = 0;  // seconds, once completed
    bool test = false;
    bool caption = false;
    bool fail = false;
    std::string title;
    nlohmann::json callback_id;  // string or null
  };
  struct Translation {
    std::string id;
    Clock::time_point created;
    std::string title;
    std::string output_language;
  };
  struct IdempotentEntry {
    std::string fingerprint;  // method, path and body of the first request
    bool in_flight = true;
    HttpResponse response;
    Clock::time_point at;
  };

  // The status word of `video` at `now` (pending, processing, completed, failed).
  std::string StatusAt(const Video& video, Clock::time_point now) const;
  std::string FileUrl(const Call& call, const std::string& id, std::string_view ext) const;
  nlohmann::json V1VideoStatus(const Call& call, const Video& video) const;
  nlohmann::json V3Video(const Call& call, const Video& video) const;
  std::string AddVideo(Video video);

  HttpResponse RouteV1(const Call& call, const std::vector<std::string_view>& segments);
  HttpResponse RouteV2(const Call& call, const std::vector<std::string_view>& segments);
  HttpResponse RouteV3(const Call& call, const std::vector<std::string_view>& segments);
  HttpResponse RouteV3Idempotent(const Call& call, const std::vector<std::string_view>& segments);

  HttpResponse GenerateVideo(const Call& call);
  HttpResponse GenerateFromTemplate(const Call& call, std::string_view template_id);
  HttpResponse GetTemplate(std::string_view template_id) const;
  HttpResponse CreateTranslation(const Call& call);
  HttpResponse GetTranslation(const Call& call, std::string_view id);
  HttpResponse V1VideoStatusGet(const Call& call);
  HttpResponse V1VideoList(const Call& call);
  HttpResponse V1VideoDelete(const Call& call);
  HttpResponse V2Quota();
  HttpResponse V3CreateVideo(const Call& call);
  HttpResponse V3ListVideos(const Call& call);
  HttpResponse V3GetVideo(const Call& call, std::string_view id);
  HttpResponse V3DeleteVideo(std::string_view id);
  HttpResponse SandboxFile(std::string_view name) const;

  const std::string key_;
  const std::chrono::milliseconds video_time_;

  mutable absl::Mutex mu_;
  std::map<std::string, Video, std::less<>> videos_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> video_order_ ABSL_GUARDED_BY(mu_);  // oldest first
  std::map<std::string, Translation, std::less<>> translations_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, IdempotentEntry, std::less<>> idempotency_ ABSL_GUARDED_BY(mu_);
  double used_seconds_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace bulwark::sandbox
