"""The whole offline flow: `bulwark sandbox` as the vendor, `bulwark serve` in front of it."""

import json
import subprocess
import time
import unittest

from harness import BULWARK_BIN, ContractAssertions, Gateway, bearer, free_port

HEYGEN_KEY = "sandbox-heygen-key-5b1c"
WRITESONIC_KEY = "sandbox-writesonic-key-8e2d"
GENERATE_BODY = json.dumps({
    "video_inputs": [{
        "character": {"type": "avatar", "avatar_id": "Daisy-inskirt-20220818",
                      "avatar_style": "normal"},
        "voice": {"type": "text", "voice_id": "2d5b0e6cf36f460aa7fc47e3eee4ba54",
                  "input_text": "Hello from the sandbox"}}],
    "test": True}).encode()


def start_sandbox(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [BULWARK_BIN, "sandbox", "--listen", f"127.0.0.1:{port}", "--heygen-key", HEYGEN_KEY,
         "--writesonic-key", WRITESONIC_KEY, "--video-seconds", "3"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    line = process.stderr.readline()  # "sandbox listening on http://HOST:PORT"
    if "listening" not in line:
        process.kill()
        raise RuntimeError(f"sandbox did not start: {line}{process.stderr.read()}")
    return process


class SandboxFlowTest(ContractAssertions, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        port = free_port()
        cls.sandbox = start_sandbox(port)
        url = f"http://127.0.0.1:{port}"
        cls.gateway = Gateway(
            {"heygen": {"base_url": url + "/heygen", "pii": "redact", "ownership": True},
             "writesonic": {"base_url": url + "/writesonic", "pii": "redact"},
             "misconfigured": {"profile": "heygen", "base_url": url + "/heygen",
                               "secret": "wrong-heygen"}},
            secrets={"heygen": HEYGEN_KEY, "writesonic": WRITESONIC_KEY,
                     "wrong-heygen": "not-the-sandbox-key"}).start()
        cls.key_id, cls.key = cls.gateway.create_key(
            ["heygen:video.generate", "heygen:video.status", "writesonic:chatsonic",
             "misconfigured:*"])
        cls.gateway.wait_for_key(cls.key)

    @classmethod
    def tearDownClass(cls):
        cls.gateway.cleanup()
        cls.sandbox.terminate()
        cls.sandbox.wait(timeout=10)
        cls.sandbox.stderr.close()

    def call(self, method, path, body=None, headers=None):
        all_headers = {**bearer(self.key), "Content-Type": "application/json"}
        all_headers.update(headers or {})
        return self.gateway.request(method, path, body=body, headers=all_headers)

    def test_generated_video_completes_through_the_gateway(self):
        created = self.call("POST", "/heygen/v2/video/generate", GENERATE_BODY)
        self.assertEqual(created.status, 200, created)
        video_id = created.json()["data"]["video_id"]
        self.assertTrue(video_id)
        seen_statuses = []
        deadline = time.monotonic() + 10
        status = None
        while time.monotonic() < deadline:
            polled = self.call("GET", f"/heygen/v1/video_status.get?video_id={video_id}")
            self.assertEqual(polled.status, 200, polled)
            data = polled.json()["data"]
            status = data["status"]
            if not seen_statuses or seen_statuses[-1] != status:
                seen_statuses.append(status)
            if status == "completed":
                self.assertTrue(data["video_url"].startswith("http"), data)
                break
            self.assertIsNone(data["video_url"])
            time.sleep(0.25)
        self.assertEqual(status, "completed", f"statuses seen: {seen_statuses}")
        self.assertEqual(seen_statuses[0], "pending", seen_statuses)
        self.assertIn("processing", seen_statuses)

    def test_the_client_can_use_the_heygen_header_like_the_vendor_sdk(self):
        response = self.gateway.request(
            "POST", "/heygen/v2/video/generate", body=GENERATE_BODY,
            headers={"X-Api-Key": self.key, "Content-Type": "application/json"})
        self.assertEqual(response.status, 200, response)

    def test_writesonic_chatsonic_call_works_through_the_gateway(self):
        body = json.dumps({"enable_google_results": False, "enable_memory": False,
                           "input_text": "Write one sentence about lighthouses."}).encode()
        response = self.call("POST", "/writesonic/v2/business/content/chatsonic?engine=premium",
                             body)
        self.assertEqual(response.status, 200, response)
        answer = response.json()
        self.assertIsInstance(answer.get("message"), str, answer)
        self.assertTrue(answer["message"])
        self.assertNotIn(WRITESONIC_KEY.encode(), response.body)

    def test_scope_still_applies_against_the_sandbox(self):
        response = self.call("GET", "/heygen/v2/avatars")
        self.assertContractError(response, 403, "forbidden")

    def test_wrong_vendor_key_gives_502_upstream_auth_failed(self):
        response = self.call("POST", "/misconfigured/v2/video/generate", GENERATE_BODY)
        self.assertContractError(response, 502, "upstream_auth_failed")
        self.assertNotIn(b"not-the-sandbox-key", response.body)

    def test_replacing_the_vendor_key_with_a_wrong_one_reaches_the_running_gateway(self):
        # An avatar listing is harmless to repeat (a generate would make videos).
        list_path = "/heygen/v2/avatars"
        _, key = self.gateway.create_key(["heygen:avatars.list"])
        self.gateway.wait_for_key(key)

        def call():
            return self.gateway.request("GET", list_path, headers=bearer(key))
        try:
            self.gateway.cli("secrets", "set", "heygen", stdin="a-wrong-key\n")
            deadline = time.monotonic() + 3
            response = call()
            while response.status != 502 and time.monotonic() < deadline:
                time.sleep(0.05)
                response = call()
            self.assertContractError(response, 502, "upstream_auth_failed")
        finally:
            self.gateway.cli("secrets", "set", "heygen", stdin=HEYGEN_KEY + "\n")
            deadline = time.monotonic() + 3
            while call().status == 502 and time.monotonic() < deadline:
                time.sleep(0.05)


if __name__ == "__main__":
    unittest.main()
