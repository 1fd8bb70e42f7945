"""Operating the binary: the CLI's refusals, the master key's mode, /metrics, access logs."""

import json
import os
import subprocess
import tempfile
import time
import unittest

from harness import (BULWARK_BIN, VENDOR_SECRETS, Gateway, GatewayTestCase, Reply, bearer,
                     run_bulwark, wait_until)

STATUS_PATH = "/heygen/v1/video_status.get?video_id=abc"


class CommandLineTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="bulwark-e2e-cli-")
        self.addCleanup(self.tmp.cleanup)
        self.dir = self.tmp.name

    def init(self):
        return run_bulwark(["init", "--dir", self.dir])

    def test_init_writes_config_and_a_private_master_key_and_prints_an_admin_token(self):
        result = self.init()
        self.assertEqual(result.returncode, 0, result.stderr)
        printed = json.loads(result.stdout)
        self.assertTrue(printed["admin_token"])
        self.assertEqual(os.path.realpath(printed["config"]),
                         os.path.realpath(os.path.join(self.dir, "bulwark.toml")))
        mode = os.stat(os.path.join(self.dir, "var", "master.key")).st_mode & 0o777
        self.assertEqual(mode, 0o600)

    def test_init_refuses_to_overwrite_an_existing_config(self):
        self.assertEqual(self.init().returncode, 0)
        config = os.path.join(self.dir, "bulwark.toml")
        with open(config) as f:
            before = f.read()
        result = self.init()
        self.assertEqual(result.returncode, 2, result.stderr)
        with open(config) as f:
            self.assertEqual(f.read(), before)

    def test_keys_create_without_a_scope_exits_2(self):
        self.assertEqual(self.init().returncode, 0)
        config = os.path.join(self.dir, "bulwark.toml")
        result = run_bulwark(["--config", config, "keys", "create", "--name", "noscope"])
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertNotIn("bwk_", result.stdout)
        listed = run_bulwark(["--config", config, "keys", "list"])
        self.assertNotIn("noscope", listed.stdout)

    def test_config_with_an_unknown_key_is_refused_with_exit_2(self):
        self.assertEqual(self.init().returncode, 0)
        config = os.path.join(self.dir, "bulwark.toml")
        with open(config, "a") as f:
            f.write('\n[server2]\nlisten = "127.0.0.1:1"\n')
        result = run_bulwark(["--config", config, "keys", "list"])
        self.assertEqual(result.returncode, 2, result.stderr)

    def test_secrets_are_never_printed(self):
        self.assertEqual(self.init().returncode, 0)
        config = os.path.join(self.dir, "bulwark.toml")
        secret = "very-secret-vendor-value-123456"
        result = run_bulwark(["--config", config, "secrets", "set", "heygen"],
                             stdin=secret + "\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        listed = run_bulwark(["--config", config, "secrets", "list"])
        self.assertEqual(listed.returncode, 0)
        self.assertIn("heygen", listed.stdout)
        self.assertNotIn(secret, listed.stdout + listed.stderr + result.stdout + result.stderr)

    def test_serve_refuses_a_master_key_readable_by_others(self):
        gateway = Gateway({"heygen": {"base_url": "http://127.0.0.1:9"}})
        self.addCleanup(gateway.cleanup)
        gateway.prepare()
        os.chmod(os.path.join(gateway.dir, "var", "master.key"), 0o644)
        process = subprocess.run([BULWARK_BIN, "--config", gateway.config_path, "serve"],
                                 capture_output=True, text=True, timeout=15)
        self.assertNotEqual(process.returncode, 0)
        self.assertIn("master", process.stderr.lower())


class OperationsTest(GatewayTestCase):
    KEY_SCOPES = ["*"]

    def test_metrics_are_refused_without_an_admin_token(self):
        self.assertContractError(self.gateway.admin_request("GET", "/metrics"), 401,
                                 "unauthenticated")

    def test_metrics_are_refused_with_a_client_key(self):
        response = self.gateway.admin_request("GET", "/metrics", headers=bearer(self.key))
        self.assertIn(response.status, (401, 403), response)

    def test_metrics_are_served_with_an_admin_token(self):
        self.gateway.request("GET", STATUS_PATH, headers=bearer(self.key))
        response = self.gateway.admin_request("GET", "/metrics",
                                              headers=bearer(self.gateway.admin_token))
        self.assertEqual(response.status, 200, response)
        self.assertIn(b"bulwark_requests_total", response.body)
        self.assertIn(b"heygen", response.body)

    def test_metrics_are_served_with_an_auditor_token(self):
        token = json.loads(self.gateway.cli("admin", "tokens", "create", "--role",
                                            "auditor").stdout)["token"]
        # Admin tokens made by the CLI reach a running serve by polling, like keys.
        wait_until(lambda: self.gateway.admin_request(
            "GET", "/metrics", headers=bearer(token)).status == 200, 2.0)
        response = self.gateway.admin_request("GET", "/metrics", headers=bearer(token))
        self.assertEqual(response.status, 200, response)

    def test_metrics_are_not_on_the_data_plane(self):
        response = self.gateway.request("GET", "/metrics",
                                        headers=bearer(self.gateway.admin_token))
        self.assertNotIn(b"bulwark_requests_total", response.body)

    def test_metrics_can_be_made_public(self):
        gateway = Gateway({"heygen": {"base_url": self.upstream.url}},
                          extra_tables={"admin": {"metrics_public": True}}).start()
        self.addCleanup(gateway.cleanup)
        response = gateway.admin_request("GET", "/metrics")
        self.assertEqual(response.status, 200, response)
        self.assertIn(b"bulwark_requests_total", response.body)

    def access_log_records(self, at_least):
        wait_until(lambda: len(self.gateway.stdout().splitlines()) >= at_least, 3.0)
        return [line for line in self.gateway.stdout().splitlines() if line.strip()]

    def test_access_log_lines_are_json_with_request_ids_and_no_secrets(self):
        secret = VENDOR_SECRETS["heygen"]
        self.upstream.default = Reply(200, body=f'{{"echo":"{secret}"}}'.encode(),
                                      headers=[("X-Echo", secret)])
        before = len(self.access_log_records(0))
        ok = self.gateway.request("GET", STATUS_PATH, headers=bearer(self.key))
        refused = self.gateway.request("GET", STATUS_PATH, headers={"X-Api-Key": self.key + "x"})
        self.assertEqual(ok.status, 200)
        self.assertEqual(refused.status, 401)
        lines = self.access_log_records(before + 2)
        self.assertGreaterEqual(len(lines), before + 2)
        records = [json.loads(line) for line in lines]  # every line is JSON
        by_id = {r.get("request_id"): r for r in records}
        for response in (ok, refused):
            self.assertIn(response.header("X-Request-Id"), by_id)
        self.assertEqual(by_id[ok.header("X-Request-Id")].get("status"), 200)
        self.assertEqual(by_id[refused.header("X-Request-Id")].get("status"), 401)
        whole = self.gateway.stdout() + self.gateway.stderr()
        self.assertNotIn(self.key, whole)
        self.assertNotIn(self.key[4:], whole)
        for value in VENDOR_SECRETS.values():
            self.assertNotIn(value, whole)

    def test_store_holds_neither_client_keys_nor_vendor_secrets_in_plain_text(self):
        var = os.path.join(self.gateway.dir, "var")
        stored = b""
        for name in os.listdir(var):
            with open(os.path.join(var, name), "rb") as f:
                stored += f.read()
        self.assertNotIn(self.key.encode(), stored)
        self.assertNotIn(self.key[4:].encode(), stored)
        for value in VENDOR_SECRETS.values():
            self.assertNotIn(value.encode(), stored)

    def test_sigterm_drains_and_exits_0(self):
        gateway = Gateway({"heygen": {"base_url": self.upstream.url}}).start()
        self.addCleanup(gateway.cleanup)
        started = time.monotonic()
        self.assertEqual(gateway.stop(), 0)
        self.assertLess(time.monotonic() - started, 10)


if __name__ == "__main__":
    unittest.main()
