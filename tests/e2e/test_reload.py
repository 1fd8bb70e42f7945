"""SIGHUP reloads the whole configuration (issue 4): routes, upstream URLs, PII policies,
new providers, the access log and the log level change without a restart and without
dropping a request; a bad file changes nothing; keys only read at start-up are named in a
warning and keep their value."""

import json
import os
import signal
import threading
import unittest

from harness import ContractAssertions, FakeUpstream, Gateway, Reply, bearer, wait_until

VOICES = "/heygen/v2/voices"
GENERATE = "/heygen/v2/video/generate"


def script(text):
    return json.dumps({"video_inputs": [{"voice": {"type": "text", "input_text": text}}]}).encode()


class ReloadTest(ContractAssertions, unittest.TestCase):
    def setUp(self):
        self.old = FakeUpstream()
        self.new = FakeUpstream()
        self.gateway = None

    def tearDown(self):
        if self.gateway is not None:
            self.gateway.cleanup()
        self.old.close()
        self.new.close()

    def start(self, providers=None, **kwargs):
        self.gateway = Gateway(providers or {"heygen": {"base_url": self.old.url}},
                               **kwargs).start()
        _, self.key = self.gateway.create_key(["*"])
        self.gateway.wait_for_key(self.key)

    def reload(self, expect="configuration reloaded"):
        """Sends SIGHUP and waits until stderr says `expect` once more than before."""
        before = self.gateway.stderr().count(expect)
        self.gateway.process.send_signal(signal.SIGHUP)
        self.assertTrue(wait_until(lambda: self.gateway.stderr().count(expect) > before, 5),
                        self.gateway.stderr())

    def get(self, path=VOICES, **kwargs):
        return self.gateway.request("GET", path, headers=bearer(self.key), **kwargs)

    def test_changed_base_url_takes_the_next_request_while_one_in_flight_finishes_on_the_old(self):
        self.start()
        self.old.enqueue(Reply(200, body=b'{"from":"old-slow"}', delay=1.5))
        slow = {}
        t = threading.Thread(target=lambda: slow.setdefault("r", self.get(timeout=20)))
        t.start()
        self.old.wait_for_requests(1)
        self.gateway.providers["heygen"]["base_url"] = self.new.url
        self.gateway.write_config()
        self.reload()
        self.new.default = Reply(200, body=b'{"from":"new"}')
        after = self.get()
        self.assertEqual((after.status, after.body), (200, b'{"from":"new"}'))
        self.assertEqual(len(self.new.requests), 1)
        self.assertEqual(self.new.requests[0].path, "/v2/voices")
        t.join(20)
        self.assertEqual((slow["r"].status, slow["r"].body), (200, b'{"from":"old-slow"}'))
        self.assertEqual(len(self.old.requests), 1, "the new request went to the old upstream")
        self.assertIsNone(self.gateway.process.poll(), "serve exited on SIGHUP")

    def test_pii_policy_changed_from_allow_to_redact(self):
        self.start()
        body = script("write to jane.doe@example.com")
        self.assertEqual(self.gateway.request("POST", GENERATE, body=body, headers={
            **bearer(self.key), "Content-Type": "application/json"}).status, 200)
        self.assertIn(b"jane.doe@example.com", self.old.requests[0].body)
        self.gateway.providers["heygen"]["pii"] = "redact"
        self.gateway.write_config()
        self.reload()
        self.assertEqual(self.gateway.request("POST", GENERATE, body=body, headers={
            **bearer(self.key), "Content-Type": "application/json"}).status, 200)
        sent = self.old.requests[1].body
        self.assertIn(b"write to [EMAIL]", sent)
        self.assertNotIn(b"jane.doe", sent)

    def test_invalid_file_keeps_the_running_config_and_stderr_names_the_problem(self):
        self.start()
        # Loads as TOML with known keys, but the URL does not validate: refused as a whole,
        # so the PII change in the same file is not applied either.
        self.gateway.providers["heygen"].update({"base_url": "ftp://nowhere", "pii": "block"})
        self.gateway.write_config()
        self.reload(expect="not reloaded")
        self.assertIn("providers.heygen.base_url", self.gateway.stderr())
        self.assertEqual(self.get().status, 200)
        self.assertEqual(len(self.old.requests), 1)
        body = script("mail jane.doe@example.com")
        self.assertEqual(self.gateway.request("POST", GENERATE, body=body, headers={
            **bearer(self.key), "Content-Type": "application/json"}).status, 200)
        # A file that is not TOML at all.
        with open(self.gateway.config_path, "a") as f:
            f.write("\n[server\n")
        self.reload(expect="not reloaded")
        self.assertEqual(self.get().status, 200)
        self.assertEqual(len(self.old.requests), 3)
        self.assertIsNone(self.gateway.process.poll())

    def test_refused_base_url_is_named_but_its_credentials_are_not_echoed(self):
        self.start()
        self.gateway.providers["heygen"]["base_url"] = "https://vendor:hunter2@nowhere.example"
        self.gateway.write_config()
        self.reload(expect="not reloaded")
        self.assertIn("providers.heygen.base_url", self.gateway.stderr())
        self.assertNotIn("hunter2", self.gateway.stderr() + self.gateway.stdout())
        self.assertEqual(self.get().status, 200)

    def test_listen_port_change_is_refused_with_a_warning_and_the_rest_applies(self):
        self.start()
        port = self.gateway.port
        self.gateway.server["listen"] = "127.0.0.1:1"
        self.gateway.providers["heygen"]["base_url"] = self.new.url
        self.gateway.write_config()
        self.reload()
        self.assertRegex(self.gateway.stderr(), r"warning: server\.listen changed but needs a restart")
        self.assertEqual(self.get().status, 200)  # still on the old port ...
        self.assertEqual(self.gateway.port, port)
        self.assertEqual((len(self.old.requests), len(self.new.requests)), (0, 1))  # ... new URL

    def test_new_provider_is_served_with_its_own_limits(self):
        self.start()
        self.assertContractError(self.get("/second/v2/voices"), 404, "route_not_allowed")
        self.gateway.providers["second"] = {"profile": "heygen", "secret": "heygen",
                                            "base_url": self.new.url, "rate": ["1/m"]}
        self.gateway.write_config()
        self.reload()
        self.assertEqual(self.get("/second/v2/voices").status, 200)
        self.assertContractError(self.get("/second/v2/voices"), 429, "rate_limited")
        self.assertEqual(len(self.new.requests), 1)
        self.assertEqual(self.get().status, 200)  # the first provider is not limited by it

    def test_access_log_is_reopened_for_logrotate_and_log_level_applies(self):
        self.start(extra_tables={"log": {"access": "access.log"}})
        log = os.path.join(self.gateway.dir, "access.log")

        def calls(path):  # access-log lines of our voices.list calls in that file
            if not os.path.exists(path):
                return 0
            with open(path) as f:
                return sum('"operation":"voices.list"' in line for line in f)
        self.assertEqual(self.get().status, 200)
        self.assertTrue(wait_until(lambda: calls(log) == 1, 3))
        os.rename(log, log + ".1")  # what logrotate does
        self.reload()
        self.assertEqual(self.get().status, 200)
        self.assertTrue(wait_until(lambda: calls(log) == 1, 3), "no new access log after SIGHUP")
        self.assertEqual(calls(log + ".1"), 1)
        # Log level: info lines ("configuration reloaded" on stdout) stop at "warn".
        self.assertIn("SIGHUP: configuration reloaded", self.gateway.stdout())
        self.gateway.extra_tables["log"]["level"] = "warn"
        self.gateway.write_config()
        self.reload()
        before = self.gateway.stdout().count("SIGHUP: configuration reloaded")
        self.reload()
        self.assertEqual(self.gateway.stdout().count("SIGHUP: configuration reloaded"), before)


if __name__ == "__main__":
    unittest.main()
