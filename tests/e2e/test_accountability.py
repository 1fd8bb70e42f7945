"""Admin API roles, the audit trail of every request, and the PII policy on the wire."""

import json
import os
import subprocess
import time
import unittest

from harness import (BULWARK_BIN, ContractAssertions, FakeUpstream, Gateway, GatewayTestCase,
                     Reply, bearer, free_port)

GENERATE_PATH = "/heygen/v2/video/generate"
SCRIPT = {"video_inputs": [{"character": {"type": "avatar", "avatar_id": "a1"},
                            "voice": {"type": "text", "voice_id": "v1",
                                      "input_text": "Write to jane.doe@example.com today"}}]}


class AdminApiTest(GatewayTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = bearer(cls.gateway.admin_token)

    def post_key(self, body, headers):
        return self.gateway.request("POST", "/admin/v1/keys", headers=headers,
                                    body=json.dumps(body).encode(),
                                    port=self.gateway.admin_port)

    def test_admin_creates_a_key_that_works_on_the_data_plane(self):
        response = self.post_key({"name": "api", "scopes": ["heygen:*"], "rates": ["5/s"]},
                                 self.admin)
        self.assertEqual(response.status, 201, response)
        created = response.json()["data"]
        self.assertTrue(created["key"].startswith("bwk_"))
        self.gateway.wait_for_key(created["key"])
        answer = self.gateway.request("GET", "/heygen/v2/avatars", headers=bearer(created["key"]))
        self.assertEqual(answer.status, 200, answer)
        listed = self.gateway.admin_request("GET", "/admin/v1/keys", headers=self.admin)
        ids = [k["id"] for k in listed.json()["data"]]
        self.assertIn(created["id"], ids)
        self.assertNotIn(created["key"], listed.body.decode())

    def test_admin_api_refuses_bad_input_with_the_contract_body(self):
        self.assertContractError(self.post_key({"name": "x"}, self.admin), 400, "invalid_request")

    def test_auditor_may_read_but_not_write(self):
        token = json.loads(self.gateway.cli("admin", "tokens", "create", "--role",
                                            "auditor").stdout)["token"]
        auditor = bearer(token)
        self.gateway.wait_for_key(token, path="/x")  # tokens reach serve by polling too
        listed = None
        for _ in range(100):
            listed = self.gateway.admin_request("GET", "/admin/v1/keys", headers=auditor)
            if listed.status == 200:
                break
        self.assertEqual(listed.status, 200, listed)
        self.assertContractError(self.post_key({"name": "n", "scopes": ["*"]}, auditor), 403,
                                 "forbidden")

    def test_client_keys_are_refused_on_the_admin_listener_and_admin_tokens_on_the_data_plane(self):
        _, key = self.gateway.create_key(["*"])
        self.gateway.wait_for_key(key)
        self.assertContractError(
            self.gateway.admin_request("GET", "/admin/v1/keys", headers=bearer(key)), 401,
            "unauthenticated")
        self.assertContractError(
            self.gateway.request("GET", "/heygen/v2/avatars", headers=self.admin), 401,
            "unauthenticated")


class AuditTrailTest(GatewayTestCase):
    PROVIDERS = {"heygen": {"base_url": "{upstream}", "pii": "redact"}}
    KEY_SCOPES = ["heygen:*"]

    def generate(self, headers=None):
        self.upstream.default = Reply(200, body=b'{"error":null,"data":{"video_id":"v1"}}')
        all_headers = {"Content-Type": "application/json", **bearer(self.key), **(headers or {})}
        return self.gateway.request("POST", GENERATE_PATH, headers=all_headers,
                                    body=json.dumps(SCRIPT).encode())

    def audit_records(self):
        out = self.gateway.cli("audit", "tail", "-n", "1000").stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def records_of(self, request_id, count):
        """The outcome record is group-committed just after the answer; wait for it."""
        records = []
        for _ in range(100):
            records = [r for r in self.audit_records() if r["request_id"] == request_id]
            if len(records) >= count:
                break
            time.sleep(0.02)
        return records

    def test_pii_in_free_text_is_redacted_before_it_reaches_the_vendor(self):
        response = self.generate()
        self.assertEqual(response.status, 200, response)
        sent = json.loads(self.upstream.requests[-1].body)
        self.assertEqual(sent["video_inputs"][0]["voice"]["input_text"], "Write to [EMAIL] today")
        self.assertEqual(sent["video_inputs"][0]["character"]["avatar_id"], "a1")

    def test_every_request_leaves_a_decision_and_an_outcome_record(self):
        response = self.generate({"X-Bulwark-Subject": "alice-42"})
        request_id = response.header("X-Request-Id")
        records = self.records_of(request_id, 2)
        decisions = sorted(r["decision"] for r in records)
        self.assertEqual(decisions, ["allowed", "answered"], records)
        answered = next(r for r in records if r["decision"] == "answered")
        self.assertEqual(answered["status"], 200)
        self.assertEqual(answered["key_id"], self.key_id)
        self.assertEqual(answered["operation"], "video.generate")
        self.assertEqual(answered["pii"], {"EMAIL": 1})
        self.assertTrue(answered["subject"])
        self.assertNotIn("alice-42", json.dumps(records), "raw subject id reached the audit log")

    def test_refusals_are_audited_with_their_reason(self):
        response = self.gateway.request("GET", "/heygen/v2/avatars",
                                        headers=bearer("bwk_unknown"))
        self.assertContractError(response, 401, "unauthenticated")
        request_id = response.header("X-Request-Id")
        records = self.records_of(request_id, 1)
        self.assertEqual(len(records), 1, records)
        self.assertEqual(records[0]["decision"], "refused")
        self.assertEqual(records[0]["reason"], "unauthenticated")

    def test_audit_chain_verifies_after_traffic(self):
        self.generate()
        result = self.gateway.cli("audit", "verify", check=False)
        self.assertEqual(result.returncode, 0, result.stderr)
        verdict = json.loads(result.stdout)
        self.assertTrue(verdict["ok"])
        self.assertGreater(verdict["records"], 0)


class TwoNodesTest(unittest.TestCase):
    def test_revocation_reaches_two_serve_processes_on_one_store_within_1s(self):
        upstream = FakeUpstream()
        self.addCleanup(upstream.close)
        first = Gateway({"heygen": {"base_url": upstream.url}}).start()
        self.addCleanup(first.cleanup)
        # A second node: same store and master key, its own listeners.
        second_port, second_admin = free_port(), free_port()
        with open(first.config_path) as f:
            text = f.read().replace(f"127.0.0.1:{first.port}", f"127.0.0.1:{second_port}")
            text = text.replace(f"127.0.0.1:{first.admin_port}", f"127.0.0.1:{second_admin}")
        second_config = os.path.join(first.dir, "second.toml")
        with open(second_config, "w") as f:
            f.write(text)
        second = subprocess.Popen([BULWARK_BIN, "--config", second_config, "serve"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: (second.terminate(), second.wait()))
        ports = (first.port, second_port)
        key_id, key = first.create_key(["*"])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if all(first.request("GET", "/nosuch/x", headers=bearer(key), port=p).status == 404
                       for p in ports):
                    break
            except OSError:
                pass
            time.sleep(0.02)
        first.cli("keys", "revoke", key_id)
        revoked_at = time.monotonic()
        seen = {}
        while len(seen) < 2 and time.monotonic() - revoked_at < 3:
            for p in ports:
                if p not in seen and first.request("GET", "/nosuch/x", headers=bearer(key),
                                                   port=p).status == 401:
                    seen[p] = time.monotonic() - revoked_at
            time.sleep(0.005)
        self.assertEqual(len(seen), 2, f"refused by {sorted(seen)} only")
        worst = max(seen.values())
        print(f"\nrevocation reached both nodes {worst * 1000:.0f} ms after `keys revoke`")
        self.assertLess(worst, 1.0)


class PiiBlockTest(ContractAssertions, unittest.TestCase):
    def test_block_policy_refuses_with_422_naming_only_the_types_and_sends_nothing(self):
        upstream = FakeUpstream()
        self.addCleanup(upstream.close)
        gateway = Gateway({"heygen": {"base_url": upstream.url, "pii": "block"}}).start()
        self.addCleanup(gateway.cleanup)
        _, key = gateway.create_key(["*"])
        gateway.wait_for_key(key)
        response = gateway.request("POST", GENERATE_PATH,
                                   headers={"Content-Type": "application/json", **bearer(key)},
                                   body=json.dumps(SCRIPT).encode())
        body = self.assertContractError(response, 422, "pii_blocked")
        self.assertIn("EMAIL", body["error"]["message"])
        self.assertNotIn("jane.doe", response.body.decode())
        self.assertEqual(upstream.requests, [])


if __name__ == "__main__":
    unittest.main()
