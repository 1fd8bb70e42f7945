"""Consent, data-subject export and erasure, payload capture with retention, and records of
processing (issue 6), end to end with the real binary and a recording fake vendor."""

import json
import time
import unittest

from harness import FakeUpstream, Gateway, GatewayTestCase, Reply, bearer, wait_until

GENERATE = "/heygen/v2/video/generate"
CHATSONIC = "/writesonic/v2/business/content/chatsonic"
PURPOSE = "personalized_video"


def script(text):
    return json.dumps({"video_inputs": [{"character": {"type": "avatar", "avatar_id": "a1"},
                                         "voice": {"type": "text", "voice_id": "v1",
                                                   "input_text": text}}]}).encode()


class ConsentTest(GatewayTestCase):
    """require_consent on a running serve: grants and revocations by CLI and admin API."""

    PROVIDERS = {
        "heygen": {"base_url": "{upstream}", "require_consent": PURPOSE},
        "writesonic": {"base_url": "{upstream}", "require_consent": PURPOSE},
    }
    KEY_SCOPES = ["*"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = bearer(cls.gateway.admin_token)

    def generate(self, subject=None, purpose=None):
        headers = {**bearer(self.key), "Content-Type": "application/json"}
        if subject is not None:
            headers["X-Bulwark-Subject"] = subject
        if purpose is not None:
            headers["X-Bulwark-Purpose"] = purpose
        return self.gateway.request("POST", GENERATE, headers=headers, body=script("hi"))

    def chatsonic(self, subject):
        return self.gateway.request(
            "POST", CHATSONIC, body=b'{"input_text":"hello"}',
            headers={**bearer(self.key), "Content-Type": "application/json",
                     "X-Bulwark-Subject": subject})

    def cli_json(self, *args):
        return json.loads(self.gateway.cli(*args).stdout)

    def test_request_without_subject_is_refused_and_nothing_is_forwarded(self):
        self.assertContractError(self.generate(), 403, "consent_required")
        self.assertEqual(self.upstream.requests, [])

    def test_grant_lets_requests_through_and_revoke_refuses_them_within_one_second(self):
        self.assertContractError(self.generate("user-grant"), 403, "consent_required")
        granted = self.cli_json("consent", "grant", "user-grant", "--purpose", PURPOSE,
                                "--evidence", "web form v3")
        self.assertTrue(granted["live"])
        self.assertTrue(wait_until(lambda: self.generate("user-grant").status == 200, 1.5))
        self.assertEqual(len(self.upstream.requests), 1)
        received = self.upstream.requests[0]
        self.assertNotIn("x-bulwark-subject", received.header_names())
        self.assertFalse(received.contains_anywhere("user-grant"))

        self.gateway.cli("consent", "revoke", "user-grant", "--purpose", PURPOSE)
        revoked_at = time.monotonic()
        self.assertTrue(wait_until(lambda: self.generate("user-grant").status == 403, 1.0))
        self.assertLess(time.monotonic() - revoked_at, 1.0)
        self.assertContractError(self.generate("user-grant"), 403, "consent_required")
        self.upstream.reset()
        self.generate("user-grant")
        self.assertEqual(self.upstream.requests, [])

    def test_consent_for_another_purpose_or_subject_does_not_count(self):
        self.gateway.cli("consent", "grant", "user-other", "--purpose", "marketing")
        self.gateway.cli("consent", "grant", "user-neighbour", "--purpose", PURPOSE)
        time.sleep(0.6)
        # X-Bulwark-Purpose is recorded, never trusted.
        self.assertContractError(self.generate("user-other", purpose=PURPOSE), 403,
                                 "consent_required")
        self.assertEqual(self.generate("user-neighbour").status, 200)

    def test_provider_scoped_grant_covers_only_that_provider(self):
        self.gateway.cli("consent", "grant", "user-scoped", "--purpose", PURPOSE,
                         "--provider", "heygen")
        self.assertTrue(wait_until(lambda: self.generate("user-scoped").status == 200, 1.5))
        self.assertContractError(self.chatsonic("user-scoped"), 403, "consent_required")
        self.gateway.cli("consent", "grant", "user-scoped", "--purpose", PURPOSE)
        self.assertTrue(wait_until(lambda: self.chatsonic("user-scoped").status == 200, 1.5))

    def test_consent_list_shows_live_and_revoked_records(self):
        self.gateway.cli("consent", "grant", "user-list", "--purpose", PURPOSE,
                         "--provider", "heygen", "--evidence", "call recording 17")
        self.gateway.cli("consent", "grant", "user-list", "--purpose", "marketing")
        self.gateway.cli("consent", "revoke", "user-list", "--purpose", "marketing")
        listed = self.cli_json("consent", "list", "user-list")
        self.assertEqual([(c["purpose"], c["provider"], c["live"]) for c in listed],
                         [(PURPOSE, "heygen", True), ("marketing", "", False)])
        self.assertEqual(listed[0]["evidence"], "call recording 17")
        self.assertIsNone(listed[0]["revoked_at"])
        self.assertIsNotNone(listed[1]["revoked_at"])
        self.assertEqual(self.cli_json("consent", "list", "nobody-at-all"), [])

    def test_bad_consent_input_exits_2(self):
        for args in (["consent", "grant", "u", "--purpose", "has space"],
                     ["consent", "grant", "u", "--purpose", PURPOSE, "--provider", "acme"],
                     ["consent", "revoke", "never-granted", "--purpose", PURPOSE]):
            with self.subTest(args=args):
                self.assertEqual(self.gateway.cli(*args, check=False).returncode, 2)

    def test_consent_changes_are_audited_without_the_raw_subject_id(self):
        self.gateway.cli("consent", "grant", "user-audited@example.com", "--purpose", PURPOSE)
        self.gateway.cli("consent", "revoke", "user-audited@example.com", "--purpose", PURPOSE)
        tail = self.gateway.cli("audit", "tail", "-n", "5").stdout
        records = [json.loads(line) for line in tail.splitlines()]
        actions = [r["action"] for r in records if r["kind"] == "consent"]
        self.assertEqual(actions[-2:], ["consent.grant", "consent.revoke"])
        self.assertEqual({r["actor"] for r in records if r["kind"] == "consent"}, {"cli"})
        self.assertNotIn("user-audited", tail)

    def test_admin_api_grants_lists_and_revokes_with_roles(self):
        privacy_token = json.loads(self.gateway.cli(
            "admin", "tokens", "create", "--role", "privacy").stdout)
        privacy = bearer(privacy_token["token"])
        auditor = bearer(json.loads(self.gateway.cli(
            "admin", "tokens", "create", "--role", "auditor").stdout)["token"])
        self.gateway.wait_for_key(privacy["Authorization"][7:], path="/x")
        self.gateway.wait_for_key(auditor["Authorization"][7:], path="/x")
        time.sleep(0.5)
        body = json.dumps({"subject": "user/admin api", "purpose": PURPOSE,
                           "evidence": "ticket 9"}).encode()
        denied = self.gateway.request("POST", "/admin/v1/consents", headers=auditor, body=body,
                                      port=self.gateway.admin_port)
        self.assertContractError(denied, 403, "forbidden")
        created = self.gateway.request("POST", "/admin/v1/consents", headers=privacy, body=body,
                                       port=self.gateway.admin_port)
        self.assertEqual(created.status, 201, created)
        self.assertTrue(created.json()["data"]["live"])
        self.assertTrue(wait_until(lambda: self.generate("user/admin api").status == 200, 1.5))
        listed = self.gateway.admin_request(
            "GET", "/admin/v1/consents?subject=user%2Fadmin%20api", headers=auditor)
        self.assertEqual(listed.status, 200, listed)
        self.assertEqual([c["purpose"] for c in listed.json()["data"]], [PURPOSE])
        bad = self.gateway.request("POST", "/admin/v1/consents", headers=privacy,
                                   body=b'{"subject": 5}', port=self.gateway.admin_port)
        self.assertContractError(bad, 400, "invalid_request")
        revoked = self.gateway.request(
            "POST", "/admin/v1/consents/revoke", headers=privacy, port=self.gateway.admin_port,
            body=json.dumps({"subject": "user/admin api", "purpose": PURPOSE}).encode())
        self.assertEqual(revoked.status, 200, revoked)
        self.assertTrue(wait_until(lambda: self.generate("user/admin api").status == 403, 1.0))
        again = self.gateway.request(
            "DELETE", f"/admin/v1/consents?subject=user%2Fadmin%20api&purpose={PURPOSE}",
            headers=self.admin, port=self.gateway.admin_port)
        self.assertEqual(again.status, 404, again)  # nothing live any more
        tail = [json.loads(line) for line in
                self.gateway.cli("audit", "tail", "-n", "20").stdout.splitlines()]
        admin_changes = [r for r in tail if r["kind"] == "admin" and
                         r["action"].startswith("consent.")]
        self.assertEqual([r["action"] for r in admin_changes][-2:],
                         ["consent.grant", "consent.revoke"])
        self.assertEqual({r["actor"] for r in admin_changes[-2:]}, {privacy_token["id"]})
        self.assertNotIn("admin api", json.dumps(tail))  # pseudonymous targets only


class SubjectRightsTest(GatewayTestCase):
    """Capture, export, erasure (crypto-shredding), retention and the processing report."""

    PROVIDERS = {
        # ownership binds created videos to the subject: export lists them as resources.
        "heygen": {"base_url": "{upstream}", "pii": "redact", "capture": True,
                   "retention": "1d", "ownership": True},
        "writesonic": {"base_url": "{upstream}", "pii": "pseudonymize"},
    }
    KEY_SCOPES = ["*"]

    def setUp(self):
        super().setUp()  # resets the upstream
        self.upstream.default = Reply(200, body=b'{"data": {"video_id": "vid-1"}, "error": null}')

    def generate(self, subject, text, purpose=None):
        headers = {**bearer(self.key), "Content-Type": "application/json",
                   "X-Bulwark-Subject": subject}
        if purpose:
            headers["X-Bulwark-Purpose"] = purpose
        return self.gateway.request("POST", GENERATE, headers=headers, body=script(text))

    def export(self, subject):
        result = self.gateway.cli("subjects", "export", subject)
        return json.loads(result.stdout)

    def audit_of(self, subject_pseudonym):
        out = self.gateway.cli("audit", "search", "--subject-pseudonym", subject_pseudonym).stdout
        return [json.loads(line) for line in out.splitlines()]

    def wait_for_payloads(self, subject, n):
        self.assertTrue(wait_until(lambda: len(self.export(subject)["payloads"]) >= n, 5.0))

    def test_export_shows_consents_audit_and_decrypted_payloads(self):
        self.gateway.cli("consent", "grant", "export-me", "--purpose", PURPOSE)
        self.upstream.enqueue(Reply(200, body=b'{"data": {"video_id": "vid-export"}, "error": null}'))
        response = self.generate("export-me", "mail me at jane.doe@example.com", PURPOSE)
        self.assertEqual(response.status, 200, response)
        sent = self.upstream.requests[0].body.decode()
        self.assertNotIn("jane.doe@example.com", sent)
        self.wait_for_payloads("export-me", 2)
        out = self.export("export-me")
        self.assertEqual(set(out), {"subject", "consents", "audit", "payloads", "resources"})
        self.assertEqual(out["subject"], "export-me")
        self.assertEqual([c["purpose"] for c in out["consents"]], [PURPOSE])
        request_ids = {r["request_id"] for r in out["audit"]}
        self.assertEqual(request_ids, {response.header("X-Request-Id")})
        self.assertTrue(all(r["purpose"] == PURPOSE for r in out["audit"]))
        self.assertEqual({r["decision"] for r in out["audit"]}, {"allowed", "answered"})
        by_direction = {p["direction"]: p for p in out["payloads"]}
        self.assertEqual(set(by_direction), {"request", "response"})
        # The request is stored as the vendor received it: after PII rewriting.
        self.assertEqual(by_direction["request"]["body"], sent)
        self.assertIn("[EMAIL]", by_direction["request"]["body"])
        self.assertIn("vid-export", by_direction["response"]["body"])
        # The video the vendor created for this subject is bound to it.
        self.assertTrue(wait_until(lambda: self.export("export-me")["resources"], 3.0))
        resources = self.export("export-me")["resources"]
        self.assertEqual([(r["provider"], r["id"]) for r in resources], [("heygen", "vid-export")])
        # Payloads are encrypted at rest: the store file never holds the body in clear.
        with open(f"{self.gateway.dir}/var/bulwark.db", "rb") as f:
            self.assertNotIn(b"[EMAIL] today", f.read())

    def test_unknown_subject_exports_empty_arrays_with_exit_0(self):
        out = self.export("never-seen")
        self.assertEqual(out, {"subject": "never-seen", "consents": [], "audit": [],
                               "payloads": [], "resources": []})

    def test_erase_removes_everything_keeps_the_chain_and_unlinks_the_pseudonym(self):
        self.gateway.cli("consent", "grant", "erase-me", "--purpose", PURPOSE)
        self.upstream.enqueue(Reply(200, body=b'{"data": {"video_id": "vid-erase"}, "error": null}'))
        first = self.generate("erase-me", "call 4155550100 about jane@example.org")
        self.assertEqual(first.status, 200, first)
        self.wait_for_payloads("erase-me", 2)
        self.assertTrue(wait_until(lambda: self.export("erase-me")["resources"], 3.0))
        before = self.export("erase-me")
        old_pseudonym = before["audit"][0]["subject"]
        self.assertEqual(len(old_pseudonym), 32)
        self.assertNotIn("erase-me", json.dumps(before["audit"]))

        erased = json.loads(self.gateway.cli("subjects", "erase", "erase-me").stdout)
        self.assertEqual(erased["erased"]["consents"], 1)
        self.assertEqual(erased["erased"]["payloads"], 2)
        self.assertEqual(erased["erased"]["resources"], 1)
        self.assertTrue(erased["erased"]["key"])
        after = self.export("erase-me")
        self.assertEqual((after["consents"], after["audit"], after["payloads"],
                          after["resources"]), ([], [], [], []))
        verify = self.gateway.cli("audit", "verify")
        self.assertEqual(json.loads(verify.stdout)["ok"], True)

        # The same subject id now gets a new random key: its new records carry a pseudonym
        # that cannot be linked to the old one, and export no longer finds the old records.
        def new_pseudonym():
            if self.generate("erase-me", "hello again").status != 200:
                return None
            records = self.export("erase-me")["audit"]
            return records[0]["subject"] if records else None
        self.assertTrue(wait_until(lambda: new_pseudonym() not in (None, old_pseudonym), 3.0))
        fresh = self.export("erase-me")
        self.assertTrue(fresh["audit"])
        self.assertNotIn(old_pseudonym, {r["subject"] for r in fresh["audit"]})
        # The old records are still in the chain, pseudonymous and unlinked.
        self.assertTrue(self.audit_of(old_pseudonym))
        self.assertEqual(json.loads(self.gateway.cli("audit", "verify").stdout)["ok"], True)

    def test_erase_of_an_unknown_subject_succeeds_with_nothing_erased(self):
        erased = json.loads(self.gateway.cli("subjects", "erase", "ghost").stdout)
        self.assertEqual(erased["erased"], {"consents": 0, "payloads": 0, "resources": 0,
                                            "key": False})

    def test_admin_export_and_erase_need_the_privacy_or_admin_role(self):
        self.assertEqual(self.generate("admin-erase", "hi").status, 200)
        self.wait_for_payloads("admin-erase", 2)
        auditor = bearer(json.loads(self.gateway.cli(
            "admin", "tokens", "create", "--role", "auditor").stdout)["token"])
        privacy = bearer(json.loads(self.gateway.cli(
            "admin", "tokens", "create", "--role", "privacy").stdout)["token"])
        self.gateway.wait_for_key(privacy["Authorization"][7:], path="/x")
        time.sleep(0.5)
        self.assertContractError(
            self.gateway.admin_request("GET", "/admin/v1/subjects/admin-erase", headers=auditor),
            403, "forbidden")
        exported = self.gateway.admin_request("GET", "/admin/v1/subjects/admin-erase",
                                              headers=privacy)
        self.assertEqual(exported.status, 200, exported)
        self.assertEqual(len(exported.json()["data"]["payloads"]), 2)
        erased = self.gateway.admin_request("DELETE", "/admin/v1/subjects/admin-erase",
                                            headers=privacy)
        self.assertEqual(erased.status, 200, erased)
        self.assertTrue(erased.json()["data"]["erased"]["key"])
        empty = self.gateway.admin_request("GET", "/admin/v1/subjects/admin-erase",
                                           headers=privacy).json()["data"]
        self.assertEqual(empty["payloads"], [])
        tail = [json.loads(line) for line in
                self.gateway.cli("audit", "tail", "-n", "10").stdout.splitlines()]
        self.assertIn("subjects.erase", [r["action"] for r in tail if r["kind"] == "admin"])

    def test_purge_removes_exactly_what_retention_says(self):
        self.assertEqual(self.generate("purge-me", "hi").status, 200)
        self.wait_for_payloads("purge-me", 2)
        now = time.time()
        def at(seconds):
            return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
        # Retention is 1d: 23 h from now nothing is old enough, 25 h from now everything is.
        early = json.loads(self.gateway.cli("purge", "--now", at(now + 23 * 3600)).stdout)
        self.assertEqual(early["deleted"], 0)
        self.assertEqual(len(self.export("purge-me")["payloads"]), 2)
        late = json.loads(self.gateway.cli("purge", "--now", at(now + 25 * 3600)).stdout)
        self.assertGreaterEqual(late["providers"]["heygen"]["deleted"], 2)
        self.assertEqual(late["providers"]["heygen"]["retention_seconds"], 86400)
        self.assertEqual(self.export("purge-me")["payloads"], [])

    def test_providers_without_capture_store_no_payloads(self):
        response = self.gateway.request(
            "POST", CHATSONIC, body=b'{"input_text":"hello"}',
            headers={**bearer(self.key), "Content-Type": "application/json",
                     "X-Bulwark-Subject": "no-capture"})
        self.assertEqual(response.status, 200, response)
        time.sleep(0.5)
        out = self.export("no-capture")
        self.assertEqual(out["payloads"], [])
        self.assertTrue(out["audit"])


class ScheduledRetentionTest(unittest.TestCase):
    """serve applies retention by itself every capture.purge_interval, and audits it."""

    def test_serve_purges_expired_captures_on_its_schedule(self):
        upstream = FakeUpstream()
        gateway = Gateway({"heygen": {"base_url": upstream.url, "capture": True,
                                      "retention": "2s"}},
                          extra_tables={"capture": {"purge_interval": "1s"}})
        try:
            gateway.start()
            _, key = gateway.create_key(scopes=["*"])
            gateway.wait_for_key(key)
            response = gateway.request(
                "GET", "/heygen/v2/avatars", headers={**bearer(key), "X-Bulwark-Subject": "s"})
            self.assertEqual(response.status, 200, response)
            export = lambda: json.loads(gateway.cli("subjects", "export", "s").stdout)
            self.assertTrue(wait_until(lambda: len(export()["payloads"]) == 2, 3.0))
            self.assertTrue(wait_until(lambda: export()["payloads"] == [], 6.0))
            tail = [json.loads(line) for line in
                    gateway.cli("audit", "tail", "-n", "20").stdout.splitlines()]
            purges = [r for r in tail if r["kind"] == "retention"]
            self.assertTrue(purges)
            self.assertEqual((purges[0]["actor"], purges[0]["action"]),
                             ("serve", "payloads.purge"))
        finally:
            gateway.cleanup()
            upstream.close()


class ProcessingReportTest(GatewayTestCase):
    PROVIDERS = {
        "heygen": {"base_url": "{upstream}", "pii": "redact"},
        "writesonic": {"base_url": "{upstream}", "pii": "block"},
    }
    KEY_SCOPES = ["*"]

    def send(self, path, body, purpose):
        headers = {**bearer(self.key), "Content-Type": "application/json",
                   "X-Bulwark-Purpose": purpose}
        return self.gateway.request("POST", path, headers=headers, body=body)

    def test_report_counts_match_the_traffic_sent(self):
        for _ in range(3):
            self.assertEqual(self.send(GENERATE, script("write to a@example.com and b@example.com"),
                                       "video").status, 200)
        self.assertEqual(self.send(GENERATE, script("no personal data"), "video").status, 200)
        blocked = self.send(CHATSONIC, b'{"input_text":"my mail is c@example.com"}', "copy")
        self.assertEqual(blocked.status, 422, blocked)
        time.sleep(0.3)  # outcome records are written after the answer
        report = json.loads(self.gateway.cli("report", "processing", "--since", "1h").stdout)
        rows = {(r["provider"], r["purpose"]): r for r in report["processing"]}
        self.assertEqual(set(rows), {("heygen", "video"), ("writesonic", "copy")})
        self.assertEqual(rows[("heygen", "video")]["requests"], 4)
        self.assertEqual(rows[("heygen", "video")]["pii"]["EMAIL"],
                         {"sent": 0, "redacted": 6, "pseudonymised": 0, "blocked": 0})
        self.assertEqual(rows[("writesonic", "copy")]["requests"], 1)
        self.assertEqual(rows[("writesonic", "copy")]["pii"]["EMAIL"]["blocked"], 1)
        self.assertEqual(report["requests"], 5)
        table = self.gateway.cli("report", "processing", "--since", "1h",
                                 "--format", "table").stdout
        self.assertIn("PSEUDONYMISED", table)
        self.assertRegex(table, r"heygen\s+video\s+4\s+EMAIL\s+0\s+6\s+0\s+0")
        self.assertEqual(self.gateway.cli("report", "processing", "--since", "1h", "--format",
                                          "xml", check=False).returncode, 2)


if __name__ == "__main__":
    unittest.main()
