#include "privacy/scanner.h"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace bulwark::privacy {
namespace {

class ScannerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto created = Scanner::Create();
    ASSERT_TRUE(created.ok()) << created.status();
    scanner_ = created->release();
  }

  // The (type, text) pairs found in `text`.
  static std::vector<std::pair<std::string, std::string>> Found(std::string_view text) {
    auto findings = scanner_->Scan(text);
    EXPECT_TRUE(findings.ok()) << findings.status();
    std::vector<std::pair<std::string, std::string>> out;
    for (const Finding& f : *findings) {
      out.emplace_back(std::string(PiiTypeName(f.type)),
                       std::string(text.substr(f.start, f.end - f.start)));
    }
    return out;
  }

  static void ExpectOnly(std::string_view text, std::string_view type, std::string_view value) {
    const auto found = Found(text);
    ASSERT_EQ(found.size(), 1u) << text << " -> " << Dump(found);
    EXPECT_EQ(found[0].first, type) << text;
    EXPECT_EQ(found[0].second, value) << text;
  }

  static void ExpectNone(std::string_view text) {
    const auto found = Found(text);
    EXPECT_TRUE(found.empty()) << text << " -> " << Dump(found);
  }

  static std::string Dump(const std::vector<std::pair<std::string, std::string>>& found) {
    std::string s;
    for (const auto& [type, value] : found) {
      s += type + "='" + value + "' ";
    }
    return s;
  }

  static inline Scanner* scanner_ = nullptr;
};

TEST(PiiType, NamesRoundTrip) {
  for (int i = 0; i < kNumPiiTypes; ++i) {
    const auto type = static_cast<PiiType>(i);
    EXPECT_EQ(ParsePiiType(PiiTypeName(type)), type);
  }
  EXPECT_EQ(PiiTypeName(PiiType::kUrlWithCredentials), "URL_WITH_CREDENTIALS");
  EXPECT_EQ(ParsePiiType("email"), PiiType::kEmail);
  EXPECT_EQ(ParsePiiType("NOPE"), std::nullopt);
}

TEST_F(ScannerTest, EmptyInputHasNoFindings) { ExpectNone(""); }

TEST_F(ScannerTest, FindsEmails) {
  ExpectOnly("Contact jane.doe+video@example.co.uk today.", "EMAIL",
             "jane.doe+video@example.co.uk");
  ExpectOnly("<a href=\"mailto:o'brien@mail.example.org\">", "EMAIL", "o'brien@mail.example.org");
  ExpectNone("Follow us @heygen and use user@localhost for tests.");
  ExpectNone("The package is foo@1.2.3 in npm.");
}

TEST_F(ScannerTest, FindsPhones) {
  ExpectOnly("Call me at +1 415-555-2671 tomorrow", "PHONE", "+1 415-555-2671");
  ExpectOnly("Phone: (415) 555-2671.", "PHONE", "(415) 555-2671");
  ExpectOnly("Our London office: 020 7946 0958", "PHONE", "020 7946 0958");
  ExpectOnly("Ruf an: +49 30 901820", "PHONE", "+49 30 901820");
  ExpectOnly("Mon numéro: +33 1 42 68 53 00", "PHONE", "+33 1 42 68 53 00");
  ExpectOnly("WhatsApp +91 98765 43210 please", "PHONE", "+91 98765 43210");
}

TEST_F(ScannerTest, PhoneHardNegatives) {
  ExpectNone("Order #415-555-2671 has shipped.");
  ExpectNone("Tracking number 1Z999AA10123456784 and 9400111899223344556677.");
  ExpectNone("It costs $1,299.00 or 1299 EUR, up 12.5% since 2023.");
  ExpectNone("Released 2024-03-15 10:30:00 UTC.");
  ExpectNone("Scene 3 starts at 00:01:30.500 and lasts 45 seconds.");
}

TEST_F(ScannerTest, FindsCreditCards) {
  ExpectOnly("Card: 4111 1111 1111 1111 exp 12/27", "CREDIT_CARD", "4111 1111 1111 1111");
  ExpectOnly("amex 3782-822463-10005.", "CREDIT_CARD", "3782-822463-10005");
  ExpectOnly("mc 5555555555554444", "CREDIT_CARD", "5555555555554444");
}

TEST_F(ScannerTest, CardHardNegatives) {
  ExpectNone("Card: 4111 1111 1111 1112");         // Luhn failure
  ExpectNone("Ref 1234 5678 9012 3456 attached");  // Luhn failure, no issuer
  ExpectNone("id 0000000000000000");
}

