"""The proxied call itself: what the vendor receives and what the client gets back."""

import http.client
import json
import unittest

from harness import VENDOR_SECRETS, GatewayTestCase, Reply, bearer, wait_until

STATUS_PATH = "/heygen/v1/video_status.get?video_id=abc123"
GENERATE_PATH = "/heygen/v2/video/generate"
GENERATE_BODY = json.dumps({"video_inputs": [{"character": {"type": "avatar",
                                                             "avatar_id": "Daisy"},
                                               "voice": {"type": "text",
                                                         "input_text": "Welcome aboard",
                                                         "voice_id": "v1"}}],
                            "dimension": {"width": 1280, "height": 720}}).encode()


class ForwardingTest(GatewayTestCase):
    PROVIDERS = {
        "heygen": {"base_url": "{upstream}/hg"},
        "writesonic": {"base_url": "{upstream}/ws"},
        "openai": {"base_url": "{upstream}/oa"},
    }
    KEY_SCOPES = ["*"]

    def get_status(self, headers=None):
        return self.gateway.request("GET", STATUS_PATH, headers=headers or bearer(self.key))

    def only_request(self):
        requests = self.upstream.wait_for_requests(1)
        self.assertEqual(len(requests), 1, requests)
        return requests[0]

    # ---- the vendor key -------------------------------------------------------------------

    def test_heygen_call_reaches_the_vendor_path_with_its_query_and_the_vendor_key(self):
        response = self.get_status()
        self.assertEqual(response.status, 200, response)
        seen = self.only_request()
        self.assertEqual(seen.method, "GET")
        self.assertEqual(seen.target, "/hg/v1/video_status.get?video_id=abc123")
        self.assertEqual(seen.header_values("X-Api-Key"), [VENDOR_SECRETS["heygen"]])

    def test_writesonic_call_carries_the_writesonic_key_in_its_own_header(self):
        body = json.dumps({"enable_google_results": False, "enable_memory": False,
                           "input_text": "Write a haiku about tea"}).encode()
        response = self.gateway.request(
            "POST", "/writesonic/v2/business/content/chatsonic?engine=premium",
            headers={**bearer(self.key), "Content-Type": "application/json"}, body=body)
        self.assertEqual(response.status, 200, response)
        seen = self.only_request()
        self.assertEqual(seen.target, "/ws/v2/business/content/chatsonic?engine=premium")
        self.assertEqual(seen.header_values("X-API-KEY"), [VENDOR_SECRETS["writesonic"]])
        self.assertEqual(seen.body, body)

    def test_openai_call_carries_the_vendor_key_as_a_bearer_token(self):
        body = b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'
        response = self.gateway.request(
            "POST", "/openai/v1/chat/completions",
            headers={**bearer(self.key), "Content-Type": "application/json"}, body=body)
        self.assertEqual(response.status, 200, response)
        seen = self.only_request()
        self.assertEqual(seen.path, "/oa/v1/chat/completions")
        self.assertEqual(seen.header_values("Authorization"),
                         [f"Bearer {VENDOR_SECRETS['openai']}"])

    # ---- the client credential ------------------------------------------------------------

    def test_client_key_in_authorization_is_forwarded_nowhere(self):
        self.assertEqual(self.get_status().status, 200)
        seen = self.only_request()
        self.assertNotIn("authorization", seen.header_names())
        self.assertFalse(seen.contains_anywhere(self.key), seen)
        self.assertFalse(seen.contains_anywhere(self.key_id), seen)

    def test_client_key_in_the_vendor_header_is_replaced_not_forwarded(self):
        response = self.get_status(headers={"X-Api-Key": self.key})
        self.assertEqual(response.status, 200, response)
        seen = self.only_request()
        self.assertEqual(seen.header_values("X-Api-Key"), [VENDOR_SECRETS["heygen"]])
        self.assertFalse(seen.contains_anywhere(self.key), seen)

    def test_client_key_in_the_writesonic_header_is_replaced_not_forwarded(self):
        response = self.gateway.request(
            "POST", "/writesonic/v2/business/content/chatsonic",
            headers={"X-API-KEY": self.key, "Content-Type": "application/json"},
            body=b'{"input_text":"hello"}')
        self.assertEqual(response.status, 200, response)
        seen = self.only_request()
        self.assertEqual(seen.header_values("X-API-KEY"), [VENDOR_SECRETS["writesonic"]])
        self.assertFalse(seen.contains_anywhere(self.key), seen)

    def test_client_authorization_to_openai_is_replaced_by_the_vendor_one(self):
        response = self.gateway.request("GET", "/openai/v1/models", headers=bearer(self.key))
        self.assertEqual(response.status, 200, response)
        seen = self.only_request()
        self.assertEqual(seen.header_values("Authorization"),
                         [f"Bearer {VENDOR_SECRETS['openai']}"])
        self.assertFalse(seen.contains_anywhere(self.key), seen)

    def test_client_supplied_vendor_header_never_survives_next_to_a_bearer_key(self):
        # Refusing the ambiguous pair (401, nothing upstream) and replacing the header are
        # both safe; relaying the client's value is not.
        for name in ["X-Api-Key", "x-api-key", "X-API-KEY"]:
            with self.subTest(header=name):
                self.upstream.reset()
                response = self.get_status(
                    headers={**bearer(self.key), name: "client-chosen-vendor-key"})
                if response.status == 401:
                    self.assertContractError(response, 401, "unauthenticated")
                    self.assertEqual(self.upstream.requests, [])
                    continue
                self.assertEqual(response.status, 200, response)
                seen = self.only_request()
                self.assertEqual(seen.header_values("X-Api-Key"), [VENDOR_SECRETS["heygen"]])

    def test_lowercase_vendor_header_carrying_the_key_authenticates(self):
        response = self.get_status(headers={"x-api-key": self.key})
        self.assertEqual(response.status, 200, response)
        self.assertFalse(self.only_request().contains_anywhere(self.key))

    def test_query_string_is_forwarded_byte_for_byte(self):
        query = "video_id=a%20b%2Bc+d&x=%E2%9C%93&empty=&flag"
        response = self.gateway.request("GET", f"/heygen/v1/video_status.get?{query}",
                                        headers=bearer(self.key))
        self.assertEqual(response.status, 200, response)
        self.assertEqual(self.only_request().query, query)

    # ---- stripped headers -----------------------------------------------------------------

    def test_bulwark_hop_by_hop_and_forwarding_headers_are_stripped(self):
        headers = {
            **bearer(self.key),
            "X-Bulwark-Subject": "user-42", "X-Bulwark-Purpose": "marketing",
            "X-Bulwark-Debug": "1",
            "Connection": "keep-alive, X-Named-By-Connection",
            "X-Named-By-Connection": "secret-hop", "Keep-Alive": "timeout=5",
            "Proxy-Connection": "keep-alive", "Proxy-Authorization": "Basic Zm9vOmJhcg==",
            "TE": "trailers", "Trailer": "X-Checksum",
            "Forwarded": "for=10.9.9.9", "X-Forwarded-For": "10.9.9.9",
            "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https",
            "X-Real-IP": "10.9.9.9",
            "X-Custom-Kept": "kept-value",
        }
        response = self.get_status(headers=headers)
        self.assertEqual(response.status, 200, response)
        seen = self.only_request()
        names = seen.header_names()
        for stripped in ["x-bulwark-subject", "x-bulwark-purpose", "x-bulwark-debug",
                         "x-named-by-connection", "keep-alive", "proxy-connection",
                         "proxy-authorization", "te", "trailer", "transfer-encoding",
                         "forwarded", "x-forwarded-for", "x-forwarded-host",
                         "x-forwarded-proto", "x-real-ip", "upgrade"]:
            self.assertNotIn(stripped, names, seen.headers)
        self.assertNotIn("10.9.9.9", " ".join(v for _, v in seen.headers))
        self.assertNotIn("user-42", " ".join(v for _, v in seen.headers))
        connection = (seen.header("Connection") or "").lower()
        self.assertNotIn("x-named-by-connection", connection)
        self.assertEqual(seen.header("X-Custom-Kept"), "kept-value")

    # ---- authentication -------------------------------------------------------------------

    def assertUnauthenticatedAndNothingUpstream(self, headers):
        response = self.get_status(headers=headers)
        self.assertContractError(response, 401, "unauthenticated")
        self.assertEqual(self.upstream.requests, [])

    def test_missing_key_gets_401_and_nothing_reaches_the_vendor(self):
        self.assertUnauthenticatedAndNothingUpstream({"X-Other": "x"})

    def test_unknown_key_gets_401_and_nothing_reaches_the_vendor(self):
        self.assertUnauthenticatedAndNothingUpstream(
            bearer("bwk_" + "A" * 40))

    def test_unknown_key_in_the_vendor_header_gets_401(self):
        self.assertUnauthenticatedAndNothingUpstream({"X-Api-Key": "bwk_" + "B" * 40})

    def test_vendor_style_key_in_the_vendor_header_gets_401(self):
        self.assertUnauthenticatedAndNothingUpstream({"X-Api-Key": VENDOR_SECRETS["heygen"]})

    def test_malformed_authorization_headers_get_401(self):
        for value in ["Bearer", "Bearer ", "Basic Zm9vOmJhcg==", "bwk_", self.key,
                      "Bearer not-a-bulwark-key", "Bearer " + self.key[:-3],
                      "Bearer " + self.key + "x", "Bearer bwk_!!!"]:
            with self.subTest(authorization=value):
                self.assertUnauthenticatedAndNothingUpstream({"Authorization": value})

    def test_revoked_key_gets_401_and_nothing_reaches_the_vendor(self):
        key_id, key = self.gateway.create_key(["heygen:*"], name="to-revoke")
        self.gateway.wait_for_key(key)
        self.gateway.cli("keys", "revoke", key_id)
        self.assertTrue(wait_until(lambda: self.get_status(bearer(key)).status == 401, 2.0))
        self.upstream.reset()
        self.assertUnauthenticatedAndNothingUpstream(bearer(key))

    # ---- what comes back ------------------------------------------------------------------

    def test_vendor_echo_of_its_key_is_scrubbed_from_body_and_headers(self):
        secret = VENDOR_SECRETS["heygen"]
        self.upstream.default = Reply(200, body=json.dumps(
            {"code": 100, "data": {"echo": secret, "note": f"key={secret};"}}).encode(),
            headers=[("Content-Type", "application/json"), ("X-Echo-Key", secret),
                     ("X-Debug", f"auth {secret} ok")])
        response = self.get_status()
        self.assertEqual(response.status, 200, response)
        self.assertNotIn(secret.encode(), response.body)
        self.assertIn(b"[REDACTED]", response.body)
        self.assertEqual(json.loads(response.body)["data"]["echo"], "[REDACTED]")
        for name, value in response.headers.items():
            self.assertNotIn(secret, value, name)
        self.assertEqual(response.header("X-Echo-Key"), "[REDACTED]")

    def test_vendor_echo_split_across_chunks_is_scrubbed(self):
        secret = VENDOR_SECRETS["heygen"].encode()
        body = b'{"echo":"' + secret + b'"}'
        cut = body.index(secret) + len(secret) // 2
        self.upstream.default = Reply(200, chunks=[body[:cut], body[cut:]])
        response = self.get_status()
        self.assertEqual(response.status, 200, response)
        self.assertNotIn(secret, response.body)
        self.assertEqual(response.body, b'{"echo":"[REDACTED]"}')

    def test_openai_vendor_echo_of_its_key_is_scrubbed(self):
        secret = VENDOR_SECRETS["openai"]
        self.upstream.default = Reply(200, body=json.dumps(
            {"error": None, "echo": f"Bearer {secret}"}).encode(),
            headers=[("Content-Type", "application/json"), ("X-Seen-Auth", f"Bearer {secret}")])
        response = self.gateway.request("GET", "/openai/v1/models", headers=bearer(self.key))
        self.assertEqual(response.status, 200, response)
        self.assertNotIn(secret.encode(), response.body)
        self.assertEqual(response.header("X-Seen-Auth"), "Bearer [REDACTED]")

    def test_vendor_hop_by_hop_response_headers_are_not_relayed(self):
        self.upstream.default = Reply(200, headers=[
            ("Content-Type", "application/json"), ("Connection", "X-Vendor-Hop"),
            ("X-Vendor-Hop", "1"), ("Keep-Alive", "timeout=99"), ("Upgrade", "h2c"),
            ("X-Vendor-Kept", "yes")])
        response = self.get_status()
        self.assertEqual(response.status, 200, response)
        relayed = [name for name in ["X-Vendor-Hop", "Keep-Alive", "Upgrade"]
                   if response.header(name)]
        self.assertEqual(relayed, [], "vendor hop-by-hop headers relayed to the client")
        self.assertEqual(response.header("X-Vendor-Kept"), "yes")

    def test_pipelined_requests_are_answered_in_order(self):
        one = (f"GET /heygen/v1/video_status.get?video_id=first HTTP/1.1\r\nHost: gw\r\n"
               f"Authorization: Bearer {self.key}\r\n\r\n")
        two = (f"GET /heygen/v1/video_status.get?video_id=second HTTP/1.1\r\nHost: gw\r\n"
               f"Authorization: Bearer {self.key}\r\nConnection: close\r\n\r\n")
        self.upstream.default = lambda request: Reply(200, body=request.query.encode())
        result = self.gateway.raw((one + two).encode())
        self.assertEqual(result.data.count(b"HTTP/1.1 200"), 2, result)
        self.assertLess(result.data.index(b"video_id=first"),
                        result.data.index(b"video_id=second"))
        self.assertTrue(result.closed)

    def test_vendor_401_becomes_502_upstream_auth_failed(self):
        self.upstream.default = Reply(401, body=b'{"error":{"code":"invalid_api_key"}}')
        response = self.get_status()
        self.assertContractError(response, 502, "upstream_auth_failed")
        self.assertNotIn(b"invalid_api_key", response.body)

    def test_vendor_403_becomes_502_upstream_auth_failed(self):
        self.upstream.default = Reply(403, body=b'{"error":"forbidden by vendor"}')
        self.assertContractError(self.get_status(), 502, "upstream_auth_failed")

    def test_vendor_400_passes_through_byte_for_byte(self):
        body = (b'{"error": {"code":"invalid_parameter",  "message":"video_inputs[0].voice'
                b' is required \\u00e9"}, "data":null}\n')
        self.upstream.default = Reply(400, body=body, headers=[
            ("Content-Type", "application/json; charset=utf-8"), ("X-Vendor-Hint", "fix-it")])
        response = self.gateway.request(
            "POST", GENERATE_PATH,
            headers={**bearer(self.key), "Content-Type": "application/json"},
            body=GENERATE_BODY)
        self.assertEqual(response.status, 400, response)
        self.assertEqual(response.body, body)
        self.assertEqual(response.header("Content-Type"), "application/json; charset=utf-8")
        self.assertEqual(response.header("X-Vendor-Hint"), "fix-it")
        self.assertEqual(len(self.upstream.requests), 1, "a vendor 400 must not be retried")

    def test_vendor_404_and_422_pass_through_unchanged(self):
        for status in (404, 422):
            with self.subTest(status=status):
                self.upstream.reset()
                body = b'{"error":{"code":"not_found","message":"no such video"}}'
                self.upstream.default = Reply(status, body=body)
                response = self.get_status()
                self.assertEqual((response.status, response.body), (status, body))

    def test_vendor_request_id_is_renamed_and_bulwark_sets_its_own(self):
        self.upstream.default = Reply(200, headers=[("Content-Type", "application/json"),
                                                    ("X-Request-Id", "vendor-req-77")])
        response = self.get_status()
        self.assertEqual(response.header("X-Upstream-Request-Id"), "vendor-req-77")
        self.assertTrue(response.header("X-Request-Id"))
        self.assertNotEqual(response.header("X-Request-Id"), "vendor-req-77")
        self.assertEqual(len(response.headers.get_all("X-Request-Id")), 1)

    def test_every_response_carries_a_distinct_request_id(self):
        responses = [
            self.get_status(),
            self.get_status(headers={}),
            self.gateway.request("GET", "/healthz"),
            self.gateway.request("GET", "/nosuchprovider/x", headers=bearer(self.key)),
            self.gateway.request("GET", "/heygen/v9/not-an-operation", headers=bearer(self.key)),
        ]
        ids = [r.header("X-Request-Id") for r in responses]
        for response, request_id in zip(responses, ids):
            self.assertTrue(request_id, response)
        self.assertEqual(len(set(ids)), len(ids), ids)

    def test_healthz_answers_ok_without_auth(self):
        response = self.gateway.request("GET", "/healthz")
        self.assertEqual(response.status, 200)
        self.assertEqual(response.json(), {"status": "ok"})

    def test_readyz_answers_200_when_the_store_is_up(self):
        self.assertEqual(self.gateway.request("GET", "/readyz").status, 200)

    # ---- framing --------------------------------------------------------------------------

    def test_chunked_request_body_is_reframed_with_content_length_upstream(self):
        chunks = [GENERATE_BODY[:10], GENERATE_BODY[10:57], GENERATE_BODY[57:]]
        wire = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
        head = (f"POST {GENERATE_PATH} HTTP/1.1\r\nHost: gw\r\n"
                f"Authorization: Bearer {self.key}\r\nContent-Type: application/json\r\n"
                f"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode()
        result = self.gateway.raw(head + wire)
        self.assertEqual(result.status, 200, result)
        seen = self.only_request()
        self.assertEqual(seen.framing, "content-length", seen.headers)
        self.assertEqual(seen.header("Content-Length"), str(len(GENERATE_BODY)))
        self.assertIsNone(seen.header("Transfer-Encoding"))
        self.assertEqual(seen.body, GENERATE_BODY)

    def test_keep_alive_serves_several_requests_on_one_connection(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.gateway.port, timeout=10)
        try:
            conn.connect()
            first_socket = conn.sock
            for i in range(5):
                conn.request("GET", f"/heygen/v1/video_status.get?video_id=v{i}",
                             headers=bearer(self.key))
                response = conn.getresponse()
                response.read()
                self.assertEqual(response.status, 200)
                self.assertIs(conn.sock, first_socket, "the gateway closed the connection")
            # An error answer that is not a framing error keeps the connection open too.
            conn.request("GET", STATUS_PATH, headers={"Authorization": "Bearer bwk_nope"})
            response = conn.getresponse()
            response.read()
            self.assertEqual(response.status, 401)
            conn.request("GET", STATUS_PATH, headers=bearer(self.key))
            response = conn.getresponse()
            response.read()
            self.assertEqual(response.status, 200)
            self.assertIs(conn.sock, first_socket)
        finally:
            conn.close()
        targets = [r.target for r in self.upstream.requests]
        self.assertEqual(targets[:5], [f"/hg/v1/video_status.get?video_id=v{i}"
                                       for i in range(5)])
        self.assertEqual(len(targets), 6)


if __name__ == "__main__":
    unittest.main()
