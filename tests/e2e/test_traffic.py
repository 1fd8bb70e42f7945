"""Traffic protection (issue 4): rate limits per key, per key and operation and per provider;
quotas and usage; vendor concurrency; retry budget; circuit breaker; idempotency keys;
slowloris; SIGTERM drain; SIGHUP reload."""

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import unittest

from harness import (BULWARK_BIN, ContractAssertions, FakeUpstream, Gateway, Reply, bearer,
                     wait_until)

STATUS_PATH = "/heygen/v2/voices"  # a read with no vendor object id (no ownership check)
GENERATE_PATH = "/heygen/v2/video/generate"
V3_CREATE_PATH = "/heygen/v3/videos"
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def generate_body(seconds=None, text="hello there"):
    body = {"video_inputs": [{"voice": {"type": "text", "input_text": text}}]}
    if seconds is not None:
        body["duration"] = seconds
    return json.dumps(body).encode()


def metric_lines(gateway, name):
    response = gateway.admin_request("GET", "/metrics", headers=bearer(gateway.admin_token))
    assert response.status == 200, response
    return [line for line in response.body.decode().splitlines() if line.startswith(name)]


def metric_value(gateway, name, **labels):
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in metric_lines(gateway, name):
        if line.startswith(f"{name}{{{want}}} "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def parallel(fn, n):
    """Runs fn(i) in n threads at once; returns the results in order."""
    results = [None] * n

    def run(i):
        try:
            results[i] = fn(i)
        except Exception as e:  # surfaced to the test as a value
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


class TrafficTest(ContractAssertions, unittest.TestCase):
    """One gateway with several providers on the same scripted upstream, each configured for
    one aspect of traffic protection."""

    @classmethod
    def setUpClass(cls):
        cls.upstream = FakeUpstream()
        url = cls.upstream.url
        cls.gateway = Gateway(
            {"heygen": {"base_url": url, "timeout": "5s"},
             # One shared budget for every client of this provider.
             "shared": {"profile": "heygen", "secret": "heygen", "base_url": url, "rate": ["4/m"]},
             # One vendor call at a time, one waiting, for at most 1 s.
             "narrow": {"profile": "heygen", "secret": "heygen", "base_url": url, "max_concurrent": 1,
                        "queue_size": 1, "queue_timeout": "1s"},
             "queued": {"profile": "heygen", "secret": "heygen", "base_url": url, "max_concurrent": 1,
                        "queue_size": 10, "queue_timeout": "10s"},
             # Retries capped at 10% of requests, no floor; the breaker off.
             "stingy": {"profile": "heygen", "secret": "heygen", "base_url": url, "retry_budget": 0.1,
                        "retry_budget_min": 0, "breaker_failures": 0},
             # Opens after 3 consecutive failed attempts, probes after 1 s.
             "fragile": {"profile": "heygen", "secret": "heygen", "base_url": url, "breaker_failures": 3,
                         "breaker_cooldown": "1s"}},
            extra_tables={"tenants.capped": {"quota": ["video_seconds:50/d"]}}).start()
        cls.key_id, cls.key = cls.gateway.create_key(["*"])
        cls.gateway.wait_for_key(cls.key)

    @classmethod
    def tearDownClass(cls):
        cls.gateway.cleanup()
        cls.upstream.close()

    def setUp(self):
        self.upstream.reset()

    def new_key(self, *extra, tenant=None):
        args = ["keys", "create", "--name", "traffic", "--scope", "*", *extra]
        if tenant:
            args += ["--tenant", tenant]
        created = json.loads(self.gateway.cli(*args).stdout)
        self.gateway.wait_for_key(created["key"])
        return created["id"], created["key"]

    def get(self, key, path=STATUS_PATH, **headers):
        return self.gateway.request("GET", path, headers={**bearer(key), **headers})

    def post(self, key, path=GENERATE_PATH, body=None, **headers):
        return self.gateway.request(
            "POST", path, body=body if body is not None else generate_body(),
            headers={**bearer(key), "Content-Type": "application/json", **headers})

    # ---- rate limits -------------------------------------------------------------------

    def test_key_rate_allows_a_burst_of_n_then_refuses_with_retry_after(self):
        _, key = self.new_key("--rate", "3/m")
        remaining = []
        for _ in range(3):
            response = self.get(key)
            self.assertEqual(response.status, 200, response)
            self.assertEqual(response.header("RateLimit-Limit"), "3")
            remaining.append(response.header("RateLimit-Remaining"))
        self.assertEqual(remaining, ["2", "1", "0"])
        refused = self.get(key)
        self.assertContractError(refused, 429, "rate_limited")
        self.assertGreaterEqual(int(refused.header("Retry-After")), 1)
        self.assertEqual(len(self.upstream.requests), 3, "the refused call reached the vendor")

    def test_operation_rate_limits_only_that_operation(self):
        _, key = self.new_key("--rate", "video.generate=2/m", "--rate", "100/m")
        for _ in range(2):
            response = self.post(key)
            self.assertEqual(response.status, 200, response)
            self.assertEqual(response.header("RateLimit-Limit"), "2", "tightest limit reported")
        self.assertContractError(self.post(key), 429, "rate_limited")
        status = self.get(key)  # another operation of the same key is not limited by it
        self.assertEqual(status.status, 200, status)
        self.assertEqual(status.header("RateLimit-Limit"), "100")
        # 2 generates and this call; the refused generate charged nothing.
        self.assertEqual(status.header("RateLimit-Remaining"), "97")
        self.assertEqual(len(self.upstream.requests), 3)

    def test_provider_rate_is_one_budget_for_all_clients(self):
        _, key_a = self.new_key()
        _, key_b = self.new_key()
        path = "/shared/v2/voices"
        for key in (key_a, key_b, key_a, key_b):
            response = self.get(key, path)
            self.assertEqual(response.status, 200, response)
            self.assertEqual(response.header("RateLimit-Limit"), "4")
        for key in (key_a, key_b):
            self.assertContractError(self.get(key, path), 429, "rate_limited")
        self.assertEqual(len(self.upstream.requests), 4)
        # The key's other providers are not affected.
        self.assertEqual(self.get(key_a).status, 200)

    # ---- quotas and usage --------------------------------------------------------------

    def test_key_quota_refuses_with_quota_exceeded_and_usage_is_visible(self):
        key_id, key = self.new_key("--quota", "3/d", tenant="quota-tenant")
        for _ in range(3):
            self.assertEqual(self.get(key).status, 200)
        refused = self.get(key)
        self.assertContractError(refused, 429, "quota_exceeded")
        self.assertGreaterEqual(int(refused.header("Retry-After")), 1)
        self.assertLessEqual(int(refused.header("Retry-After")), 86400)
        self.assertEqual(len(self.upstream.requests), 3)

        def shown():
            out = json.loads(self.gateway.cli("keys", "show", key_id).stdout)
            return out
        self.assertTrue(wait_until(lambda: shown()["usage"]["day"]["requests"] == 3, 3.0),
                        shown())
        out = shown()
        self.assertEqual(out["quotas"], ["3/d"])
        self.assertEqual(out["usage"]["month"]["requests"], 3)

        usage = self.gateway.admin_request("GET", "/admin/v1/usage",
                                           headers=bearer(self.gateway.admin_token))
        self.assertEqual(usage.status, 200, usage)
        data = usage.json()["data"]
        keys = {k["id"]: k for k in data["keys"]}
        tenants = {t["id"]: t for t in data["tenants"]}
        self.assertEqual(keys[key_id]["day"]["requests"], 3)
        self.assertEqual(tenants["quota-tenant"]["month"]["requests"], 3)
        # Narrowed to one tenant, and readable by an auditor.
        auditor = json.loads(self.gateway.cli("admin", "tokens", "create", "--role",
                                              "auditor").stdout)["token"]
        self.assertTrue(wait_until(lambda: self.gateway.admin_request(
            "GET", "/admin/v1/usage?tenant=quota-tenant",
            headers=bearer(auditor)).status == 200, 3.0))
        narrowed = self.gateway.admin_request("GET", "/admin/v1/usage?tenant=quota-tenant",
                                              headers=bearer(auditor)).json()["data"]
        self.assertEqual([t["id"] for t in narrowed["tenants"]], ["quota-tenant"])
        self.assertEqual(narrowed["keys"], [])
        self.assertContractError(self.gateway.admin_request("GET", "/admin/v1/usage"), 401,
                                 "unauthenticated")

    def test_tenant_quota_counts_video_seconds_across_keys(self):
        key_a_id, key_a = self.new_key(tenant="capped")
        _, key_b = self.new_key(tenant="capped")
        self.assertEqual(self.post(key_a, body=generate_body(seconds=30)).status, 200)
        # 30 + 30 > 50 video seconds for the tenant, whichever key asks.
        self.assertContractError(self.post(key_b, body=generate_body(seconds=30)), 429,
                                 "quota_exceeded")
        # 150 characters of script at 15 chars/s = 10 s: fits in what is left.
        self.assertEqual(self.post(key_b, body=generate_body(text="x" * 150)).status, 200)
        # Calls that bill no video seconds are not limited by this quota.
        self.assertEqual(self.get(key_a).status, 200)
        self.assertEqual(len(self.upstream.requests), 3)
        self.assertTrue(wait_until(lambda: json.loads(self.gateway.cli(
            "keys", "show", key_a_id).stdout)["usage"]["day"].get("video_seconds") == 30, 3.0))

    def test_vendor_refusal_does_not_use_quota(self):
        key_id, key = self.new_key("--quota", "1/d")
        self.upstream.enqueue(Reply(400, body=b'{"error":"bad"}'))
        self.assertEqual(self.get(key).status, 400)
        self.assertEqual(self.get(key).status, 200)  # the 400 was not billed
        self.assertContractError(self.get(key), 429, "quota_exceeded")

    def test_credit_quota_allows_one_minute_of_avatar_video_then_refuses(self):
        key_id, key = self.new_key("--quota", "credits:1/d", tenant="credit-tenant")
        avatar = json.dumps({"duration": 60, "video_inputs": [{
            "character": {"type": "avatar", "avatar_id": "a1"},
            "voice": {"type": "text", "input_text": "hello", "voice_id": "v1"}}]}).encode()
        self.assertEqual(self.post(key, body=avatar).status, 200)
        # 60 s of avatar video = 2 increments of 30 s at 1 credit a minute = 1.00: all of it.
        refused = self.post(key, body=avatar)
        body = self.assertContractError(refused, 429, "quota_exceeded")
        self.assertIn("credits:1/d", body["error"]["message"])
        # Even the shortest video (one 30 s increment, 0.50) no longer fits; reads spend none.
        self.assertContractError(self.post(key, body=generate_body(seconds=1)), 429,
                                 "quota_exceeded")
        self.assertEqual(self.get(key).status, 200)
        self.assertEqual(len(self.upstream.requests), 2, "a refused video reached the vendor")

        def day_usage():
            return json.loads(self.gateway.cli("keys", "show", key_id).stdout)["usage"]["day"]
        self.assertTrue(wait_until(lambda: day_usage().get("credits") == "1.00", 3.0), day_usage())
        shown = json.loads(self.gateway.cli("keys", "show", key_id).stdout)
        self.assertEqual(shown["quotas"], ["credits:1/d"])
        self.assertEqual(shown["usage"]["day"]["video_seconds"], 60)
        usage = self.gateway.admin_request("GET", "/admin/v1/usage?tenant=credit-tenant",
                                           headers=bearer(self.gateway.admin_token))
        self.assertEqual(usage.status, 200, usage)
        tenant = usage.json()["data"]["tenants"][0]
        self.assertEqual((tenant["id"], tenant["day"]["credits"]), ("credit-tenant", "1.00"))

    def test_credit_quota_prices_photo_avatars_and_translations(self):
        key_id, key = self.new_key("--quota", "credits:3.4/d")
        photo = json.dumps({"duration": 60, "video_inputs": [{
            "character": {"type": "talking_photo", "talking_photo_id": "p1"},
            "voice": {"type": "text", "input_text": "hi", "voice_id": "v1"}}]}).encode()
        # Two minutes of photo avatar at 0.2 a minute: 0.40.
        for _ in range(2):
            self.assertEqual(self.post(key, body=photo).status, 200)
        # A one-minute translation at 3 a minute: 3.00, total 3.40 = the quota.
        translate = json.dumps({"video_url": "https://example.com/v.mp4",
                                "output_language": "German", "duration": 60}).encode()
        self.assertEqual(self.post(key, path="/heygen/v2/video_translate", body=translate).status,
                         200)
        self.assertContractError(self.post(key, body=photo), 429, "quota_exceeded")
        self.assertTrue(wait_until(lambda: json.loads(self.gateway.cli(
            "keys", "show", key_id).stdout)["usage"]["day"].get("credits") == "3.40", 3.0))

    def test_keys_create_refuses_a_malformed_credit_quota(self):
        result = self.gateway.cli("keys", "create", "--name", "x", "--scope", "*",
                                  "--quota", "credits:1.234/d", check=False)
        self.assertEqual(result.returncode, 2, result)
        self.assertIn("credits", result.stderr)

    # ---- vendor concurrency ------------------------------------------------------------

    def test_concurrency_queue_full_and_timeout_give_503(self):
        self.upstream.default = Reply(200, delay=2.5)
        path = "/narrow/v2/voices"
        started = time.monotonic()

        def call(i):
            time.sleep(0.2 * i)  # arrive in order: runs, waits, finds the queue full
            response = self.get(self.key, path)
            return response, time.monotonic() - started
        results = parallel(call, 3)
        (first, t1), (second, t2), (third, t3) = results
        self.assertEqual(first.status, 200, first)
        self.assertGreaterEqual(t1, 2.4)
        body = self.assertContractError(second, 503, "upstream_unavailable")
        self.assertGreaterEqual(t2, 1.1, "waited queue_timeout (1 s) in the queue")
        self.assertLess(t2, 2.0)
        self.assertTrue(second.header("Retry-After"))
        self.assertContractError(third, 503, "upstream_unavailable")
        self.assertLess(t3, 0.9, "a full queue refuses at once")
        self.assertIn("concurrency limit", body["error"]["message"])
        full = self.assertContractError(third, 503, "upstream_unavailable")
        self.assertIn("queue is full", full["error"]["message"])
        self.assertEqual(len(self.upstream.requests), 1)
        self.assertGreaterEqual(metric_value(self.gateway, "bulwark_concurrency_queue_total",
                                             provider="narrow", outcome="timed_out"), 1)

    def test_concurrency_limit_serialises_vendor_calls(self):
        self.upstream.default = Reply(200, delay=0.5)
        path = "/queued/v2/voices"
        results = parallel(lambda i: self.get(self.key, path), 3)
        self.assertEqual([r.status for r in results], [200, 200, 200], results)
        arrivals = sorted(r.received_at for r in self.upstream.requests)
        self.assertEqual(len(arrivals), 3)
        for a, b in zip(arrivals, arrivals[1:]):
            self.assertGreaterEqual(b - a, 0.45, "two vendor calls overlapped")

    # ---- retry budget, breaker, idempotency ---------------------------------------------

    def test_retry_budget_caps_retries_at_a_share_of_traffic(self):
        self.upstream.default = Reply(500, body=b'{"error":"boom"}')
        path = "/stingy/v2/voices"
        for _ in range(10):
            self.assertContractError(self.get(self.key, path), 502, "upstream_error")
        # 10 requests at 10% allow 1 retry; without the budget there would be 30 attempts.
        self.assertEqual(len(self.upstream.requests), 11)
        self.assertEqual(metric_value(self.gateway, "bulwark_upstream_retries_total",
                                      provider="stingy", result="retried"), 1)
        self.assertGreaterEqual(metric_value(self.gateway, "bulwark_upstream_retries_total",
                                             provider="stingy", result="budget_exhausted"), 9)

    def test_breaker_opens_answers_at_once_then_probes_and_closes(self):
        path = "/fragile/v2/voices"
        self.upstream.default = Reply(500)
        self.assertContractError(self.get(self.key, path), 502, "upstream_error")
        self.assertEqual(len(self.upstream.requests), 3)  # 3 failed attempts: open
        self.assertEqual(metric_value(self.gateway, "bulwark_circuit_breaker_state",
                                      provider="fragile"), 1)
        started = time.monotonic()
        refused = self.get(self.key, path)
        self.assertContractError(refused, 503, "upstream_unavailable")
        self.assertLess(time.monotonic() - started, 0.5)
        self.assertTrue(refused.header("Retry-After"))
        self.assertEqual(len(self.upstream.requests), 3, "an open breaker must not call")
        time.sleep(1.2)  # cool-down over: half open, the next call is the probe
        self.upstream.default = Reply(200, body=b'{"ok":1}')
        probe = self.get(self.key, path)
        self.assertEqual(probe.status, 200, probe)
        self.assertEqual(self.get(self.key, path).status, 200)
        self.assertEqual(len(self.upstream.requests), 5)
        self.assertEqual(metric_value(self.gateway, "bulwark_circuit_breaker_state",
                                      provider="fragile"), 0)
        for state in ("open", "half_open", "closed"):
            self.assertEqual(metric_value(self.gateway,
                                          "bulwark_circuit_breaker_transitions_total",
                                          provider="fragile", state=state), 1, state)
        # Other providers were never affected.
        self.assertEqual(metric_value(self.gateway, "bulwark_circuit_breaker_state",
                                      provider="heygen"), 0)

    def test_idempotency_key_is_injected_on_v3_create_and_identical_across_retries(self):
        self.upstream.enqueue(Reply(500), Reply(503), Reply(200, body=b'{"data":{"id":"v1"}}'))
        response = self.post(self.key, V3_CREATE_PATH, body=b'{"script":"hello"}')
        self.assertEqual(response.status, 200, response)
        requests = self.upstream.requests
        self.assertEqual(len(requests), 3, "a POST with an Idempotency-Key is retried on 5xx")
        keys = [r.header_values("Idempotency-Key") for r in requests]
        self.assertEqual(len(keys[0]), 1)
        self.assertRegex(keys[0][0], UUID4)
        self.assertEqual(keys, [keys[0]] * 3)
        # A second create gets a fresh key.
        self.upstream.reset()
        self.post(self.key, V3_CREATE_PATH, body=b'{"script":"hello"}')
        self.assertNotEqual(self.upstream.requests[0].header("Idempotency-Key"), keys[0][0])

    def test_client_idempotency_key_is_kept_and_v2_generate_gets_none(self):
        self.post(self.key, V3_CREATE_PATH, body=b'{"script":"x"}',
                  **{"Idempotency-Key": "client-chosen-1"})
        self.assertEqual(self.upstream.requests[0].header_values("Idempotency-Key"),
                         ["client-chosen-1"])
        self.upstream.reset()
        self.upstream.default = Reply(500)
        self.assertContractError(self.post(self.key), 502, "upstream_error")
        self.assertEqual(len(self.upstream.requests), 1, "v2 create without a key: no retry")
        self.assertIsNone(self.upstream.requests[0].header("Idempotency-Key"))


class ServerProtectionTest(ContractAssertions, unittest.TestCase):
    """Slowloris, SIGTERM drain and SIGHUP reload, each on its own gateway."""

    def setUp(self):
        self.upstream = FakeUpstream()

    def tearDown(self):
        self.gateway.cleanup()
        self.upstream.close()

    def start(self, providers=None, server=None):
        self.gateway = Gateway(providers or {"heygen": {"base_url": self.upstream.url}},
                               server=server).start()
        self.key_id, self.key = self.gateway.create_key(["*"])
        self.gateway.wait_for_key(self.key)

    def test_slowloris_connection_is_closed_within_header_timeout(self):
        self.start(server={"header_timeout": "1s"})
        sock = socket.create_connection(("127.0.0.1", self.gateway.port), timeout=5)
        started = time.monotonic()
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        closed_at = None
        try:
            for _ in range(10):  # one header byte every 300 ms, never finishing the head
                time.sleep(0.3)
                sock.sendall(b"X")
        except OSError:
            closed_at = time.monotonic() - started
        if closed_at is None:
            sock.settimeout(3)
            try:
                data = sock.recv(1024)
                self.assertIn(data, (b"",), "expected a close, got an answer")
            except (ConnectionResetError, socket.timeout):
                pass
            closed_at = time.monotonic() - started
        sock.close()
        self.assertLess(closed_at, 2.5, "the half-sent head kept the connection open")
        self.assertEqual(self.gateway.request("GET", "/healthz").status, 200)

    def test_sigterm_under_load_loses_no_in_flight_response(self):
        self.start()
        self.upstream.default = Reply(200, body=b'{"done":true}', delay=2.0)
        n = 12

        def call(i):
            return self.gateway.request("GET", STATUS_PATH, headers=bearer(self.key), timeout=20)
        results = [None] * n
        threads = []
        for i in range(n):
            t = threading.Thread(target=lambda i=i: results.__setitem__(i, call(i)))
            t.start()
            threads.append(t)
        self.upstream.wait_for_requests(n, timeout=15)  # generous: a loaded CI machine
        in_flight = len(self.upstream.requests)
        self.gateway.process.send_signal(signal.SIGTERM)
        self.assertGreaterEqual(in_flight, n // 2, "too few calls in flight to test a drain")
        for t in threads:
            t.join(20)
        self.assertEqual([r.status for r in results], [200] * n, results)
        self.assertTrue(all(r.body == b'{"done":true}' for r in results))
        self.assertEqual(self.gateway.process.wait(timeout=15), 0)
        self.gateway.process = None

    def test_sighup_applies_a_changed_rate_without_dropping_an_in_flight_request(self):
        self.start({"heygen": {"base_url": self.upstream.url, "rate": ["2/m"]}})
        self.assertEqual(self.gateway.request("GET", STATUS_PATH,
                                              headers=bearer(self.key)).status, 200)
        # A slow call in flight while the configuration is reloaded.
        self.upstream.enqueue(Reply(200, body=b'{"slow":true}', delay=1.5))
        slow = {}
        t = threading.Thread(target=lambda: slow.setdefault("r", self.gateway.request(
            "GET", STATUS_PATH, headers=bearer(self.key))))
        t.start()
        self.upstream.wait_for_requests(2)
        self.assertContractError(self.gateway.request("GET", STATUS_PATH,
                                                      headers=bearer(self.key)), 429,
                                 "rate_limited")
        self.gateway.providers["heygen"]["rate"] = ["50/m"]
        self.gateway.write_config()
        self.gateway.process.send_signal(signal.SIGHUP)
        self.assertTrue(wait_until(lambda: "configuration reloaded" in self.gateway.stderr(), 3))
        after = self.gateway.request("GET", STATUS_PATH, headers=bearer(self.key))
        self.assertEqual(after.status, 200, after)
        self.assertEqual(after.header("RateLimit-Limit"), "50")
        t.join(10)
        self.assertEqual((slow["r"].status, slow["r"].body), (200, b'{"slow":true}'))
        self.assertIsNone(self.gateway.process.poll(), "serve exited on SIGHUP")

    def test_two_gateways_on_one_store_share_a_quota_within_a_second(self):
        self.start()
        # A second `serve` on the same store (same folder, other ports).
        second = Gateway({"heygen": {"base_url": self.upstream.url}})
        port2, admin2 = second.port, second.admin_port
        second._tmp.cleanup()
        config2 = os.path.join(self.gateway.dir, "second.toml")
        with open(self.gateway.config_path) as f:
            text = f.read()
        text = text.replace(f"127.0.0.1:{self.gateway.port}", f"127.0.0.1:{port2}")
        text = text.replace(f"127.0.0.1:{self.gateway.admin_port}", f"127.0.0.1:{admin2}")
        with open(config2, "w") as f:
            f.write(text)
        err = open(os.path.join(self.gateway.dir, "second.stderr"), "wb")
        proc = subprocess.Popen([BULWARK_BIN, "--config", config2, "serve"],
                                stdout=subprocess.DEVNULL, stderr=err)
        try:
            self.assertTrue(wait_until(lambda: self._healthy(port2), 15))
            created = json.loads(self.gateway.cli(
                "keys", "create", "--name", "q", "--scope", "*", "--quota", "4/d").stdout)
            key = created["key"]
            self.gateway.wait_for_key(key)
            for _ in range(3):
                self.assertEqual(self.gateway.request("GET", STATUS_PATH,
                                                      headers=bearer(key)).status, 200)
            time.sleep(1.2)  # one flush and one read-back on both sides
            def other():
                return self.gateway.request("GET", STATUS_PATH, headers=bearer(key),
                                            port=port2)
            # The first answer other than 401 (key not yet loaded there) is the 4th call.
            self.assertTrue(wait_until(lambda: other().status == 200, 3))
            self.assertContractError(other(), 429, "quota_exceeded")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(15)
            err.close()

    def _healthy(self, port):
        try:
            return self.gateway.request("GET", "/healthz", port=port, timeout=1).status == 200
        except OSError:
            return False

    def test_sighup_with_a_broken_config_keeps_the_running_one(self):
        self.start({"heygen": {"base_url": self.upstream.url, "rate": ["1/m"]}})
        with open(self.gateway.config_path, "a") as f:
            f.write("\n[server]\nlistne = 1\n")
        self.gateway.process.send_signal(signal.SIGHUP)
        self.assertTrue(wait_until(lambda: "not reloaded" in self.gateway.stderr() +
                                   self.gateway.stdout(), 3), self.gateway.stderr())
        self.assertEqual(self.gateway.request("GET", STATUS_PATH,
                                              headers=bearer(self.key)).status, 200)
        self.assertContractError(self.gateway.request("GET", STATUS_PATH,
                                                      headers=bearer(self.key)), 429,
                                 "rate_limited")


if __name__ == "__main__":
    unittest.main()
