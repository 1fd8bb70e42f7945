"""Drives the real bulwark binary for end-to-end tests.

Each Gateway lives in its own temporary folder with its own free ports, so test modules can
run in parallel. The binary comes from $BULWARK_BIN (default <repo>/build/bulwark).
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from typing import Dict, Iterable, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "support"))

from fake_upstream import FakeUpstream, RecordedRequest, Reply  # noqa: E402,F401

BULWARK_BIN = os.environ.get("BULWARK_BIN", os.path.join(REPO, "build", "bulwark"))

# Vendor secrets the tests store; long and distinctive so that a leak is unambiguous.
VENDOR_SECRETS = {
    "heygen": "hg-vendor-secret-7f3a9c2e41d84b6b",
    "writesonic": "ws-vendor-secret-0d5e8f1a2b3c4d5e",
    "openai": "sk-vendor-secret-9a8b7c6d5e4f3a2b",
}


# Every PII type of the contract (providers.X.accepts).
ALL_PII_TYPES = ("EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS", "API_KEY",
                 "URL_WITH_CREDENTIALS", "DATE_OF_BIRTH", "PERSON", "POSTAL_ADDRESS")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_bulwark(args: List[str], stdin: Optional[str] = None,
                timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([BULWARK_BIN] + args, input=stdin, capture_output=True, text=True,
                          timeout=timeout)


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value)


def toml_table(name: str, values: Dict) -> str:
    lines = [f"[{name}]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def header(self, name: str) -> Optional[str]:
        return self.headers.get(name)

    def __repr__(self):
        return f"<Response {self.status} {self.body[:300]!r}>"


class RawResult:
    """What came back on a raw socket: the bytes, the status code, whether the peer closed."""

    def __init__(self, data: bytes, closed: bool):
        self.data = data
        self.closed = closed
        first_line = data.split(b"\r\n", 1)[0]
        parts = first_line.split(b" ")
        self.status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None

    def __repr__(self):
        return f"<RawResult status={self.status} closed={self.closed} {self.data[:200]!r}>"


def send_raw(port: int, data: bytes, timeout: float = 3.0, pause_after_head: bool = False
             ) -> RawResult:
    """Sends `data` and reads until the server closes or `timeout` passes."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    received = b""
    closed = False
    try:
        try:
            sock.sendall(data)
        except OSError:
            pass  # the server may refuse before reading everything; read what it said
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            received += chunk
    finally:
        sock.close()
    return RawResult(received, closed)


