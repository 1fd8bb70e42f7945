// Ownership rules resolved once per profile: the per-request lookup answers exactly what
// the table scan answers, for every operation of every built-in profile.
#include "providers/resources.h"

#include <atomic>
#include <cstdlib>
#include <new>

#include <gtest/gtest.h>

// Every allocation in this test binary is counted, so a test can prove a path makes none.
namespace {
std::atomic<size_t> g_allocations{0};
}  // namespace

void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace bulwark {
namespace {

TEST(ResourceRules, PerRequestLookupAllocatesNothingWhereTheScanDid) {
  const Profile& heygen = *FindProfile("heygen");
  ResourceRules rules(heygen);
  size_t found = 0;
  size_t before = g_allocations.load();
  for (int i = 0; i < 100; ++i) {
    for (const Operation& op : heygen.operations) found += rules.For(&op).size();
  }
  EXPECT_EQ(g_allocations.load(), before);
  EXPECT_GT(found, 0u);
  // The counter does see allocations: the start-up scan makes some.
  before = g_allocations.load();
  for (const Operation& op : heygen.operations)
    found += FindResourceRules("heygen", op.name).size();
  EXPECT_GT(g_allocations.load(), before);
}

TEST(ResourceRules, ResolvedTableMatchesTheScanForEveryOperation) {
  for (std::string_view name : ProfileNames()) {
    const Profile* profile = FindProfile(name);
    ASSERT_NE(profile, nullptr) << name;
    ResourceRules rules(*profile);
    EXPECT_TRUE(rules.ResolvedFor(*profile));
    for (const Operation& op : profile->operations) {
      std::vector<const ResourceRule*> scanned = FindResourceRules(profile->name, op.name);
      std::span<const ResourceRule* const> resolved = rules.For(&op);
      EXPECT_EQ(std::vector<const ResourceRule*>(resolved.begin(), resolved.end()), scanned)
          << name << " " << op.name;
    }
  }
}

TEST(ResourceRules, HeygenVideoStatusUsesTheVideoIdQueryParameter) {
  const Profile& heygen = *FindProfile("heygen");
  ResourceRules rules(heygen);
  const Operation* status = MatchOperation(heygen, "GET", "/v1/video_status.get");
  ASSERT_NE(status, nullptr);
  auto found = rules.For(status);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->role, ResourceRole::kUses);
  EXPECT_EQ(found[0]->kind, "video");
  EXPECT_EQ(found[0]->request_id.where, RequestIdLocation::kQuery);
  EXPECT_EQ(found[0]->request_id.query_param, "video_id");
  const Operation* generate = MatchOperation(heygen, "POST", "/v2/video/generate");
  ASSERT_NE(generate, nullptr);
  ASSERT_EQ(rules.For(generate).size(), 1u);
  EXPECT_EQ(rules.For(generate)[0]->role, ResourceRole::kCreates);
}

TEST(ResourceRules, ForeignOrMissingOperationsHaveNoRules) {
  const Profile& heygen = *FindProfile("heygen");
  const Profile& openai = *FindProfile("openai");
  ResourceRules rules(heygen);
  EXPECT_TRUE(rules.For(nullptr).empty());
  EXPECT_TRUE(rules.For(&openai.operations.front()).empty());  // another profile's operation
  Operation local;
  local.method = "GET";
  local.pattern = "/v1/video_status.get";
  local.name = "video.status";
  EXPECT_TRUE(rules.For(&local).empty());  // same name, but not one of the profile's own
  EXPECT_FALSE(rules.ResolvedFor(openai));
  ResourceRules none;
  EXPECT_FALSE(none.ResolvedFor(heygen));
  EXPECT_TRUE(none.For(&heygen.operations.front()).empty());
}

}  // namespace
}  // namespace bulwark
