"""Ownership of vendor objects (OWASP API1): HeyGen videos created through bulwark belong
to the tenant of the key that created them. Against the real `bulwark sandbox`."""

import json
import os
import subprocess
import time
import unittest

from harness import BULWARK_BIN, ContractAssertions, Gateway, bearer, free_port
from test_sandbox_flow import GENERATE_BODY, HEYGEN_KEY, start_sandbox

V3_BODY = json.dumps({"type": "avatar", "avatar_id": "Daisy-inskirt-20220818",
                      "script": "Hello from globex", "voice_id": "2d5b0e6cf36f460aa7fc47e3eee4ba54",
                      "test": True}).encode()


class OwnershipTest(ContractAssertions, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        port = free_port()
        cls.sandbox = start_sandbox(port)
        cls.sandbox_url = f"http://127.0.0.1:{port}"
        cls.gateway = Gateway({"heygen": {"base_url": cls.sandbox_url + "/heygen",
                                          "ownership": True}},
                              secrets={"heygen": HEYGEN_KEY}).start()
        cls.acme = cls.key_for("acme")
        cls.acme_second = cls.key_for("acme")
        cls.globex = cls.key_for("globex")
        for key in (cls.acme, cls.acme_second, cls.globex):
            cls.gateway.wait_for_key(key)

    @classmethod
    def key_for(cls, tenant):
        created = json.loads(cls.gateway.cli("keys", "create", "--name", tenant, "--scope",
                                             "heygen:*", "--tenant", tenant).stdout)
        return created["key"]

    @classmethod
    def tearDownClass(cls):
        cls.gateway.cleanup()
        cls.sandbox.terminate()
        cls.sandbox.wait(timeout=10)
        cls.sandbox.stderr.close()

    def call(self, key, method, path, body=None, port=None):
        headers = {**bearer(key), "Content-Type": "application/json"}
        return self.gateway.request(method, path, headers=headers, body=body, port=port)

    def generate(self, key):
        response = self.call(key, "POST", "/heygen/v2/video/generate", GENERATE_BODY)
        self.assertEqual(response.status, 200, response)
        return response.json()["data"]["video_id"]

    def create_v3(self, key):
        response = self.call(key, "POST", "/heygen/v3/videos", V3_BODY)
        self.assertEqual(response.status, 200, response)
        data = response.json()["data"]
        return data.get("video_id") or data["id"]

    def test_another_tenant_reading_a_video_status_gets_404_and_never_the_object(self):
        video_id = self.generate(self.acme)
        own = self.call(self.acme, "GET", f"/heygen/v1/video_status.get?video_id={video_id}")
        self.assertEqual(own.status, 200, own)
        self.assertEqual(own.json()["data"]["id"], video_id)
        # Another key of the same tenant: ownership is tenant-wide.
        same_tenant = self.call(self.acme_second, "GET",
                                f"/heygen/v1/video_status.get?video_id={video_id}")
        self.assertEqual(same_tenant.status, 200, same_tenant)

        other = self.call(self.globex, "GET", f"/heygen/v1/video_status.get?video_id={video_id}")
        body = self.assertContractError(other, 404, "not_found")
        self.assertNotIn(video_id, other.body.decode())
        self.assertIsNone(body["data"])
        # Through the v3 object path and with an encoded parameter name, the same.
        self.assertContractError(self.call(self.globex, "GET", f"/heygen/v3/videos/{video_id}"),
                                 404, "not_found")
        self.assertContractError(
            self.call(self.globex, "GET", f"/heygen/v1/video_status.get?video%5Fid={video_id}"),
            404, "not_found")

    def test_another_tenant_cannot_delete_and_the_video_survives(self):
        video_id = self.generate(self.acme)
        self.assertContractError(self.call(self.globex, "DELETE", f"/heygen/v3/videos/{video_id}"),
                                 404, "not_found")
        self.assertContractError(
            self.call(self.globex, "DELETE", f"/heygen/v1/video.delete?video_id={video_id}"),
            404, "not_found")
        still = self.call(self.acme, "GET", f"/heygen/v3/videos/{video_id}")
        self.assertEqual(still.status, 200, still)
        gone = self.call(self.acme, "DELETE", f"/heygen/v3/videos/{video_id}")
        self.assertEqual(gone.status, 200, gone)

    def test_unknown_ids_and_repeated_parameters_are_refused(self):
        self.assertContractError(
            self.call(self.acme, "GET", "/heygen/v1/video_status.get?video_id=not-ours"),
            404, "not_found")
        video_id = self.generate(self.acme)
        # Two ids: bulwark cannot know which one the vendor would read.
        self.assertContractError(
            self.call(self.acme, "GET",
                      f"/heygen/v1/video_status.get?video_id={video_id}&video_id=other"),
            400, "invalid_request")

    def test_lists_show_only_the_callers_own_videos(self):
        acme_video = self.generate(self.acme)
        globex_video = self.create_v3(self.globex)
        for key, mine, theirs in ((self.acme, acme_video, globex_video),
                                  (self.globex, globex_video, acme_video)):
            v1 = self.call(key, "GET", "/heygen/v1/video.list")
            self.assertEqual(v1.status, 200, v1)
            ids = [v["video_id"] for v in v1.json()["data"]["videos"]]
            self.assertIn(mine, ids)
            self.assertNotIn(theirs, ids)
            v3 = self.call(key, "GET", "/heygen/v3/videos?limit=100")
            self.assertEqual(v3.status, 200, v3)
            ids = [v["id"] for v in v3.json()["data"]]
            self.assertIn(mine, ids)
            self.assertNotIn(theirs, ids)

    def test_a_video_created_on_one_node_is_readable_through_another_within_1s(self):
        second_port, second_admin = free_port(), free_port()
        with open(self.gateway.config_path) as f:
            text = f.read().replace(f"127.0.0.1:{self.gateway.port}", f"127.0.0.1:{second_port}")
            text = text.replace(f"127.0.0.1:{self.gateway.admin_port}",
                                f"127.0.0.1:{second_admin}")
        config = os.path.join(self.gateway.dir, "second.toml")
        with open(config, "w") as f:
            f.write(text)
        second = subprocess.Popen([BULWARK_BIN, "--config", config, "serve"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: (second.terminate(), second.wait()))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.gateway.request("GET", "/healthz", port=second_port).status == 200:
                    break
            except OSError:
                time.sleep(0.05)
        video_id = self.generate(self.acme)
        created = time.monotonic()
        path = f"/heygen/v1/video_status.get?video_id={video_id}"
        while time.monotonic() - created < 3:
            if self.call(self.acme, "GET", path, port=second_port).status == 200:
                break
            time.sleep(0.01)
        elapsed = time.monotonic() - created
        print(f"\nownership reached the second node {elapsed * 1000:.0f} ms after the create")
        self.assertLess(elapsed, 1.0)
        self.assertContractError(self.call(self.globex, "GET", path, port=second_port), 404,
                                 "not_found")


if __name__ == "__main__":
    unittest.main()
