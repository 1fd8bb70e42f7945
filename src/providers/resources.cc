#include "providers/resources.h"

#include <functional>

namespace bulwark {
namespace {

ResourceRule Creates(std::string_view op, std::string_view kind,
                     std::vector<std::string_view> response_ids) {
  ResourceRule r{"heygen", op, ResourceRole::kCreates, kind, {}, {}, {}, {}};
  r.response_ids = std::move(response_ids);
  return r;
}

ResourceRule UsesQuery(std::string_view op, std::string_view kind, std::string_view param) {
  ResourceRule r{"heygen", op, ResourceRole::kUses, kind, {}, {}, {}, {}};
  r.request_id.where = RequestIdLocation::kQuery;
  r.request_id.query_param = param;
  return r;
}

// Path segments count from the first one after the provider prefix: in
// "/v3/videos/{id}", "v3" is 0 and the id is 2.
ResourceRule UsesSegment(std::string_view op, std::string_view kind, int segment) {
  ResourceRule r{"heygen", op, ResourceRole::kUses, kind, {}, {}, {}, {}};
  r.request_id.where = RequestIdLocation::kPathSegment;
  r.request_id.segment = segment;
  return r;
}

ResourceRule Lists(std::string_view op, std::string_view kind, std::string_view array,
                   std::string_view item_id) {
  ResourceRule r{"heygen", op, ResourceRole::kLists, kind, {}, {}, array, item_id};
  return r;
}

// Only HeyGen creates lasting per-user objects among the built-in profiles (Writesonic
// and OpenAI-compatible calls here are stateless).
const std::vector<ResourceRule>& Rules() {
  static const std::vector<ResourceRule> rules = {
      // Videos: v2 generate, template generate and v3 create all answer an id that the
      // v1 status/delete calls and the v3 object calls accept.
      Creates("video.generate", "video", {"/data/video_id"}),
      Creates("template.generate", "video", {"/data/video_id"}),
      Creates("videos.create", "video", {"/data/video_id", "/data/id"}),
      UsesQuery("video.status", "video", "video_id"),
      UsesQuery("video.delete", "video", "video_id"),
      UsesSegment("videos.get", "video", 2),
      UsesSegment("videos.delete", "video", 2),
      Lists("video.list", "video", "/data/videos", "video_id"),
      Lists("videos.list", "video", "/data", "id"),
      // Video translations (v2 and v3).
      Creates("translate.create", "video_translate", {"/data/video_translate_id", "/data/id"}),
      UsesSegment("translate.status", "video_translate", 2),
  };
  return rules;
}

}  // namespace

std::vector<const ResourceRule*> FindResourceRules(std::string_view profile,
                                                   std::string_view operation) {
  std::vector<const ResourceRule*> out;
  for (const ResourceRule& r : Rules()) {
    if (r.profile == profile && r.operation == operation) out.push_back(&r);
  }
  return out;
}

ResourceRules::ResourceRules(const Profile& profile) : profile_(&profile) {
  by_operation_.reserve(profile.operations.size());
  for (const Operation& op : profile.operations) {
    by_operation_.push_back(FindResourceRules(profile.name, op.name));
  }
}

std::span<const ResourceRule* const> ResourceRules::For(const Operation* operation) const {
  if (profile_ == nullptr || operation == nullptr) return {};
  const Operation* first = profile_->operations.data();
  const Operation* end = first + profile_->operations.size();
  // std::less: a total order even for pointers into different arrays.
  if (std::less<const Operation*>()(operation, first) ||
      !std::less<const Operation*>()(operation, end)) {
    return {};
  }
  const std::vector<const ResourceRule*>& rules =
      by_operation_[static_cast<size_t>(operation - first)];
  return {rules.data(), rules.size()};
}

}  // namespace bulwark
