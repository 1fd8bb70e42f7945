"""PII policies per provider and operation, data minimisation, vendor data classes,
fail-closed parsing and streamed (SSE) answers, end to end (issue 5 items 4-8).

The real binary runs against the recording fake vendor (tests/support/fake_upstream.py);
the streaming test uses a small SSE vendor below that holds its stream open until the
client has seen the first event, so a buffered relay cannot pass.
"""

import json
import socket
import threading
import time
import unittest

from harness import (VENDOR_SECRETS, ContractAssertions, FakeUpstream, Gateway, GatewayTestCase,
                     Reply, bearer)

GENERATE_PATH = "/heygen/v2/video/generate"
TEMPLATE_PATH = "/heygen/v2/template/t1/generate"
EMAIL = "jane.doe@example.com"
PHONE = "+1 415-555-0132"
IBAN = "DE89 3704 0044 0532 0130 00"
SCRIPT_TEXT = f"Call me at {PHONE} or mail {EMAIL}, IBAN {IBAN}."

# [providers.heygen] redact by default; per-type overrides; template.generate blocks.
HEYGEN_POLICY = """
[providers.heygen.policy]
types = { EMAIL = "pseudonymize", PHONE = "mask", IBAN = "allow" }

[providers.heygen.operations."template.generate"]
pii = "block"
"""


class PolicyGateway(Gateway):
    """A Gateway whose config gets extra raw TOML (nested policy tables)."""

    def __init__(self, providers, raw_toml: str, **kwargs):
        super().__init__(providers, **kwargs)
        self.raw_toml = raw_toml

    def write_config(self) -> None:
        super().write_config()
        with open(self.config_path, "a") as f:
            f.write(self.raw_toml)


def generate_body(text: str, **extra) -> bytes:
    body = {"video_inputs": [{"character": {"type": "avatar", "avatar_id": "a1"},
                              "voice": {"type": "text", "voice_id": "v1", "input_text": text}}],
            "title": "t"}
    body.update(extra)
    return json.dumps(body).encode()


def access_log_line(gateway: Gateway, request_id: str) -> dict:
    for _ in range(100):
        for line in gateway.stdout().splitlines():
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("request_id") == request_id:
                return record
        time.sleep(0.02)
    raise AssertionError(f"no access log line for {request_id}")


