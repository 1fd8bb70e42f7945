// Webhook signatures: a known-answer vector, and what a receiver must refuse.
#include "alerts/signature.h"

#include <gtest/gtest.h>

#include "alerts/dispatcher.h"

namespace bulwark::alerts {
namespace {

TEST(SignatureTest, KnownAnswer) {
  // Computed independently with Python (one command):
  // clang-format off
  //   python3 -c 'import hmac,hashlib;print(hmac.new(b"key",b"1700000000.{}",hashlib.sha256).hexdigest())'
  // clang-format on
  EXPECT_EQ(SignatureHeaderValue(Secret(std::string("key")), 1700000000, "{}"),
            "t=1700000000,v1=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae");
}

TEST(SignatureTest, VerifiesItsOwnSignature) {
  Secret key(std::string("whsec_0123456789abcdef"));
  std::string body = R"({"rule":"rate_spike"})";
  std::string header = SignatureHeaderValue(key, 1700000000, body);
  EXPECT_TRUE(VerifySignature(key, header, body, 1700000010));
}

TEST(SignatureTest, RefusesTamperingReplayAndWrongKeys) {
  Secret key(std::string("whsec_0123456789abcdef"));
  std::string body = R"({"rule":"rate_spike"})";
  std::string header = SignatureHeaderValue(key, 1700000000, body);
  EXPECT_FALSE(VerifySignature(key, header, body + " ", 1700000000));  // body changed
  EXPECT_FALSE(VerifySignature(key, header, body, 1700000000 + 301));  // too old
  EXPECT_FALSE(VerifySignature(Secret(std::string("other")), header, body, 1700000000));
  std::string moved = header;
  moved.replace(2, 10, "1700000001");  // the timestamp is signed too
  EXPECT_FALSE(VerifySignature(key, moved, body, 1700000000));
  EXPECT_FALSE(VerifySignature(key, "", body, 1700000000));
  EXPECT_FALSE(VerifySignature(key, "t=x,v1=00", body, 1700000000));
}

TEST(AlertJsonTest, CarriesRuleSubjectAndResponseButNoSecrets) {
  anomaly::Alert a;
  a.rule = "auth_failures";
  a.subject_kind = "address";
  a.subject = "192.0.2.66";
  a.observed = 30;
  a.threshold = 20;
  a.action = "alert";
  a.summary = "30 authentication failures from 192.0.2.66 in one interval";
  nlohmann::json j = Dispatcher::AlertJson(a, "alr_1", "alerted", "node-1", 1700000000000);
  EXPECT_EQ(j["rule"], "auth_failures");
  EXPECT_EQ(j["subject"]["kind"], "address");
  EXPECT_EQ(j["response"], "alerted");
  EXPECT_EQ(j["time"], "2023-11-14T22:13:20.000Z");
  nlohmann::json slack = Dispatcher::SlackJson(j);
  ASSERT_TRUE(slack["text"].is_string());
  EXPECT_NE(slack["text"].get<std::string>().find("auth_failures"), std::string::npos);
}

}  // namespace
}  // namespace bulwark::alerts
