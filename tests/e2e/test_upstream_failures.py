"""When the vendor misbehaves: retries, Retry-After, time-outs, refused connections."""

import time
import unittest

from harness import GatewayTestCase, Reply, bearer, free_port

STATUS_PATH = "/heygen/v1/video_status.get?video_id=abc"
GENERATE_PATH = "/heygen/v2/video/generate"
GENERATE_BODY = b'{"video_inputs":[{"voice":{"type":"text","input_text":"hello"}}]}'


class UpstreamFailuresTest(GatewayTestCase):
    KEY_SCOPES = ["*"]

    @classmethod
    def providers(cls, upstream_url):
        cls.closed_port = free_port()  # nothing listens here
        return {"heygen": {"base_url": upstream_url, "timeout": "1s"},
                "openai": {"base_url": f"http://127.0.0.1:{cls.closed_port}/v",
                           "connect_timeout": "1s"}}

    def get_status(self):
        return self.gateway.request("GET", STATUS_PATH, headers=bearer(self.key))

    def generate(self, **headers):
        return self.gateway.request(
            "POST", GENERATE_PATH, body=GENERATE_BODY,
            headers={**bearer(self.key), "Content-Type": "application/json", **headers})

    def test_vendor_500_on_get_is_retried_twice_then_answered_502_upstream_error(self):
        self.upstream.default = Reply(500, body=b'{"error":"boom"}')
        response = self.get_status()
        self.assertContractError(response, 502, "upstream_error")
        self.assertNotIn(b"boom", response.body)
        self.assertEqual(len(self.upstream.requests), 3, "expected 1 attempt + 2 retries")

    def test_vendor_503_then_success_on_get_gives_the_success(self):
        self.upstream.enqueue(Reply(503), Reply(200, body=b'{"code":100,"data":{}}'))
        response = self.get_status()
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.body, b'{"code":100,"data":{}}')
        self.assertEqual(len(self.upstream.requests), 2)

    def test_vendor_500_on_post_without_idempotency_key_is_not_retried(self):
        self.upstream.default = Reply(500, body=b'{"error":"boom"}')
        self.assertContractError(self.generate(), 502, "upstream_error")
        time.sleep(0.3)
        self.assertEqual(len(self.upstream.requests), 1)

    def test_vendor_500_on_post_with_idempotency_key_is_retried(self):
        self.upstream.enqueue(Reply(500), Reply(200, body=b'{"data":{"video_id":"v1"}}'))
        response = self.generate(**{"Idempotency-Key": "idem-123"})
        self.assertEqual(response.status, 200, response)
        requests = self.upstream.requests
        self.assertEqual(len(requests), 2)
        self.assertEqual(requests[1].body, GENERATE_BODY)
        self.assertEqual(requests[1].header("Idempotency-Key"), "idem-123")

    def test_vendor_429_retry_after_is_honoured(self):
        self.upstream.enqueue(Reply(429, headers=[("Retry-After", "1")],
                                    body=b'{"error":"slow down"}'),
                              Reply(200, body=b'{"data":{"ok":1}}'))
        started = time.monotonic()
        response = self.generate()  # 429 is retried even for POST
        self.assertEqual(response.status, 200, response)
        requests = self.upstream.requests
        self.assertEqual(len(requests), 2)
        gap = requests[1].received_at - requests[0].received_at
        self.assertGreaterEqual(gap, 0.95, f"retried after {gap:.3f}s despite Retry-After: 1")
        self.assertLess(time.monotonic() - started, 5)

    def test_vendor_429_every_time_becomes_429_rate_limited(self):
        self.upstream.default = Reply(429, headers=[("Retry-After", "0")])
        response = self.get_status()
        self.assertContractError(response, 429, "rate_limited")
        self.assertTrue(response.header("Retry-After"))
        self.assertEqual(len(self.upstream.requests), 3)

    def test_vendor_retry_after_above_30_seconds_is_not_waited_for(self):
        self.upstream.default = Reply(429, headers=[("Retry-After", "120")])
        started = time.monotonic()
        response = self.get_status()
        self.assertLess(time.monotonic() - started, 5)
        self.assertContractError(response, 429, "rate_limited")
        self.assertEqual(response.header("Retry-After"), "120")
        self.assertEqual(len(self.upstream.requests), 1)

    def test_no_vendor_answer_within_the_timeout_gives_504(self):
        self.upstream.default = Reply(200, delay=3)
        started = time.monotonic()
        response = self.generate()  # POST: a time-out is not retried
        elapsed = time.monotonic() - started
        self.assertContractError(response, 504, "upstream_timeout")
        self.assertGreaterEqual(elapsed, 0.9)
        self.assertLess(elapsed, 2.5)

    def test_get_that_times_out_is_retried_then_answered_504(self):
        self.upstream.default = Reply(200, delay=2)
        started = time.monotonic()
        response = self.get_status()
        self.assertContractError(response, 504, "upstream_timeout")
        self.assertLess(time.monotonic() - started, 8)
        self.assertEqual(len(self.upstream.requests), 3)

    def test_connection_dropped_without_answer_on_post_gives_an_error_not_a_hang(self):
        self.upstream.default = Reply(close_without_answer=True)
        response = self.generate()
        self.assertIn(response.status, (502, 503), response)
        self.assertEqual(len(self.upstream.requests), 1)

    def test_connection_refused_gives_503_upstream_unavailable(self):
        started = time.monotonic()
        response = self.gateway.request("GET", "/openai/v1/models", headers=bearer(self.key))
        self.assertContractError(response, 503, "upstream_unavailable")
        self.assertLess(time.monotonic() - started, 8)

    def test_gateway_keeps_serving_after_upstream_failures(self):
        self.upstream.default = Reply(200, body=b'{"fine":true}')
        response = self.get_status()
        self.assertEqual((response.status, response.body), (200, b'{"fine":true}'))


if __name__ == "__main__":
    unittest.main()