class PrivacyPolicyTest(GatewayTestCase):
    PROVIDERS = {"heygen": {"base_url": "{upstream}", "pii": "redact", "accepts": ["PERSON"]}}
    KEY_SCOPES = ["heygen:*"]

    @classmethod
    def make_gateway(cls, upstream_url):
        return PolicyGateway(cls.providers(upstream_url), HEYGEN_POLICY)

    def setUp(self):
        super().setUp()  # resets the upstream
        self.upstream.default = Reply(200, body=b'{"error":null,"data":{"video_id":"v1"}}')

    def post(self, path, body, content_type="application/json"):
        headers = {**bearer(self.key)}
        if content_type:
            headers["Content-Type"] = content_type
        return self.gateway.request("POST", path, headers=headers, body=body)

    def sent_text(self):
        sent = json.loads(self.upstream.requests[-1].body)
        return sent["video_inputs"][0]["voice"]["input_text"]

    def test_type_overrides_pseudonymize_mask_and_accepts_turns_an_allow_into_redact(self):
        response = self.post(GENERATE_PATH, generate_body(SCRIPT_TEXT))
        self.assertEqual(response.status, 200, response)
        text = self.sent_text()
        self.assertNotIn(EMAIL, self.upstream.requests[-1].body.decode())
        self.assertRegex(text, r"mail <EMAIL_\d+>,")            # pseudonymize
        self.assertIn("+* ***-***-0132", text)                   # mask: last four kept
        self.assertNotIn("415-555", text)
        # IBAN is "allow" in the policy but not in accepts = ["PERSON"]: redacted.
        self.assertIn("IBAN [IBAN].", text)
        self.assertNotIn("DE89", self.upstream.requests[-1].body.decode())

    def test_pseudonyms_are_restored_in_the_vendor_answer(self):
        def echo(request):
            sent = json.loads(request.body)["video_inputs"][0]["voice"]["input_text"]
            token = sent[sent.index("<EMAIL_"):sent.index(">") + 1]
            return Reply(200, body=json.dumps({"data": {"echo": f"to {token}"}}).encode())
        self.upstream.default = echo
        response = self.post(GENERATE_PATH, generate_body(f"mail {EMAIL}"))
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.json()["data"]["echo"], f"to {EMAIL}")

    def test_operation_override_blocks_naming_only_the_types(self):
        body = json.dumps({"variables": {"script": {"name": "script", "type": "text",
                                                    "properties": {"content": f"mail {EMAIL}"}}},
                           "title": "t"}).encode()
        response = self.post(TEMPLATE_PATH, body)
        error = self.assertContractError(response, 422, "pii_blocked")
        self.assertIn("EMAIL", error["error"]["message"])
        self.assertNotIn("jane", response.body.decode())
        time.sleep(0.05)
        self.assertEqual(self.upstream.requests, [])

    def test_minimisation_drops_internal_fields_before_the_vendor_and_logs_only_names(self):
        body = json.loads(generate_body("hello there"))
        body["crm_contact_id"] = "crm-SECRET-4711"
        body["video_inputs"][0]["internal_note"] = "vip-customer-note"
        response = self.post(GENERATE_PATH, json.dumps(body).encode())
        self.assertEqual(response.status, 200, response)
        received = self.upstream.requests[-1].body.decode()
        self.assertNotIn("crm_contact_id", received)
        self.assertNotIn("crm-SECRET-4711", received)
        self.assertNotIn("internal_note", received)
        sent = json.loads(received)
        self.assertEqual(sent["video_inputs"][0]["character"]["avatar_id"], "a1")
        self.assertEqual(sent["title"], "t")
        record = access_log_line(self.gateway, response.header("X-Request-Id"))
        self.assertEqual(sorted(record["dropped_fields"]),
                         ["crm_contact_id", "video_inputs[].internal_note"])
        self.assertNotIn("crm-SECRET-4711", self.gateway.stdout())
        self.assertNotIn("vip-customer-note", self.gateway.stdout())

    def test_unparseable_or_unknown_bodies_are_refused_and_never_forwarded(self):
        for body, content_type in ((b'{"video_inputs": [', "application/json"),
                                   (SCRIPT_TEXT.encode(), "text/plain"),
                                   (SCRIPT_TEXT.encode(), "application/octet-stream"),
                                   (SCRIPT_TEXT.encode(), None)):
            with self.subTest(content_type=content_type):
                response = self.post(GENERATE_PATH, body, content_type)
                self.assertContractError(response, 400, "invalid_request")
                self.assertNotIn(b"jane", response.body)
        time.sleep(0.05)
        self.assertEqual(self.upstream.requests, [])

    def test_findings_with_their_actions_reach_the_access_log_and_the_audit_record(self):
        response = self.post(GENERATE_PATH, generate_body(SCRIPT_TEXT))
        self.assertEqual(response.status, 200, response)
        request_id = response.header("X-Request-Id")
        record = access_log_line(self.gateway, request_id)
        self.assertEqual(record["pii"], {"EMAIL": 1, "PHONE": 1, "IBAN": 1})
        self.assertEqual(record["pii_actions"],
                         {"EMAIL": "pseudonymize", "PHONE": "mask", "IBAN": "redact"})
        audit = []
        for _ in range(100):
            out = self.gateway.cli("audit", "tail", "-n", "200").stdout
            audit = [json.loads(line) for line in out.splitlines()
                     if line.strip() and json.loads(line).get("request_id") == request_id]
            if len(audit) >= 2:
                break
            time.sleep(0.02)
        self.assertTrue(audit)
        for r in audit:
            self.assertEqual(r["pii"], {"EMAIL": 1, "PHONE": 1, "IBAN": 1})
            self.assertEqual(r["pii_action"], "EMAIL=pseudonymize,PHONE=mask,IBAN=redact")
        self.assertNotIn(EMAIL, json.dumps(audit))

    def test_check_warns_when_a_policy_allows_a_type_the_vendor_does_not_accept(self):
        result = self.gateway.cli("check", check=False)
        findings = json.loads(result.stdout)["findings"]
        warnings = [f for f in findings if f["check"] == "provider.pii_not_accepted"]
        self.assertEqual(len(warnings), 1, findings)
        self.assertIn("IBAN", warnings[0]["message"])
        self.assertNotIn("PERSON", warnings[0]["message"])


class UnknownFieldsRefuseTest(ContractAssertions, unittest.TestCase):
    def test_refuse_mode_answers_400_naming_the_fields_and_sends_nothing(self):
        upstream = FakeUpstream()
        self.addCleanup(upstream.close)
        gateway = PolicyGateway({"heygen": {"base_url": upstream.url}},
                                '[providers.heygen.policy]\nunknown_fields = "refuse"\n').start()
        self.addCleanup(gateway.cleanup)
        _, key = gateway.create_key(["*"])
        gateway.wait_for_key(key)
        response = gateway.request("POST", GENERATE_PATH,
                                   headers={**bearer(key), "Content-Type": "application/json"},
                                   body=generate_body("hi", crm_id="crm-77"))
        error = self.assertContractError(response, 400, "invalid_request")
        self.assertIn("crm_id", error["error"]["message"])
        self.assertNotIn("crm-77", response.body.decode())
        time.sleep(0.05)
        self.assertEqual(upstream.requests, [])


