"""Strict HTTP parsing on raw sockets: every malformed request is refused with the right
status, the connection is closed, and nothing reaches the vendor."""

import json
import time
import unittest

from harness import GatewayTestCase, send_raw

BODY = b'{"video_inputs":[{"voice":{"type":"text","input_text":"hi"}}]}'


class StrictParsingTest(GatewayTestCase):
    SERVER = {"max_body": "64KiB", "header_timeout": "1s", "idle_timeout": "2s"}
    KEY_SCOPES = ["heygen:*"]

    def head(self, *extra_lines, method="POST", target="/heygen/v2/video/generate",
             host=True, auth=True):
        lines = [f"{method} {target} HTTP/1.1"]
        if host:
            lines.append("Host: gateway.test")
        if auth:
            lines.append(f"Authorization: Bearer {self.key}")
        lines += list(extra_lines)
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def assertRefused(self, wire: bytes, statuses=(400,)):
        result = self.gateway.raw(wire)
        self.assertIn(result.status, statuses, result)
        self.assertTrue(result.closed, f"connection left open after {result.status}")
        self.assertIn(b"\r\nx-request-id:", result.data.lower())
        time.sleep(0.05)  # anything forwarded would have arrived by now
        self.assertEqual(self.upstream.requests, [], "a refused request reached the vendor")
        return result

    # ---- a control: the same shapes, well formed, are forwarded ---------------------------

    def test_well_formed_raw_requests_are_forwarded(self):
        cl = self.head(f"Content-Length: {len(BODY)}", "Content-Type: application/json",
                       "Connection: close") + BODY
        result = self.gateway.raw(cl)
        self.assertEqual(result.status, 200, result)
        chunked = self.head("Transfer-Encoding: chunked", "Connection: close") + \
            b"5\r\n" + BODY[:5] + b"\r\n" + b"%x\r\n" % (len(BODY) - 5) + BODY[5:] + \
            b"\r\n0\r\n\r\n"
        self.assertEqual(self.gateway.raw(chunked).status, 200)
        get = self.head("Connection: close", method="GET",
                        target="/heygen/v1/video_status.get?video_id=1")
        self.assertEqual(self.gateway.raw(get).status, 200)
        self.assertEqual(len(self.upstream.wait_for_requests(3)), 3)

    # ---- body framing ---------------------------------------------------------------------

    def test_content_length_with_transfer_encoding_is_refused(self):
        self.assertRefused(self.head(f"Content-Length: {len(BODY)}",
                                     "Transfer-Encoding: chunked")
                           + b"%x\r\n" % len(BODY) + BODY + b"\r\n0\r\n\r\n")

    def test_transfer_encoding_before_content_length_is_refused(self):
        self.assertRefused(self.head("Transfer-Encoding: chunked",
                                     f"Content-Length: {len(BODY)}") + BODY)

    def test_duplicate_content_length_is_refused_even_when_equal(self):
        self.assertRefused(self.head(f"Content-Length: {len(BODY)}",
                                     f"Content-Length: {len(BODY)}") + BODY)

    def test_conflicting_content_lengths_are_refused(self):
        self.assertRefused(self.head("Content-Length: 5", f"Content-Length: {len(BODY)}") + BODY)

    def test_content_length_list_is_refused(self):
        self.assertRefused(self.head(f"Content-Length: {len(BODY)}, {len(BODY)}") + BODY)

    def test_invalid_content_lengths_are_refused(self):
        for value in ["abc", "-1", "+5", "0x10", "1 0", "5.0",
                      "99999999999999999999999999"]:
            with self.subTest(content_length=value):
                self.assertRefused(self.head(f"Content-Length: {value}") + BODY,
                                   statuses=(400, 413) if value.startswith("9") else (400,))

    def test_transfer_encodings_other_than_chunked_are_refused(self):
        for value in ["gzip", "identity", "gzip, chunked", "chunked, gzip",
                      "chunked, chunked", "xchunked", "chunked;q=1"]:
            with self.subTest(transfer_encoding=value):
                self.assertRefused(self.head(f"Transfer-Encoding: {value}")
                                   + b"5\r\nhello\r\n0\r\n\r\n", statuses=(400, 501))

    def test_duplicate_transfer_encoding_headers_are_refused(self):
        self.assertRefused(self.head("Transfer-Encoding: chunked", "Transfer-Encoding: chunked")
                           + b"5\r\nhello\r\n0\r\n\r\n", statuses=(400, 501))

    def test_bad_chunk_sizes_are_refused(self):
        for chunk in [b"zz\r\nhello\r\n0\r\n\r\n",
                      b"-5\r\nhello\r\n0\r\n\r\n",
                      b"0x5\r\nhello\r\n0\r\n\r\n",
                      b" 5\r\nhello\r\n0\r\n\r\n",
                      b"\r\nhello\r\n0\r\n\r\n",
                      b"ffffffffffffffffffff\r\nhello\r\n0\r\n\r\n",
                      b"3\r\nhello\r\n0\r\n\r\n",          # data longer than declared
                      b"5\r\nhelloXX0\r\n\r\n"]:           # no CRLF after the data
            with self.subTest(chunk=chunk):
                self.assertRefused(self.head("Transfer-Encoding: chunked") + chunk,
                                   statuses=(400, 413))

    def test_bare_lf_in_chunk_framing_is_refused(self):
        for chunk in [b"5\nhello\r\n0\r\n\r\n", b"5\r\nhello\n0\r\n\r\n",
                      b"5\r\nhello\r\n0\n\n"]:
            with self.subTest(chunk=chunk):
                self.assertRefused(self.head("Transfer-Encoding: chunked") + chunk)

    def test_body_over_max_body_is_refused_with_413_as_soon_as_declared(self):
        # Only the head is sent: the answer must not wait for the 10 MB body.
        result = self.assertRefused(self.head("Content-Length: 10485760"), statuses=(413,))
        self.assertIn(b"payload_too_large", result.data)

    def test_chunked_body_over_max_body_is_refused_with_413(self):
        chunk = b"x" * 16384
        wire = self.head("Transfer-Encoding: chunked") + \
            (b"4000\r\n" + chunk + b"\r\n") * 6 + b"0\r\n\r\n"
        self.assertRefused(wire, statuses=(413,))

    # ---- the head -------------------------------------------------------------------------

    def test_bare_lf_line_endings_are_refused(self):
        self.assertRefused(f"GET /heygen/v1/video_status.get?video_id=1 HTTP/1.1\n"
                           f"Host: gateway.test\nAuthorization: Bearer {self.key}\n\n".encode())

    def test_bare_lf_inside_one_header_line_is_refused(self):
        self.assertRefused(self.head("X-One: a\nX-Two: b", method="GET",
                                     target="/heygen/v1/video_status.get?video_id=1"))

    def test_obsolete_line_folding_is_refused(self):
        for fold in ["X-Folded: first\r\n second", "X-Folded: first\r\n\tsecond"]:
            with self.subTest(fold=fold):
                self.assertRefused(self.head(fold, method="GET",
                                             target="/heygen/v1/video_status.get?video_id=1"))

    def test_control_characters_in_header_values_are_refused(self):
        for byte in ["\x00", "\x01", "\x07", "\x1b", "\x7f", "\r"]:
            with self.subTest(byte=repr(byte)):
                self.assertRefused(self.head(f"X-Evil: a{byte}b", method="GET",
                                             target="/heygen/v1/video_status.get?video_id=1"))

    def test_invalid_header_names_are_refused(self):
        for line in ["X_Underscore: a", "X Space: a", "X-Trailing-Space : a",
                     "X(Paren): a", "X-Nul\x00: a", "X-Ctl\x01: a", ": empty-name",
                     "X-Slash/Name: a", "X-No-Colon"]:
            with self.subTest(line=repr(line)):
                self.assertRefused(self.head(line, method="GET",
                                             target="/heygen/v1/video_status.get?video_id=1"))

    def test_missing_host_is_refused(self):
        self.assertRefused(self.head(method="GET", host=False,
                                     target="/heygen/v1/video_status.get?video_id=1"))

    def test_duplicated_host_is_refused(self):
        self.assertRefused(self.head("Host: other.test", method="GET",
                                     target="/heygen/v1/video_status.get?video_id=1"))

    def test_absolute_form_target_to_another_host_is_refused(self):
        self.assertRefused(self.head(
            method="GET", target="http://evil.example/heygen/v1/video_status.get?video_id=1"))

    def test_connect_is_refused(self):
        self.assertRefused(self.head(method="CONNECT", target="evil.example:443"),
                           statuses=(400, 405))

    def test_asterisk_form_and_relative_targets_are_refused(self):
        for target in ["*", "heygen/v1/video_status.get"]:
            with self.subTest(target=target):
                self.assertRefused(self.head(method="GET", target=target),
                                   statuses=(400, 404))

    def test_more_than_100_header_fields_get_431(self):
        many = [f"X-Many-{i}: v" for i in range(101)]
        self.assertRefused(self.head(*many, method="GET",
                                     target="/heygen/v1/video_status.get?video_id=1"),
                           statuses=(431,))

    def test_head_over_64_kib_gets_431(self):
        big = [f"X-Big-{i}: {'v' * 8000}" for i in range(9)]
        self.assertRefused(self.head(*big, method="GET",
                                     target="/heygen/v1/video_status.get?video_id=1"),
                           statuses=(431,))

    def test_one_huge_header_line_gets_431(self):
        self.assertRefused(self.head("X-Huge: " + "v" * 70000, method="GET",
                                     target="/heygen/v1/video_status.get?video_id=1"),
                           statuses=(431,))

    def test_http_versions_other_than_1_x_are_refused(self):
        for version in ["HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "http/1.1", "HTTP/1.1x"]:
            with self.subTest(version=version):
                wire = (f"GET /heygen/v1/video_status.get?video_id=1 {version}\r\n"
                        f"Host: gateway.test\r\nAuthorization: Bearer {self.key}\r\n\r\n")
                self.assertRefused(wire.encode(), statuses=(400, 505))

    def test_request_line_over_the_head_bound_is_refused(self):
        target = "/heygen/v1/video_status.get?video_id=" + "a" * 70000
        self.assertRefused(self.head(method="GET", target=target), statuses=(414, 431))

    def test_head_that_never_finishes_is_closed_after_header_timeout(self):
        started = time.monotonic()
        result = send_raw(self.gateway.port, b"GET /heygen/v1/video_status.get HTTP/1.1\r\n"
                                             b"Host: gateway.test\r\n", timeout=5)
        self.assertTrue(result.closed, "slow head kept open past header_timeout")
        self.assertLess(time.monotonic() - started, 4)
        self.assertIn(result.status, (None, 400, 408), result)
        self.assertEqual(self.upstream.requests, [])

    def test_idle_keep_alive_connection_is_closed_after_idle_timeout(self):
        get = self.head(method="GET", target="/heygen/v1/video_status.get?video_id=1")
        started = time.monotonic()
        result = send_raw(self.gateway.port, get, timeout=6)
        self.assertEqual(result.status, 200, result)
        self.assertTrue(result.closed, "idle connection kept open past idle_timeout")
        self.assertLess(time.monotonic() - started, 5)

    # ---- paths ----------------------------------------------------------------------------

    def test_dot_dot_escaping_the_provider_is_refused(self):
        for target in ["/heygen/../writesonic/v2/business/content/chatsonic",
                       "/heygen/v1/../../../etc/passwd",
                       "/heygen/%2e%2e/%2e%2e/etc/passwd",
                       "/heygen/v1/%2E%2E/..%2f..%2fadmin"]:
            with self.subTest(target=target):
                self.assertRefused(self.head(method="GET", target=target))

    def test_backslash_in_the_path_is_refused(self):
        for target in ["/heygen/v1\\video_status.get", "/heygen/v1%5Cvideo_status.get",
                       "/heygen/v1%5cvideo_status.get"]:
            with self.subTest(target=target):
                self.assertRefused(self.head(method="GET", target=target))

    def test_dot_segments_inside_the_provider_are_normalised_and_forwarded(self):
        result = self.gateway.raw(self.head(
            "Connection: close", method="GET",
            target="/heygen/v1/./x/../video_status.get?video_id=7"))
        self.assertEqual(result.status, 200, result)
        seen = self.upstream.wait_for_requests(1)
        self.assertEqual([r.target for r in seen], ["/v1/video_status.get?video_id=7"])

    def test_refusal_bodies_follow_the_contract(self):
        result = self.gateway.raw(self.head("Content-Length: 5", "Content-Length: 6") + BODY)
        head, _, body = result.data.partition(b"\r\n\r\n")
        parsed = json.loads(body)
        self.assertEqual(parsed["data"], None)
        self.assertEqual(parsed["error"]["code"], "invalid_request")
        request_id = [line.split(b":", 1)[1].strip() for line in head.split(b"\r\n")
                      if line.lower().startswith(b"x-request-id:")][0]
        self.assertEqual(parsed["error"]["request_id"].encode(), request_id)


if __name__ == "__main__":
    unittest.main()