class Gateway:
    """One `bulwark serve` in its own folder, configured by the test.

    providers: {"heygen": {"base_url": ..., ...}, ...}; `secret` defaults to the table name
    and `pii` to "allow" (with `accepts` listing every PII type) so that these tests see
    bytes unchanged unless they say otherwise.
    """

    def __init__(self, providers: Dict[str, Dict], server: Optional[Dict] = None,
                 extra_tables: Optional[Dict[str, Dict]] = None,
                 secrets: Optional[Dict[str, str]] = None):
        self._tmp = tempfile.TemporaryDirectory(prefix="bulwark-e2e-")
        self.dir = self._tmp.name
        self.config_path = os.path.join(self.dir, "bulwark.toml")
        self.port = free_port()
        self.admin_port = free_port()
        self.providers = providers
        self.server = {"listen": f"127.0.0.1:{self.port}",
                       "admin_listen": f"127.0.0.1:{self.admin_port}",
                       "workers": 2}
        self.server.update(server or {})
        self.extra_tables = extra_tables or {}
        self.secrets = dict(VENDOR_SECRETS if secrets is None else secrets)
        self.process: Optional[subprocess.Popen] = None
        self.admin_token = None
        self.stdout_path = os.path.join(self.dir, "serve.stdout")
        self.stderr_path = os.path.join(self.dir, "serve.stderr")

    # ---- set-up -----------------------------------------------------------------------

    def prepare(self) -> "Gateway":
        """bulwark init, our own config over the starter one, and the vendor secrets."""
        result = run_bulwark(["init", "--dir", self.dir])
        if result.returncode != 0:
            raise RuntimeError(f"bulwark init failed: {result.stderr}")
        self.admin_token = json.loads(result.stdout)["admin_token"]
        self.write_config()
        for name, value in self.secrets.items():
            self.cli("secrets", "set", name, stdin=value + "\n")
        return self

    def write_config(self) -> None:
        text = toml_table("server", self.server)
        text += toml_table("store", {"url": "sqlite://var/bulwark.db"})
        text += toml_table("ratelimit", {"url": "memory://"})
        text += toml_table("secrets", {"master_key_file": "var/master.key"})
        for name, values in self.extra_tables.items():
            text += toml_table(name, values)
        for name, values in self.providers.items():
            # pii = "allow" only sends a type the vendor `accepts` (issue 5, default none):
            # accept every type so that allow means allow-all here.
            # Object ownership (issue 3) is on by default; these tests poll made-up video
            # ids, so it is off unless a test turns it on (test_ownership, test_sandbox_flow).
            table = {"secret": name, "pii": "allow", "accepts": list(ALL_PII_TYPES),
                     "ownership": False}
            table.update(values)
            text += toml_table(f"providers.{name}", table)
        with open(self.config_path, "w") as f:
            f.write(text)

    def start(self) -> "Gateway":
        if self.admin_token is None:
            self.prepare()
        with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
            self.process = subprocess.Popen(
                [BULWARK_BIN, "--config", self.config_path, "serve"], stdout=out, stderr=err)
        self.wait_until_healthy()
        return self

    def wait_until_healthy(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"bulwark serve exited with {self.process.returncode}: "
                                   f"{self.stderr()}")
            try:
                if self.request("GET", "/healthz", timeout=1).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"bulwark serve did not become healthy: {self.stderr()}")

    def stop(self) -> Optional[int]:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        code = self.process.returncode
        self.process = None
        return code

    def cleanup(self) -> None:
        self.stop()
        self._tmp.cleanup()

    def stderr(self) -> str:
        with open(self.stderr_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stdout(self) -> str:
        with open(self.stdout_path, "rb") as f:
            return f.read().decode(errors="replace")

    # ---- CLI --------------------------------------------------------------------------

    def cli(self, *args: str, stdin: Optional[str] = None, check: bool = True
            ) -> subprocess.CompletedProcess:
        result = run_bulwark(["--config", self.config_path] + list(args), stdin=stdin)
        if check and result.returncode != 0:
            raise RuntimeError(f"bulwark {' '.join(args)} exited {result.returncode}: "
                               f"{result.stderr}")
        return result

    def create_key(self, scopes: Iterable[str] = ("*",), allow_ips: Iterable[str] = (),
                   rates: Iterable[str] = (), expires_in: Optional[str] = None,
                   name: str = "e2e") -> Tuple[str, str]:
        args = ["keys", "create", "--name", name]
        for scope in scopes:
            args += ["--scope", scope]
        for cidr in allow_ips:
            args += ["--allow-ip", cidr]
        for rate in rates:
            args += ["--rate", rate]
        if expires_in:
            args += ["--expires-in", expires_in]
        created = json.loads(self.cli(*args).stdout)
        return created["id"], created["key"]

    def wait_for_key(self, key: str, path: str = "/nosuchprovider/x", timeout: float = 3.0) -> None:
        """Keys reach a running serve by polling; wait until this one is known (authentication
        comes before routing, so an unknown provider answers 404 once the key is known)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = self.request("GET", path, headers=bearer(key))
            if response.status != 401:
                return
            time.sleep(0.02)

    # ---- HTTP -------------------------------------------------------------------------

    def request(self, method: str, path: str, headers: Optional[Dict[str, str]] = None,
                body: Optional[bytes] = None, timeout: float = 15, port: Optional[int] = None
                ) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return Response(response.status, response.headers, response.read())
        finally:
            conn.close()

    def admin_request(self, method: str, path: str, headers: Optional[Dict[str, str]] = None
                      ) -> Response:
        return self.request(method, path, headers=headers, port=self.admin_port)

    def raw(self, data: bytes, timeout: float = 3.0) -> RawResult:
        return send_raw(self.port, data, timeout)


def bearer(key: str) -> Dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def wait_until(predicate, timeout: float, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class ContractAssertions:
    """Mixin for unittest.TestCase: checks on bulwark's own error answers."""

    def assertContractError(self, response: Response, status: int, code: str) -> dict:
        self.assertEqual(response.status, status, response)
        self.assertTrue(response.header("Content-Type") or "".startswith("application/json"),
                        response.header("Content-Type"))
        body = response.json()
        self.assertEqual(set(body), {"data", "error"}, body)
        self.assertIsNone(body["data"], body)
        self.assertEqual(set(body["error"]), {"code", "message", "request_id"}, body)
        self.assertEqual(body["error"]["code"], code, body)
        self.assertIsInstance(body["error"]["message"], str)
        self.assertTrue(body["error"]["message"], body)
        request_id = response.header("X-Request-Id")
        self.assertTrue(request_id, "X-Request-Id header missing")
        self.assertEqual(body["error"]["request_id"], request_id)
        return body


class GatewayTestCase(ContractAssertions, unittest.TestCase):
    """A test class whose tests share one FakeUpstream (cls.upstream) and one running
    Gateway (cls.gateway), set up once for the class and stopped after it.

    Configure it with class attributes:
      PROVIDERS     {name: table} as for Gateway; in string values "{upstream}" stands for
                    the fake upstream's URL ({"heygen": {"base_url": "{upstream}/hg"}}).
      SERVER, EXTRA_TABLES, SECRETS
                    passed to Gateway as they are (None: Gateway's defaults).
      KEY_SCOPES    scopes of a client key made for the class (cls.key_id, cls.key, known to
                    the running gateway before the first test), or None for no key.
    The upstream's recordings and script are reset before each test (setUp); a subclass
    with its own setUp calls super().setUp(). A subclass needing more set-up overrides
    setUpClass and calls super().setUpClass() first.
    """

    PROVIDERS: Dict[str, Dict] = {"heygen": {"base_url": "{upstream}"}}
    SERVER: Optional[Dict] = None
    EXTRA_TABLES: Optional[Dict[str, Dict]] = None
    SECRETS: Optional[Dict[str, str]] = None
    KEY_SCOPES: Optional[Iterable[str]] = None

    upstream: FakeUpstream
    gateway: Gateway
    key_id: str
    key: str

    @classmethod
    def providers(cls, upstream_url: str) -> Dict[str, Dict]:
        """PROVIDERS with "{upstream}" replaced; override for anything more dynamic."""
        return {name: {k: v.replace("{upstream}", upstream_url) if isinstance(v, str) else v
                       for k, v in table.items()}
                for name, table in cls.PROVIDERS.items()}

    @classmethod
    def make_gateway(cls, upstream_url: str) -> Gateway:
        """The (not yet started) Gateway; override to use a Gateway subclass."""
        return Gateway(cls.providers(upstream_url), server=cls.SERVER,
                       extra_tables=cls.EXTRA_TABLES, secrets=cls.SECRETS)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.upstream = FakeUpstream()
        cls.gateway = None
        try:
            cls.gateway = cls.make_gateway(cls.upstream.url).start()
            if cls.KEY_SCOPES is not None:
                cls.key_id, cls.key = cls.gateway.create_key(list(cls.KEY_SCOPES))
                cls.gateway.wait_for_key(cls.key)
            cls.start_more()
        except BaseException:
            cls._stop_shared()
            raise

    @classmethod
    def start_more(cls):
        """Starts whatever else a test case needs beside the gateway (stopped by its own
        _stop_shared override); a failure here stops everything started so far."""

    @classmethod
    def tearDownClass(cls):
        cls._stop_shared()
        super().tearDownClass()

    @classmethod
    def _stop_shared(cls):
        if cls.gateway is not None:
            cls.gateway.cleanup()
        cls.upstream.close()

    def setUp(self):
        super().setUp()
        self.upstream.reset()
