"""GET /admin/v1/audit and /admin/v1/audit/verify: the audit log through the admin API."""

import json
import unittest

from harness import GatewayTestCase, bearer, wait_until


class AdminAuditTest(GatewayTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = bearer(cls.gateway.admin_token)
        created = json.loads(cls.gateway.cli("keys", "create", "--name", "acme", "--scope",
                                             "heygen:*", "--tenant", "acme").stdout)
        cls.key_id, cls.key = created["id"], created["key"]
        cls.gateway.wait_for_key(cls.key)

    def token(self, role):
        """A new admin token, once the running gateway knows it (tokens arrive by polling)."""
        headers = bearer(json.loads(self.gateway.cli("admin", "tokens", "create", "--role",
                                                     role).stdout)["token"])
        wait_until(lambda: self.get("/admin/v1/audit?limit=1", headers).status != 401, 3)
        return headers

    def get(self, path, headers):
        return self.gateway.admin_request("GET", path, headers=headers)

    def test_search_filters_by_tenant_and_status_and_returns_request_ids(self):
        ok = self.gateway.request("GET", "/heygen/v2/avatars", headers=bearer(self.key))
        self.assertEqual(ok.status, 200, ok)
        refused = self.gateway.request("GET", "/heygen/v2/nothing-here", headers=bearer(self.key))
        self.assertEqual(refused.status, 403, refused)
        # The outcome record is written after the answer is sent: wait for it.
        query = "/admin/v1/audit?tenant=acme&status=403&since=1h"
        wait_until(lambda: refused.header("X-Request-Id") in
                   [r["request_id"] for r in self.get(query, self.admin).json()["data"]], 3)
        response = self.get(query, self.admin)
        self.assertEqual(response.status, 200, response)
        records = response.json()["data"]
        self.assertTrue(records, response)
        self.assertTrue(all(r["tenant"] == "acme" and r["status"] == 403 for r in records))
        self.assertIn(refused.header("X-Request-Id"), [r["request_id"] for r in records])
        self.assertNotIn(ok.header("X-Request-Id"), [r["request_id"] for r in records])
        limited = self.get("/admin/v1/audit?limit=1", self.admin).json()["data"]
        self.assertEqual(len(limited), 1)

    def test_search_by_raw_subject_id_through_the_api_and_the_cli(self):
        sent = self.gateway.request("GET", "/heygen/v2/avatars",
                                    headers={**bearer(self.key), "X-Bulwark-Subject": "user-77"})
        self.assertEqual(sent.status, 200, sent)
        request_id = sent.header("X-Request-Id")
        query = "/admin/v1/audit?subject=user-77"
        self.assertTrue(wait_until(lambda: request_id in [
            r["request_id"] for r in self.get(query, self.admin).json()["data"]], 3))
        records = self.get(query, self.admin).json()["data"]
        self.assertNotIn("user-77", json.dumps(records))  # pseudonyms only
        self.assertEqual(len({r["subject"] for r in records}), 1)
        lines = self.gateway.cli("audit", "search", "--subject", "user-77").stdout.splitlines()
        self.assertIn(request_id, [json.loads(line)["request_id"] for line in lines])
        self.assertEqual(self.get("/admin/v1/audit?subject=nobody", self.admin).json()["data"],
                         [])

    def test_verify_reports_the_chain(self):
        self.gateway.request("GET", "/heygen/v2/avatars", headers=bearer(self.key))
        response = self.get("/admin/v1/audit/verify", self.admin)
        self.assertEqual(response.status, 200, response)
        verdict = response.json()["data"]
        self.assertTrue(verdict["ok"])
        self.assertGreater(verdict["records"], 0)

    def test_auditor_may_read_and_privacy_role_and_client_keys_may_not(self):
        self.assertEqual(self.get("/admin/v1/audit", self.token("auditor")).status, 200)
        self.assertContractError(self.get("/admin/v1/audit", self.token("privacy")), 403,
                                 "forbidden")
        self.assertContractError(self.get("/admin/v1/audit", bearer(self.key)), 401,
                                 "unauthenticated")

    def test_bad_filters_are_400_with_the_fix(self):
        for query in ("status=abc", "since=yesterday", "limit=0", "colour=blue", "key=%zz"):
            response = self.get(f"/admin/v1/audit?{query}", self.admin)
            body = self.assertContractError(response, 400, "invalid_request")
            self.assertGreater(len(body["error"]["message"]), 20, query)


if __name__ == "__main__":
    unittest.main()