class SseVendor:
    """An OpenAI-like vendor that streams server-sent events in chunks it controls.

    By default it answers with the pseudonym token it received split across two chunks and
    the vendor key split across two chunks; `pieces_for(request_body)` may give other pieces.
    It holds the stream open after the first piece until `release` is set (or 10 s pass,
    which makes the test fail)."""

    def __init__(self, pieces_for=None):
        self.pieces_for = pieces_for or self.default_pieces
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.release = threading.Event()
        self.finished_at = None
        self.received = []
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self):
        self.release.set()
        self.sock.close()

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, body = data.split(b"\r\n\r\n", 1)
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            while len(body) < length:
                body += conn.recv(65536)
            self.received.append(body)
            pieces = self.pieces_for(body)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            for i, piece in enumerate(pieces):
                conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
                if i == 0:
                    self.release.wait(10)
                else:
                    time.sleep(0.05)
            conn.sendall(b"0\r\n\r\n")
            self.finished_at = time.monotonic()
            time.sleep(0.2)

    @staticmethod
    def default_pieces(body):
        content = json.loads(body)["messages"][0]["content"]
        token = content[content.index("<EMAIL_"):content.index(">") + 1]
        key = VENDOR_SECRETS["openai"]
        # The token split across two events (as a tokenizer does), the vendor key split
        # across two reads of one event.
        third = delta_event(f"{token[4:]} now (key {key})")
        cut_key = third.index(key.encode()) + 6
        return [delta_event("Hello"), delta_event(f"I will write to {token[:4]}"),
                third[:cut_key], third[cut_key:], b"data: [DONE]\n\n"]


def delta_event(text):
    return b"data: " + json.dumps({"choices": [{"delta": {"content": text}}]}).encode() + b"\n\n"


def go_json(value) -> bytes:
    """JSON as Go's encoding/json writes it: '<', '>' and '&' as \\u003c, \\u003e, \\u0026."""
    text = json.dumps(value, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2:]
    return out


def start_streaming_gateway(test: unittest.TestCase, vendor: SseVendor):
    """A gateway pseudonymising every type for OpenAI at `vendor`, and a key for it; both
    (and the vendor) are stopped when `test` ends."""
    test.addCleanup(vendor.close)
    gateway = Gateway({"openai": {"base_url": vendor.url, "pii": "pseudonymize",
                                  "accepts": []}}).start()
    test.addCleanup(gateway.cleanup)
    _, key = gateway.create_key(["*"])
    gateway.wait_for_key(key)
    return gateway, key


class StreamedAnswerTest(unittest.TestCase):
    def test_sse_is_relayed_incrementally_with_pseudonyms_restored_and_the_key_scrubbed(self):
        vendor = SseVendor()
        gateway, key = start_streaming_gateway(self, vendor)
        body = json.dumps({"model": "gpt-4o", "stream": True,
                           "messages": [{"role": "user", "content": f"Mail {EMAIL} please"}]})
        request = (f"POST /openai/v1/chat/completions HTTP/1.1\r\nHost: gw\r\n"
                   f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
                   f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}").encode()
        sock = socket.create_connection(("127.0.0.1", gateway.port), timeout=15)
        self.addCleanup(sock.close)
        sock.sendall(request)
        received = b""
        while b"Hello" not in received:
            chunk = sock.recv(65536)
            self.assertTrue(chunk, f"stream ended before the first event: {received!r}")
            received += chunk
        # The first event reached the client while the vendor was still holding its stream.
        self.assertIsNone(vendor.finished_at, "the vendor finished before the first event")
        vendor.release.set()
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        head, _, framed = received.partition(b"\r\n\r\n")
        self.assertIn(b"200", head.split(b"\r\n")[0])
        self.assertIn(b"text/event-stream", head.lower())
        self.assertIn(b"transfer-encoding: chunked", head.lower())
        stream = dechunk(framed).decode()
        self.assertNotIn(EMAIL, vendor.received[0].decode())
        self.assertIn("<EMAIL_", vendor.received[0].decode())
        text = "".join(json.loads(line[6:])["choices"][0]["delta"].get("content", "")
                       for line in stream.splitlines()
                       if line.startswith("data: {"))
        self.assertEqual(text, f"HelloI will write to {EMAIL} now (key [REDACTED])")
        self.assertNotIn("<EMA", stream)
        self.assertNotIn(VENDOR_SECRETS["openai"], stream)
        self.assertIn("[REDACTED]", stream)
        self.assertTrue(stream.rstrip().endswith("data: [DONE]"), stream)


