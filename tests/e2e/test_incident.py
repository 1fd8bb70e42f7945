"""Incident response end to end (issue 7): freeze/thaw, signed alerts to webhooks with
retries, automatic suspension, vendor secret rotation under load, and the incident report.

The real binary, the recording fake vendor, and local webhook receivers (http.server in a
thread) that check every alert's HMAC signature the way docs/config.md tells receivers to.
"""

import hashlib
import hmac
import http.server
import json
import os
import subprocess
import threading
import time
import unittest
import urllib.parse

from harness import (BULWARK_BIN, VENDOR_SECRETS, ContractAssertions, FakeUpstream, Gateway,
                     bearer, free_port, wait_until)

AVATARS = "/heygen/v2/avatars"
GENERATE = "/heygen/v2/video/generate"
SIGNING_KEY = "whsec-e2e-signing-key-5a1c9e7d3b"


class WebhookReceiver:
    """A webhook endpoint: answers with the scripted statuses (then 200) and keeps every
    delivery with its headers, body and whether its signature verified."""

    def __init__(self, key: str = SIGNING_KEY, fail_first: int = 0):
        self.key = key.encode()
        self.fail_first = fail_first
        self.deliveries = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    failing = len(receiver.deliveries) < receiver.fail_first
                    receiver.deliveries.append({
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                        "verified": receiver.verify(self.headers.get("X-Bulwark-Signature", ""),
                                                    body),
                        "answered": 500 if failing else 200,
                        "at": time.monotonic(),
                    })
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/bulwark"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def verify(self, header: str, body: bytes) -> bool:
        """The receiver's check, as documented: t=<unix>,v1=<hex HMAC-SHA256(key, t.body)>."""
        try:
            parts = dict(item.split("=", 1) for item in header.split(","))
            t = int(parts["t"])
        except (ValueError, KeyError):
            return False
        if abs(time.time() - t) > 300:
            return False
        expected = hmac.new(self.key, f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parts.get("v1", ""))

    def bodies(self):
        with self.lock:
            return [json.loads(d["body"]) for d in self.deliveries]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def incident_gateway(upstream, anomaly=None, alerts=None, providers=None):
    tables = {}
    if anomaly is not None:
        tables["anomaly"] = anomaly
    if alerts is not None:
        tables["alerts"] = alerts
    gateway = Gateway(providers or {"heygen": {"base_url": upstream.url}}, extra_tables=tables)
    gateway.prepare()
    gateway.cli("secrets", "set", "alerts", stdin=SIGNING_KEY + "\n")
    return gateway.start()


def audit_records(gateway):
    out = gateway.cli("audit", "tail", "-n", "1000000").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