TEST_F(ScannerTest, FindsIbans) {
  ExpectOnly("IBAN: DE89 3704 0044 0532 0130 00.", "IBAN", "DE89 3704 0044 0532 0130 00");
  ExpectOnly("pay to GB82WEST12345698765432 now", "IBAN", "GB82WEST12345698765432");
  ExpectNone("IBAN: DE89 3704 0044 0532 0130 01");  // mod-97 failure
  ExpectNone("Model XY12 ABCD is new");
}

TEST_F(ScannerTest, FindsSsns) {
  ExpectOnly("SSN 536-22-1234", "US_SSN", "536-22-1234");
  ExpectOnly("social security number: 536221234", "US_SSN", "536221234");
  ExpectNone("SSN 000-12-3456, 666-12-3456, 912-12-3456, 536-00-1234, 536-22-0000");
}

TEST_F(ScannerTest, FindsIpAddresses) {
  ExpectOnly("client 203.0.113.42 connected", "IP_ADDRESS", "203.0.113.42");
  ExpectOnly("from 2001:db8::8a2e:370:7334.", "IP_ADDRESS", "2001:db8::8a2e:370:7334");
  ExpectOnly("bind to ::1 only", "IP_ADDRESS", "::1");
  ExpectNone("version 1.2.3.4 and v10.0.0.1 are out; 999.1.1.1 is not an address");
  ExpectNone("Use std::string and a::b; it is 10:30:45 now; MAC 00:1A:2B:3C:4D:5E.");
  ExpectNone("OID 1.3.6.1.4.1.311 is registered");
}

TEST_F(ScannerTest, FindsApiKeys) {
  ExpectOnly("aws AKIAIOSFODNN7EXAMPLE key", "API_KEY", "AKIAIOSFODNN7EXAMPLE");
  ExpectOnly("GITHUB_TOKEN=ghp_16C7e42F292c6912E7710c838347Ae178B4a", "API_KEY",
             "ghp_16C7e42F292c6912E7710c838347Ae178B4a");
  ExpectOnly("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", "API_KEY",
             "sk_live_4eC39HqLyjWDarjtT1zdp7dc");
  ExpectOnly("slack xoxb-2048-1234567890-AbCdEfGhIjKlMnOp", "API_KEY",
             "xoxb-2048-1234567890-AbCdEfGhIjKlMnOp");
  ExpectOnly("OPENAI sk-proj-Abc123Def456Ghi789Jkl012Mno345", "API_KEY",
             "sk-proj-Abc123Def456Ghi789Jkl012Mno345");
  ExpectOnly("maps AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe ok", "API_KEY",
             "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe");
  const std::string jwt =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
      "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
  ExpectOnly("Authorization header holds " + jwt, "API_KEY", jwt);
  const std::string pem =
      "-----BEGIN RSA PRIVATE "
      "KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n"
      "-----END RSA PRIVATE KEY-----";
  ExpectOnly("key:\n" + pem + "\n", "API_KEY", pem);
  ExpectOnly("api_key = \"Zx9Qm2Lp7Rt4Vw8Ks1Nd5Hf3\"", "API_KEY", "Zx9Qm2Lp7Rt4Vw8Ks1Nd5Hf3");
}

TEST_F(ScannerTest, ApiKeyHardNegatives) {
  ExpectNone("request id 123e4567-e89b-12d3-a456-426614174000");
  ExpectNone("token id: 123e4567-e89b-12d3-a456-426614174000");
  ExpectNone("fixed in commit 3f786850e387550fdab836ed7e6dc881de23001b");
  ExpectNone("the tokenizer splits words; a secret garden; ask for the key features");
  ExpectNone("sk-learn-compatible-estimator-wrapper is a package");
}

TEST_F(ScannerTest, FindsUrlsWithCredentials) {
  ExpectOnly("DATABASE_URL=postgres://admin:s3cr3t@db.internal:5432/app ok", "URL_WITH_CREDENTIALS",
             "postgres://admin:s3cr3t@db.internal:5432/app");
  ExpectNone("see https://example.com/a@b and ssh://git@github.com/org/repo");
}

TEST_F(ScannerTest, FindsDatesOfBirth) {
  ExpectOnly("DOB: 03/15/1985", "DATE_OF_BIRTH", "03/15/1985");
  ExpectOnly("She was born on 3 March 1985 in Leeds.", "DATE_OF_BIRTH", "3 March 1985");
  ExpectOnly("date of birth 1985-03-15", "DATE_OF_BIRTH", "1985-03-15");
  ExpectOnly("Birthday: March 3rd, 1990!", "DATE_OF_BIRTH", "March 3rd, 1990");
  ExpectNone("The webinar is on 03/15/2025 and the launch on March 3, 2025.");
}

