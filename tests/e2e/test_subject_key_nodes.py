"""Subject keys across gateway nodes (issue 6 follow-up): two `bulwark serve` processes on
one store. A subject first seen on node A gets the same key on node B (same PII tokens at
the vendor), and `subjects erase` reaches both nodes within a second, after which both
agree on the subject's new, unlinkable key. Creating a subject key no longer bumps the
store version; B finds A's key by following the store (or by one lookup on a miss)."""

import os
import re
import unittest

from harness import Gateway, GatewayTestCase, bearer, wait_until, toml_table

GENERATE = "/heygen/v2/video/generate"
EMAIL = "jane.doe@example.com"


def script(text):
    return ('{"video_inputs": [{"character": {"type": "avatar", "avatar_id": "a1"}, '
            '"voice": {"type": "text", "voice_id": "v1", "input_text": "%s"}}]}' % text).encode()


class SecondNode(Gateway):
    """Another serve process on the first node's store and master key."""

    def __init__(self, providers, first: Gateway):
        super().__init__(providers, secrets={})
        self.first = first

    def write_config(self) -> None:
        super().write_config()
        with open(self.config_path) as f:
            text = f.read()
        store = os.path.join(self.first.dir, "var", "bulwark.db")
        master = os.path.join(self.first.dir, "var", "master.key")
        text = text.replace(toml_table("store", {"url": "sqlite://var/bulwark.db"}),
                            toml_table("store", {"url": "sqlite://" + store}))
        text = text.replace(toml_table("secrets", {"master_key_file": "var/master.key"}),
                            toml_table("secrets", {"master_key_file": master}))
        with open(self.config_path, "w") as f:
            f.write(text)


class SubjectKeysAcrossNodesTest(GatewayTestCase):
    """cls.gateway is node A; cls.b, a second serve process on A's store, is node B."""

    PROVIDERS = {"heygen": {"base_url": "{upstream}", "pii": "pseudonymize", "accepts": []}}
    KEY_SCOPES = ["*"]

    b = None

    @classmethod
    def start_more(cls):
        cls.a = cls.gateway
        cls.b = SecondNode(cls.providers(cls.upstream.url), cls.a).start()
        cls.b.wait_for_key(cls.key)

    @classmethod
    def _stop_shared(cls):
        if cls.b is not None:
            cls.b.cleanup()
        super()._stop_shared()

    def token_via(self, node, subject):
        """The PII token the vendor received for EMAIL in a request through `node`."""
        before = len(self.upstream.requests)
        response = node.request("POST", GENERATE, body=script(f"mail {EMAIL} today"),
                                headers={**bearer(self.key), "Content-Type": "application/json",
                                         "X-Bulwark-Subject": subject})
        self.assertEqual(response.status, 200, response)
        sent = self.upstream.wait_for_requests(before + 1)[-1].body.decode()
        self.assertNotIn(EMAIL, sent)
        tokens = re.findall(r"<EMAIL_[^>]+>", sent)
        self.assertEqual(len(tokens), 1, sent)
        return tokens[0]

    def test_first_seen_subject_on_a_gets_the_same_key_on_b_at_once(self):
        on_a = self.token_via(self.a, "first-seen-on-a")
        on_b = self.token_via(self.b, "first-seen-on-a")  # before or after B's next poll
        self.assertEqual(on_b, on_a)
        self.assertEqual(self.token_via(self.a, "first-seen-on-a"), on_a)
        # Another subject's tokens differ (the key is per subject).
        self.assertNotEqual(self.token_via(self.b, "someone-else"), on_a)

    def test_erase_reaches_both_nodes_within_a_second_and_both_agree_on_the_new_key(self):
        old = self.token_via(self.a, "to-be-erased")
        self.assertEqual(self.token_via(self.b, "to-be-erased"), old)
        erased = self.a.cli("subjects", "erase", "to-be-erased").stdout
        self.assertIn('"key"', erased)
        # Both nodes stop using the erased key within a second (one poll is 250 ms).
        self.assertTrue(wait_until(lambda: self.token_via(self.b, "to-be-erased") != old, 1.0))
        self.assertTrue(wait_until(lambda: self.token_via(self.a, "to-be-erased") != old, 1.0))
        new_b = self.token_via(self.b, "to-be-erased")
        new_a = self.token_via(self.a, "to-be-erased")
        self.assertEqual(new_a, new_b)
        self.assertNotEqual(new_a, old)


if __name__ == "__main__":
    unittest.main()