class EscapedPseudonymRestoreTest(GatewayTestCase):
    """Vendors whose JSON encoder escapes '<', '>' and '&' (Go's encoding/json and other
    HTML-safe encoders) answer with \\u003cPERSON_1\\u003e: the client still gets the
    original values back, in buffered and in streamed answers."""

    PROVIDERS = {"heygen": {"base_url": "{upstream}", "pii": "pseudonymize", "accepts": []}}
    KEY_SCOPES = ["*"]
    TEXT = f"My name is Ada Lovelace, mail {EMAIL}."

    def test_buffered_json_answer_with_escaped_tokens_is_restored(self):
        tokens = {}

        def answer(request):
            sent = json.loads(request.body)["video_inputs"][0]["voice"]["input_text"]
            for kind in ("PERSON", "EMAIL"):
                start = sent.index(f"<{kind}_")
                tokens[kind] = sent[start:sent.index(">", start) + 1]
            echo = f"Dear {tokens['PERSON']} & {tokens['EMAIL']} <b>hi</b>"
            return Reply(200, body=go_json({"data": {"echo": echo}, "error": None}))
        self.upstream.default = answer
        response = self.gateway.request(
            "POST", GENERATE_PATH, headers={**bearer(self.key), "Content-Type": "application/json"},
            body=generate_body(self.TEXT))
        self.assertEqual(response.status, 200, response)
        sent = self.upstream.requests[-1].body.decode()
        self.assertNotIn("Lovelace", sent)
        self.assertNotIn(EMAIL, sent)
        self.assertEqual(tokens["PERSON"], "<PERSON_1>")
        self.assertIn(b"\\u003cb\\u003e", response.body)  # the vendor's own escapes stay
        self.assertNotIn(b"PERSON_", response.body)
        self.assertNotIn(b"EMAIL_", response.body)
        self.assertEqual(response.json()["data"]["echo"],
                         f"Dear Ada Lovelace & {EMAIL} <b>hi</b>")

    def test_streamed_answer_with_escaped_tokens_split_across_reads_is_restored(self):
        def pieces(_body):  # the tokens of a request's first two findings
            message = b"data: " + go_json({"type": "message",
                                           "text": "Hi <PERSON_1> & <EMAIL_1>"}) + b"\n\n"
            cut = message.index(b"PERS") + 2  # a read ends inside the escaped token
            first = b"data: " + go_json({"choices": [{"index": 0,
                                                      "delta": {"content": "to <PER"}}]})
            second = b"data: " + go_json({"choices": [{"index": 0,
                                                       "delta": {"content": "SON_1>!"}}]})
            return [delta_event("Hello"), message[:cut], message[cut:], first + b"\n\n",
                    second + b"\n\n", b"data: [DONE]\n\n"]
        vendor = SseVendor(pieces)
        vendor.release.set()
        gateway, key = start_streaming_gateway(self, vendor)
        body = json.dumps({"model": "gpt-4o", "stream": True,
                           "messages": [{"role": "user", "content": self.TEXT}]}).encode()
        response = gateway.request("POST", "/openai/v1/chat/completions", body=body,
                                   headers={**bearer(key), "Content-Type": "application/json"})
        self.assertEqual(response.status, 200, response)
        self.assertNotIn(EMAIL, vendor.received[0].decode())
        self.assertIn("<PERSON_1>", vendor.received[0].decode())
        self.assertIn("<EMAIL_1>", vendor.received[0].decode())
        stream = response.body.decode()
        self.assertNotIn("PERSON_", stream)
        self.assertNotIn("EMAIL_", stream)
        self.assertNotIn("u003cPER", stream)
        events = [json.loads(line[6:]) for line in stream.splitlines()
                  if line.startswith("data: {")]
        messages = [e["text"] for e in events if e.get("type") == "message"]
        self.assertEqual(messages, [f"Hi Ada Lovelace & {EMAIL}"])
        deltas = "".join(e["choices"][0]["delta"].get("content", "") for e in events
                         if "choices" in e)
        self.assertEqual(deltas, "Helloto Ada Lovelace!")
        self.assertTrue(stream.rstrip().endswith("data: [DONE]"), stream)


if __name__ == "__main__":
    unittest.main()
