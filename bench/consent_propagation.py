#!/usr/bin/env python3
"""How long a `bulwark consent grant` / `revoke` takes to reach a running gateway.

    BULWARK_BIN=build/bulwark python3 bench/consent_propagation.py [ROUNDS]

Starts one `serve` (with a recording fake vendor) whose provider requires consent, then
alternates grant and revoke, timing from the CLI's exit to the first 200 / 403.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from harness import FakeUpstream, Gateway, bearer  # noqa: E402


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    upstream = FakeUpstream()
    gateway = Gateway({"heygen": {"base_url": upstream.url, "require_consent": "video"}}).start()
    try:
        _, key = gateway.create_key(scopes=["*"])
        gateway.wait_for_key(key)
        headers = {**bearer(key), "X-Bulwark-Subject": "subject-1"}
        grant, revoke = [], []
        for _ in range(rounds):
            for action, status, times in (("grant", 200, grant), ("revoke", 403, revoke)):
                gateway.cli("consent", action, "subject-1", "--purpose", "video")
                started = time.monotonic()
                while gateway.request("GET", "/heygen/v2/avatars", headers=headers).status != status:
                    time.sleep(0.005)
                times.append(time.monotonic() - started)
        for name, times in (("grant -> 200", grant), ("revoke -> 403", revoke)):
            print(f"{name}: max {max(times) * 1000:.0f} ms, mean "
                  f"{sum(times) / len(times) * 1000:.0f} ms over {rounds} rounds")
    finally:
        gateway.cleanup()
        upstream.close()


if __name__ == "__main__":
    main()
