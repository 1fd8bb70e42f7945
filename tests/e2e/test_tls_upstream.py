"""The vendor connection is TLS with certificate verification: a vendor presenting a
certificate the system CAs do not vouch for is never sent the request (or the key)."""

import os
import socket
import ssl
import subprocess
import tempfile
import threading
import unittest

from harness import ContractAssertions, Gateway, bearer


class UntrustedTlsVendor:
    """A TLS listener with a self-signed certificate that records whether any HTTP request
    bytes ever arrived after a handshake."""

    def __init__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="bulwark-e2e-tls-")
        cert = os.path.join(self._tmp.name, "cert.pem")
        key = os.path.join(self._tmp.name, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.received = b""
        self.handshakes_completed = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            try:
                with self.context.wrap_socket(conn, server_side=True) as tls:
                    self.handshakes_completed += 1
                    tls.settimeout(2)
                    self.received += tls.recv(65536)
            except (ssl.SSLError, OSError):
                pass  # the client refused our certificate: exactly what we expect

    def close(self):
        self.listener.close()
        self._tmp.cleanup()


class TlsUpstreamTest(ContractAssertions, unittest.TestCase):
    def test_a_vendor_with_an_untrusted_certificate_gets_nothing_and_the_client_gets_503(self):
        vendor = UntrustedTlsVendor()
        self.addCleanup(vendor.close)
        gateway = Gateway({"heygen": {"base_url": f"https://127.0.0.1:{vendor.port}"}}).start()
        self.addCleanup(gateway.cleanup)
        _, key = gateway.create_key(["*"])
        gateway.wait_for_key(key)
        response = gateway.request("GET", "/heygen/v2/avatars", headers=bearer(key))
        self.assertContractError(response, 503, "upstream_unavailable")
        self.assertEqual(vendor.received, b"", "request bytes reached an unverified vendor")


if __name__ == "__main__":
    unittest.main()