TEST_F(ScannerTest, FindsPersonsWithLowerConfidence) {
  auto findings = scanner_->Scan("Dear Dr. Priya Raman, thanks!");
  ASSERT_TRUE(findings.ok());
  ASSERT_EQ(findings->size(), 1u);
  EXPECT_EQ((*findings)[0].type, PiiType::kPerson);
  EXPECT_LT((*findings)[0].confidence, 0.9);
  ExpectOnly("Hi, my name is Jordan Alvarez and I run sales.", "PERSON", "Jordan Alvarez");
  ExpectOnly("Presented by Sarah Connor.", "PERSON", "Sarah Connor");
  ExpectNone("The Grace period ends in May. Will Power Tools ship?");
}

TEST_F(ScannerTest, FindsPostalAddresses) {
  ExpectOnly("Ship to 1600 Amphitheatre Parkway, Mountain View, CA 94043 please", "POSTAL_ADDRESS",
             "1600 Amphitheatre Parkway, Mountain View, CA 94043");
  ExpectOnly("Office: 221B Baker Street, London NW1 6XE.", "POSTAL_ADDRESS",
             "221B Baker Street, London NW1 6XE");
  ExpectOnly("Adresse: Hauptstraße 12, 10115 Berlin", "POSTAL_ADDRESS",
             "Hauptstraße 12, 10115 Berlin");
  ExpectNone("Take the main road to 5 great places.");
}

TEST_F(ScannerTest, VersionsHashesAndPricesAreNotPii) {
  ExpectNone(
      "Upgrade to v2.14.3 (build 20240315.1) for $49.99/month. Commit a1b2c3d fixed it; "
      "see RFC 7231 and ISO 8601. Order ORD-2024-000123 shipped via UPS 1Z999AA10123456784.");
}

TEST_F(ScannerTest, FindingsAreSortedAndNonOverlapping) {
  const std::string text =
      "jane@example.com 4111111111111111 https://u:p@h.io +1 415-555-2671 jane@example.com";
  auto findings = scanner_->Scan(text);
  ASSERT_TRUE(findings.ok());
  ASSERT_GE(findings->size(), 4u);
  for (size_t i = 1; i < findings->size(); ++i) {
    EXPECT_LE((*findings)[i - 1].end, (*findings)[i].start);
  }
}

TEST_F(ScannerTest, TypeFilterAndThreshold) {
  ScannerOptions options;
  options.types = {PiiType::kEmail};
  auto scanner = Scanner::Create(options);
  ASSERT_TRUE(scanner.ok());
  auto findings = (*scanner)->Scan("a@example.com 4111111111111111");
  ASSERT_TRUE(findings.ok());
  ASSERT_EQ(findings->size(), 1u);
  EXPECT_EQ((*findings)[0].type, PiiType::kEmail);
  options.phone_regions = {"usa"};
  EXPECT_FALSE(Scanner::Create(options).ok());
}

TEST_F(ScannerTest, PathologicalInputsStayLinear) {
  for (const std::string& unit : {std::string("1"), std::string("1."), std::string("a@"),
                                  std::string("::1"), std::string("AKIA"), std::string("1 ")}) {
    std::string text;
    while (text.size() < 200000) {
      text += unit;
    }
    auto findings = scanner_->Scan(text);
    ASSERT_TRUE(findings.ok());
  }
}

// Scans share the scanner's pooled workspaces (Hyperscan scratch and buffers): threads
// scanning texts of different sizes at once must each get what a lone scan gives.
TEST(Scanner, ConcurrentScansGetTheirOwnResults) {
  auto scanner = Scanner::Create();
  ASSERT_TRUE(scanner.ok());
  std::vector<std::string> texts;
  std::vector<size_t> expected;
  for (size_t repeat : {1, 7, 40, 300}) {
    std::string text;
    for (size_t i = 0; i < repeat; ++i) {
      text += "Call +1 415-555-2671, mail sarah@example.com, SSN 536-22-1234. ";
    }
    auto alone = (*scanner)->Scan(text);
    ASSERT_TRUE(alone.ok());
    ASSERT_EQ(alone->size(), 3 * repeat);
    texts.push_back(text);
    expected.push_back(alone->size());
  }
  std::vector<std::vector<size_t>> seen(texts.size());
  std::vector<std::thread> threads;
  for (size_t t = 0; t < texts.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 50; ++round) {
        auto findings = (*scanner)->Scan(texts[t]);
        seen[t].push_back(findings.ok() ? findings->size() : 0);
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  for (size_t t = 0; t < texts.size(); ++t) {
    EXPECT_EQ(seen[t], std::vector<size_t>(50, expected[t])) << "text " << t;
  }
}

}  // namespace
}  // namespace bulwark::privacy