class FreezeThawTest(ContractAssertions, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.upstream = FakeUpstream()
        cls.gateway = incident_gateway(cls.upstream)
        cls.key_a_id, cls.key_a = cls.gateway.create_key(["heygen:*"], name="a")
        out = cls.gateway.cli("keys", "create", "--name", "b", "--scope", "heygen:*",
                              "--tenant", "acme").stdout
        cls.key_b_id, cls.key_b = json.loads(out)["id"], json.loads(out)["key"]
        cls.gateway.wait_for_key(cls.key_a)
        cls.gateway.wait_for_key(cls.key_b)

    @classmethod
    def tearDownClass(cls):
        cls.gateway.cleanup()
        cls.upstream.close()

    def get(self, key):
        return self.gateway.request("GET", AVATARS, headers=bearer(key))

    def forwarded_while(self, action):
        before = len(self.upstream.requests)
        action()
        return len(self.upstream.requests) - before

    def wait_status(self, key, status, timeout=1.0):
        """Polls until `key` gets `status`; returns the seconds it took (or fails)."""
        started = time.monotonic()
        ok = wait_until(lambda: self.get(key).status == status, timeout, 0.02)
        self.assertTrue(ok, f"{key[:8]}... did not get {status} within {timeout}s")
        return time.monotonic() - started

    def test_frozen_key_gets_key_suspended_and_nothing_is_forwarded_until_thawed(self):
        self.assertEqual(self.get(self.key_a).status, 200)
        result = self.gateway.cli("incident", "freeze", "--key", self.key_a_id, "--reason",
                                  "leaked in a public repo")
        self.assertEqual(json.loads(result.stdout)["status"], "frozen")
        self.wait_status(self.key_a, 403)
        forwarded = self.forwarded_while(
            lambda: [self.assertContractError(self.get(self.key_a), 403, "key_suspended")
                     for _ in range(5)])
        self.assertEqual(forwarded, 0)
        self.assertEqual(self.get(self.key_b).status, 200)  # other keys unaffected
        listed = json.loads(self.gateway.cli("incident", "list").stdout)
        self.assertIn({"scope": "key", "target": self.key_a_id},
                      [{"scope": r["scope"], "target": r["target"]} for r in listed])
        self.gateway.cli("incident", "thaw", "--key", self.key_a_id)
        self.wait_status(self.key_a, 200)
        # Audited with who did it and why.
        freezes = [r for r in audit_records(self.gateway) if r.get("action") == "incident.freeze"
                   and r.get("target") == f"key:{self.key_a_id}"]
        self.assertTrue(freezes)
        self.assertTrue(freezes[-1]["actor"].startswith("cli:"), freezes[-1])

    def token(self, key_id, key):
        body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": key_id,
                                       "client_secret": key}).encode()
        return self.gateway.request(
            "POST", "/oauth2/token", body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"})

    def test_frozen_key_gets_no_tokens_and_its_retries_are_not_counted_as_guesses(self):
        self.assertEqual(self.token(self.key_a_id, self.key_a).status, 200)
        self.gateway.cli("incident", "freeze", "--key", self.key_a_id)
        try:
            self.wait_status(self.key_a, 403)
            # More attempts than the address's failure budget (10/m): a right secret for a
            # frozen key is refused every time, but never as a brute-forcer (429).
            statuses = []
            for _ in range(12):
                response = self.token(self.key_a_id, self.key_a)
                statuses.append(response.status)
                if response.status == 401:
                    self.assertEqual(response.json(), {"error": "invalid_client"})
            self.assertEqual(statuses, [401] * 12)

            def suspended_lines():
                return [line for line in self.gateway.stdout().splitlines()
                        if '"oauth2.key_suspended"' in line]
            # Recorded as what it was (the access log is written after the answer).
            self.assertTrue(wait_until(lambda: len(suspended_lines()) == 12, 3),
                            suspended_lines())
        finally:
            self.gateway.cli("incident", "thaw", "--key", self.key_a_id)
        self.wait_status(self.key_a, 200)
        self.assertEqual(self.token(self.key_a_id, self.key_a).status, 200)

    def test_frozen_tenant_gets_frozen_503_other_tenants_keep_working(self):
        self.gateway.cli("incident", "freeze", "--tenant", "acme")
        try:
            self.wait_status(self.key_b, 503)
            forwarded = self.forwarded_while(
                lambda: self.assertContractError(self.get(self.key_b), 503, "frozen"))
            self.assertEqual(forwarded, 0)
            self.assertEqual(self.get(self.key_a).status, 200)
        finally:
            self.gateway.cli("incident", "thaw", "--tenant", "acme")
        self.wait_status(self.key_b, 200)

    def test_freeze_all_refuses_every_key_but_authentication_still_comes_first(self):
        self.gateway.cli("incident", "freeze", "--all", "--reason", "breach")
        try:
            self.wait_status(self.key_a, 503)
            forwarded = self.forwarded_while(lambda: [
                self.assertContractError(self.get(k), 503, "frozen")
                for k in (self.key_a, self.key_b)])
            self.assertEqual(forwarded, 0)
            self.assertContractError(self.get("bwk_not_a_key"), 401, "unauthenticated")
        finally:
            self.gateway.cli("incident", "thaw", "--all")
        self.wait_status(self.key_a, 200)
        self.assertEqual(self.get(self.key_b).status, 200)
        # Nothing was deleted: the keys still exist and are live.
        keys = json.loads(self.gateway.cli("keys", "list").stdout)
        self.assertTrue({self.key_a_id, self.key_b_id} <= {k["id"] for k in keys})

    def test_admin_api_freezes_and_thaws_with_roles(self):
        admin = bearer(self.gateway.admin_token)

        def post(action, body, headers):
            return self.gateway.request("POST", f"/admin/v1/incidents/{action}", headers=headers,
                                        body=json.dumps(body).encode(),
                                        port=self.gateway.admin_port)

        auditor = json.loads(self.gateway.cli("admin", "tokens", "create", "--role",
                                              "auditor").stdout)["token"]
        self.assertTrue(wait_until(lambda: self.gateway.admin_request(
            "GET", "/admin/v1/incidents", headers=bearer(auditor)).status == 200, 2))
        self.assertContractError(post("freeze", {"key": self.key_a_id}, bearer(auditor)), 403,
                                 "forbidden")
        self.assertContractError(post("freeze", {"key": self.key_a_id, "all": True}, admin),
                                 400, "invalid_request")
        answer = post("freeze", {"key": self.key_a_id, "reason": "api"}, admin)
        self.assertEqual(answer.status, 200, answer)
        self.assertEqual(answer.json()["data"]["status"], "frozen")
        self.wait_status(self.key_a, 403)
        listed = self.gateway.admin_request("GET", "/admin/v1/incidents", headers=admin).json()
        self.assertTrue(any(r["target"] == self.key_a_id and r["actor"].startswith("admin:")
                            for r in listed["data"]))
        self.assertEqual(post("thaw", {"key": self.key_a_id}, admin).status, 200)
        self.wait_status(self.key_a, 200)
        self.assertContractError(post("thaw", {"key": self.key_a_id}, admin), 404, "not_found")

    def test_bad_usage_exits_2(self):
        for args in (["incident", "freeze"], ["incident", "freeze", "--all", "--key", "k"],
                     ["incident", "freeze", "--key", "key_doesnotexist"],
                     ["incident", "thaw", "--tenant", "never-frozen"]):
            result = self.gateway.cli(*args, check=False)
            self.assertEqual(result.returncode, 2, (args, result.stderr))
            self.assertTrue(result.stderr.strip())


class AlertDeliveryTest(ContractAssertions, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.upstream = FakeUpstream()
        cls.receiver = WebhookReceiver(fail_first=2)
        cls.slack = WebhookReceiver()
        cls.gateway = incident_gateway(
            cls.upstream,
            anomaly={"interval": "60s", "auth_failures.min": 8},
            alerts={"webhooks": [cls.receiver.url], "slack_webhooks": [cls.slack.url]})

    @classmethod
    def tearDownClass(cls):
        cls.gateway.cleanup()
        cls.upstream.close()
        cls.receiver.close()
        cls.slack.close()

    def test_auth_failure_burst_raises_one_signed_alert_retried_until_delivered(self):
        for i in range(7):  # under the threshold: quiet
            self.gateway.request("GET", AVATARS, headers=bearer(f"bwk_wrong{i}"))
        time.sleep(0.5)
        self.assertEqual(self.receiver.deliveries, [])
        for i in range(20):
            self.assertEqual(
                self.gateway.request("GET", AVATARS, headers=bearer(f"bwk_wrong{i}")).status, 401)
        # Two 500s, then 200: three attempts of the same alert, each signed.
        self.assertTrue(wait_until(lambda: len(self.receiver.deliveries) >= 3, 15),
                        self.receiver.deliveries)
        time.sleep(1.0)
        deliveries = list(self.receiver.deliveries)
        self.assertEqual([d["answered"] for d in deliveries], [500, 500, 200])
        self.assertTrue(all(d["verified"] for d in deliveries), deliveries)
        ids = {d["headers"]["x-bulwark-alert-id"] for d in deliveries}
        self.assertEqual(len(ids), 1)
        self.assertEqual([d["headers"]["x-bulwark-delivery-attempt"] for d in deliveries],
                         ["1", "2", "3"])
        # Exponential backoff with jitter: 0.5-1 s before the 2nd attempt, 1-2 s before the 3rd.
        self.assertGreaterEqual(deliveries[1]["at"] - deliveries[0]["at"], 0.45)
        self.assertGreaterEqual(deliveries[2]["at"] - deliveries[1]["at"], 0.95)
        alert = json.loads(deliveries[-1]["body"])
        self.assertEqual(alert["rule"], "auth_failures")
        self.assertEqual(alert["subject"], {"kind": "address", "id": "127.0.0.1"})
        self.assertEqual(alert["response"], "alerted")
        self.assertGreaterEqual(alert["observed"], 8)
        # No secret in any delivery: not the signing key, not a vendor key, not a client key.
        for d in deliveries + list(self.slack.deliveries):
            raw = d["body"].decode() + json.dumps(d["headers"])
            for secret in [SIGNING_KEY] + list(VENDOR_SECRETS.values()):
                self.assertNotIn(secret, raw)
            self.assertNotIn("bwk_wrong", raw)
        # The Slack-compatible receiver got {"text": ...}, signed too.
        self.assertTrue(wait_until(lambda: len(self.slack.deliveries) >= 1, 5))
        self.assertTrue(self.slack.deliveries[0]["verified"])
        self.assertIn("auth_failures", self.slack.bodies()[0]["text"])
        # Deduplicated: the burst goes on, no second alert for the same rule and address.
        for i in range(20):
            self.gateway.request("GET", AVATARS, headers=bearer(f"bwk_again{i}"))
        time.sleep(1.0)
        self.assertEqual(len({d["headers"]["x-bulwark-alert-id"]
                              for d in self.receiver.deliveries}), 1)
        # Always in the audit log.
        alerts = [r for r in audit_records(self.gateway) if r.get("kind") == "alert"]
        self.assertEqual(len(alerts), 1, alerts)
        self.assertEqual(alerts[0]["action"], "alert.auth_failures")
        self.assertEqual(alerts[0]["target"], "address:127.0.0.1")
        # And counted on /metrics.
        metrics = self.gateway.admin_request(
            "GET", "/metrics", headers=bearer(self.gateway.admin_token)).body.decode()
        self.assertIn('bulwark_alerts_total{rule="auth_failures",outcome="alerted"} 1', metrics)
        self.assertIn('bulwark_alert_deliveries_total{kind="webhook",outcome="delivered"} 1',
                      metrics)


class TokenBruteForceAlertTest(unittest.TestCase):
    """Wrong client secrets at POST /oauth2/token feed the same auth_failures rule as wrong
    keys on the data plane, so guessing client secrets raises an alert too."""

    @classmethod
    def setUpClass(cls):
        cls.upstream = FakeUpstream()
        cls.receiver = WebhookReceiver()
        cls.gateway = incident_gateway(cls.upstream,
                                       anomaly={"interval": "60s", "auth_failures.min": 5},
                                       alerts={"webhooks": [cls.receiver.url]})
        cls.key_id, cls.key = cls.gateway.create_key(["heygen:*"], name="svc")
        # Not wait_for_key: its polls answer 401 until the key arrives, and those would count
        # as failures from this address. New keys reach the node within a second.
        time.sleep(1.5)

    @classmethod
    def tearDownClass(cls):
        cls.gateway.cleanup()
        cls.upstream.close()
        cls.receiver.close()

    def token(self, secret):
        body = urllib.parse.urlencode({"grant_type": "client_credentials",
                                       "client_id": self.key_id,
                                       "client_secret": secret}).encode()
        return self.gateway.request(
            "POST", "/oauth2/token", body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"})

    def test_wrong_client_secrets_raise_the_auth_failures_alert(self):
        self.assertEqual(self.token(self.key).status, 200)  # a success is not a failure
        for i in range(4):  # under the threshold: quiet
            self.assertEqual(self.token(f"bwk_guess{i}").status, 401)
        time.sleep(0.5)
        self.assertEqual(self.receiver.deliveries, [])
        for i in range(4, 8):
            self.assertEqual(self.token(f"bwk_guess{i}").status, 401)
        self.assertTrue(wait_until(lambda: len(self.receiver.deliveries) >= 1, 10),
                        "no alert for a burst of wrong client secrets")
        alert = json.loads(self.receiver.deliveries[0]["body"])
        self.assertEqual(alert["rule"], "auth_failures")
        self.assertEqual(alert["subject"], {"kind": "address", "id": "127.0.0.1"})
        self.assertGreaterEqual(alert["observed"], 5)
        raw = self.receiver.deliveries[0]["body"].decode()
        self.assertNotIn("bwk_guess", raw)
        self.assertNotIn(self.key, raw)


class AutoSuspendTest(ContractAssertions, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.upstream = FakeUpstream()
        cls.receiver = WebhookReceiver()
        cls.gateway = incident_gateway(
            cls.upstream,
            anomaly={"interval": "1s", "warmup": 2, "rate_spike.factor": 4,
                     "rate_spike.min": 15, "rate_spike.action": "suspend"},
            alerts={"webhooks": [cls.receiver.url]})
        # A second node on the same store: the suspension must reach it too.
        cls.node2_port = free_port()
        with open(cls.gateway.config_path) as f:
            text = f.read()
        text = text.replace(f"127.0.0.1:{cls.gateway.port}", f"127.0.0.1:{cls.node2_port}")
        text = text.replace(f"127.0.0.1:{cls.gateway.admin_port}", f"127.0.0.1:{free_port()}")
        cls.node2_config = os.path.join(cls.gateway.dir, "node2.toml")
        with open(cls.node2_config, "w") as f:
            f.write(text)
        cls.node2_err = open(os.path.join(cls.gateway.dir, "node2.stderr"), "wb")
        cls.node2 = subprocess.Popen([BULWARK_BIN, "--config", cls.node2_config, "serve"],
                                     stdout=subprocess.DEVNULL, stderr=cls.node2_err)
        wait_until(lambda: cls.node2_get("/healthz", {}) == 200, 10)

    @classmethod
    def node2_get(cls, path, headers):
        try:
            return cls.gateway.request("GET", path, headers=headers, port=cls.node2_port).status
        except OSError:
            return None

    @classmethod
    def tearDownClass(cls):
        cls.node2.terminate()
        cls.node2.wait(15)
        cls.node2_err.close()
        cls.gateway.cleanup()
        cls.upstream.close()
        cls.receiver.close()

    def test_rate_spike_suspends_the_key_on_every_node_within_a_second_and_thaw_lifts_it(self):
        key_id, key = self.gateway.create_key(["heygen:*"])
        self.gateway.wait_for_key(key)
        wait_until(lambda: self.node2_get(AVATARS, bearer(key)) == 200, 3)
        # Normal use: about 3 requests a second for 4 seconds (the key's baseline).
        for _ in range(12):
            self.assertEqual(self.gateway.request("GET", AVATARS, headers=bearer(key)).status, 200)
            time.sleep(0.33)
        # Then a burst.
        statuses = [self.gateway.request("GET", AVATARS, headers=bearer(key)).status
                    for _ in range(40)]
        burst_end = time.monotonic()
        self.assertEqual(set(statuses) - {200, 403}, set(), statuses)
        self.assertTrue(wait_until(lambda: self.gateway.request(
            "GET", AVATARS, headers=bearer(key)).status == 403, 1.0))
        self.assertTrue(wait_until(lambda: self.node2_get(AVATARS, bearer(key)) == 403,
                                   max(0.05, 1.0 - (time.monotonic() - burst_end))),
                        "node 2 did not refuse the suspended key within 1 s")
        print(f"\nauto-suspension refused on node 2 {1000 * (time.monotonic() - burst_end):.0f} ms "
              f"after the burst ended")
        self.assertContractError(self.gateway.request("GET", AVATARS, headers=bearer(key)), 403,
                                 "key_suspended")
        forwarded = len(self.upstream.requests)
        for _ in range(3):
            self.gateway.request("GET", AVATARS, headers=bearer(key))
        self.assertEqual(len(self.upstream.requests), forwarded)
        listed = json.loads(self.gateway.cli("incident", "list").stdout)
        rows = [r for r in listed if r["target"] == key_id]
        self.assertEqual(rows[0]["actor"], "anomaly:rate_spike")
        self.assertEqual(rows[0]["mode"], "suspend")
        self.assertTrue(wait_until(lambda: len(self.receiver.deliveries) >= 1, 5))
        alert = self.receiver.bodies()[0]
        self.assertEqual((alert["rule"], alert["response"], alert["key_id"]),
                         ("rate_spike", "suspended", key_id))
        self.assertTrue(self.receiver.deliveries[0]["verified"])
        # An admin lifts it.
        self.gateway.cli("incident", "thaw", "--key", key_id)
        self.assertTrue(wait_until(lambda: self.gateway.request(
            "GET", AVATARS, headers=bearer(key)).status == 200, 1.0))
        self.assertTrue(wait_until(lambda: self.node2_get(AVATARS, bearer(key)) == 200, 1.0))


class SecretRotationTest(unittest.TestCase):
    def test_rotating_the_vendor_secret_under_load_fails_no_request(self):
        upstream = FakeUpstream()
        gateway = incident_gateway(upstream)
        try:
            _, key = gateway.create_key(["heygen:*"])
            gateway.wait_for_key(key)
            new_secret = "hg-vendor-secret-ROTATED-93b1f0c2"
            stop = threading.Event()
            results = []
            lock = threading.Lock()

            def client():
                while not stop.is_set():
                    try:
                        status = gateway.request("GET", AVATARS, headers=bearer(key)).status
                    except OSError as e:  # a connection failure is a failed request too
                        status = repr(e)
                    with lock:
                        results.append(status)

            threads = [threading.Thread(target=client) for _ in range(4)]
            for t in threads:
                t.start()
            time.sleep(1.0)
            rotated = gateway.cli("secrets", "rotate", "heygen", stdin=new_secret + "\n")
            self.assertEqual(json.loads(rotated.stdout), {"name": "heygen", "status": "rotated"})
            rotated_at = time.monotonic()
            time.sleep(1.5)
            stop.set()
            for t in threads:
                t.join()
            failures = [s for s in results if s != 200]
            self.assertGreater(len(results), 50)
            self.assertEqual(failures, [], f"{len(failures)} of {len(results)} requests failed")
            print(f"\nsecrets rotate under load: {len(results)} requests, {len(failures)} failed")
            seen = [r.header("X-Api-Key") for r in upstream.requests]
            self.assertIn(VENDOR_SECRETS["heygen"], seen)
            self.assertIn(new_secret, seen)
            # After the change reached the gateway (< 1 s), only the new value is used.
            late = [r.header("X-Api-Key") for r in upstream.requests
                    if r.received_at > rotated_at + 1.0]
            self.assertTrue(late)
            self.assertEqual(set(late), {new_secret})
            # Exactly one trailing newline stripped; the value never printed.
            self.assertNotIn(new_secret, rotated.stdout + rotated.stderr)
            records = audit_records(gateway)
            self.assertIn(("secrets.rotate", "heygen"),
                          [(r.get("action"), r.get("target")) for r in records])
            # Rotating a secret that does not exist is bad usage.
            missing = gateway.cli("secrets", "rotate", "nosuch", stdin="x\n", check=False)
            self.assertEqual(missing.returncode, 2)
        finally:
            gateway.cleanup()
            upstream.close()


class IncidentReportTest(unittest.TestCase):
    def test_report_gathers_alerts_actions_affected_keys_subjects_and_chain(self):
        upstream = FakeUpstream()
        gateway = incident_gateway(
            upstream, anomaly={"auth_failures.min": 5},
            providers={"heygen": {"base_url": upstream.url, "pii": "redact"}})
        try:
            key_id, key = gateway.create_key(["heygen:*"])
            gateway.wait_for_key(key)
            body = {"video_inputs": [{"character": {"type": "avatar", "avatar_id": "a1"},
                                      "voice": {"type": "text", "voice_id": "v1",
                                                "input_text": "Mail jane.doe@example.com"}}]}
            headers = dict(bearer(key), **{"X-Bulwark-Subject": "customer-4711",
                                           "Content-Type": "application/json"})
            answer = gateway.request("POST", GENERATE, headers=headers,
                                     body=json.dumps(body).encode())
            self.assertEqual(answer.status, 200, answer)
            for i in range(6):
                gateway.request("GET", AVATARS, headers=bearer(f"bwk_guess{i}"))
            gateway.cli("incident", "freeze", "--key", key_id, "--reason", "investigating")
            wait_until(lambda: gateway.request("GET", AVATARS, headers=bearer(key)).status == 403,
                       2)
            gateway.request("GET", AVATARS, headers=bearer(key))
            time.sleep(0.5)
            result = gateway.cli("incident", "report", "--since", "1h", check=False)
            self.assertEqual(result.returncode, 0, result.stderr)
            report = json.loads(result.stdout)
            self.assertEqual(report["audit_chain"]["ok"], True)
            self.assertGreater(report["audit_chain"]["records"], 0)
            self.assertEqual([a["rule"] for a in report["alerts"]], ["auth_failures"])
            actions = [(a["action"], a["target"]) for a in report["admin_actions"]]
            self.assertIn(("incident.freeze", f"key:{key_id}"), actions)
            self.assertIn(("secrets.set", "heygen"),
                          [(c["action"], c["target"]) for c in report["key_and_secret_changes"]])
            affected = {k["key_id"]: k for k in report["affected_keys"]}
            self.assertIn(key_id, affected)
            self.assertTrue(affected[key_id]["suspended_now"])
            self.assertEqual(affected[key_id]["refusals"].get("key_suspended", 0) >= 1, True)
            self.assertEqual(len(report["subjects"]), 1)
            subject = report["subjects"][0]
            self.assertNotEqual(subject["subject"], "customer-4711")  # a pseudonym
            self.assertEqual(subject["vendors"][0]["provider"], "heygen")
            self.assertIn("EMAIL", subject["vendors"][0]["pii_types"])
            self.assertNotIn("customer-4711", result.stdout)
            self.assertNotIn("jane.doe", result.stdout)
            # A window before all of it is empty.
            empty = json.loads(gateway.cli("incident", "report", "--since", "2h", "--until",
                                           "1h").stdout)
            self.assertEqual((empty["alerts"], empty["subjects"]), ([], []))
            bad = gateway.cli("incident", "report", "--since", "yesterday", check=False)
            self.assertEqual(bad.returncode, 2)
        finally:
            gateway.cleanup()
            upstream.close()


if __name__ == "__main__":
    unittest.main()
