"""OAuth2 client credentials, bulwark-issued JWTs and external identity providers (issue 3
items 4 and 5), against the real binary and the recording fake vendor."""

import base64
import json
import os
import time
import unittest
import urllib.parse

from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from harness import (ContractAssertions, FakeUpstream, Gateway, GatewayTestCase, bearer,
                     wait_until)

STATUS_PATH = "/heygen/v1/video_status.get?video_id=abc"
GENERATE_PATH = "/heygen/v2/video/generate"
GENERATE_BODY = b'{"video_inputs":[{"voice":{"type":"text","input_text":"hello"}}]}'
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
EXTERNAL_ISSUER = "https://idp.example.test"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(value) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def decode_jwt(token: str):
    header, claims, _ = token.split(".")
    return json.loads(unb64url(header)), json.loads(unb64url(claims))


def es256_sign(key, signing_input: bytes) -> bytes:
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def es256_token(key, header, claims) -> str:
    signing_input = f"{b64url_json(header)}.{b64url_json(claims)}"
    return signing_input + "." + b64url(es256_sign(key, signing_input.encode()))


def basic(client_id: str, secret: str):
    raw = f"{urllib.parse.quote(client_id, safe='')}:{urllib.parse.quote(secret, safe='')}"
    return {"Authorization": "Basic " + base64.b64encode(raw.encode()).decode()}


class OAuthAssertions:
    def assertOAuthError(self, response, status, error):
        self.assertEqual(response.status, status, response)
        self.assertEqual(response.json(), {"error": error})
        self.assertEqual(response.header("Cache-Control"), "no-store")


class OAuthTest(OAuthAssertions, ContractAssertions, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.upstream = FakeUpstream()
        # The external identity provider's key pair, published to bulwark as a JWKS file.
        cls.idp_key = ec.generate_private_key(ec.SECP256R1())
        numbers = cls.idp_key.public_key().public_numbers()
        cls.idp_pem = cls.idp_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        cls.gateway = Gateway(
            {"heygen": {"base_url": cls.upstream.url},
             "writesonic": {"base_url": cls.upstream.url}},
            extra_tables={
                "auth": {"token_ttl": "10m", "leeway": "1s"},
                "auth.jwt.corp": {"issuer": EXTERNAL_ISSUER, "audience": "bulwark-gw",
                                  "jwks_file": "idp-jwks.json", "algorithms": ["ES256"],
                                  "scopes_claim": "roles",
                                  "allowed_scopes": ["heygen:*"], "tenant": "corp",
                                  "rates": ["1000/m"]},
                "auth.jwt.corp.claim_scopes": {
                    "video-editor": ["heygen:video.generate", "heygen:video.status"],
                    "billing": ["writesonic:*"]},
            })
        cls.gateway.prepare()
        with open(os.path.join(cls.gateway.dir, "idp-jwks.json"), "w") as f:
            json.dump({"keys": [{"kty": "EC", "crv": "P-256", "kid": "corp-1", "alg": "ES256",
                                 "use": "sig",
                                 "x": b64url(numbers.x.to_bytes(32, "big")),
                                 "y": b64url(numbers.y.to_bytes(32, "big"))}]}, f)
        cls.gateway.start()

    @classmethod
    def tearDownClass(cls):
        cls.gateway.cleanup()
        cls.upstream.close()

    def setUp(self):
        self.upstream.reset()

    # ---- helpers --------------------------------------------------------------------------

    def new_key(self, scopes=("heygen:*",)):
        key_id, key = self.gateway.create_key(scopes=scopes)
        self.gateway.wait_for_key(key)
        return key_id, key

    def token_request(self, fields, headers=None, raw_body=None):
        body = raw_body if raw_body is not None else urllib.parse.urlencode(fields).encode()
        return self.gateway.request("POST", "/oauth2/token", body=body,
                                    headers={**FORM, **(headers or {})})

    def issue(self, key_id, key, **extra):
        response = self.token_request({"grant_type": "client_credentials", **extra},
                                      headers=basic(key_id, key))
        self.assertEqual(response.status, 200, response)
        return response.json()

    def assertNothingUpstream(self):
        time.sleep(0.05)
        self.assertEqual(self.upstream.requests, [])

    def idp_claims(self, **overrides):
        now = int(time.time())
        claims = {"iss": EXTERNAL_ISSUER, "aud": "bulwark-gw", "sub": "alice",
                  "exp": now + 300, "iat": now, "roles": ["video-editor"]}
        claims.update(overrides)
        return claims

    def idp_token(self, header=None, **claims):
        return es256_token(self.idp_key, header or {"alg": "ES256", "typ": "JWT", "kid": "corp-1"},
                           self.idp_claims(**claims))

    # ---- the token endpoint ---------------------------------------------------------------

    def test_token_issued_with_basic_auth_carries_the_contract_claims(self):
        key_id, key = self.new_key(scopes=["heygen:*", "writesonic:content"])
        before = int(time.time())
        response = self.token_request({"grant_type": "client_credentials"},
                                      headers=basic(key_id, key))
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.header("Cache-Control"), "no-store")
        body = response.json()
        self.assertEqual(set(body), {"access_token", "token_type", "expires_in", "scope"})
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual(body["expires_in"], 600)
        self.assertEqual(body["scope"], "heygen:* writesonic:content")
        header, claims = decode_jwt(body["access_token"])
        self.assertEqual(header["alg"], "EdDSA")
        self.assertTrue(header["kid"])
        self.assertEqual(claims["iss"], "bulwark")
        self.assertEqual(claims["sub"], key_id)
        self.assertEqual(claims["aud"], "bulwark")
        self.assertEqual(claims["exp"] - claims["iat"], 600)
        self.assertGreaterEqual(claims["iat"], before)
        self.assertEqual(claims["scope"], "heygen:* writesonic:content")
        self.assertEqual(len(claims["jti"]), 32)
        self.assertNotIn(key, body["access_token"])

    def test_token_issued_with_form_credentials(self):
        key_id, key = self.new_key()
        response = self.token_request({"grant_type": "client_credentials",
                                       "client_id": key_id, "client_secret": key})
        self.assertEqual(response.status, 200, response)
        self.assertEqual(decode_jwt(response.json()["access_token"])[1]["sub"], key_id)

    def test_wrong_secret_or_unknown_client_is_invalid_client(self):
        key_id, key = self.new_key()
        other_id, other_key = self.new_key()
        response = self.token_request({"grant_type": "client_credentials"},
                                      headers=basic(key_id, key[:-1] + "x"))
        self.assertOAuthError(response, 401, "invalid_client")
        self.assertIn("Basic", response.header("WWW-Authenticate"))
        # A real secret presented under another key's id.
        response = self.token_request({"grant_type": "client_credentials"},
                                      headers=basic(key_id, other_key))
        self.assertOAuthError(response, 401, "invalid_client")
        response = self.token_request({"grant_type": "client_credentials",
                                       "client_id": "key_nosuch", "client_secret": key})
        self.assertOAuthError(response, 401, "invalid_client")
        self.assertIsNone(response.header("WWW-Authenticate"))

    def test_revoked_key_cannot_get_a_token(self):
        key_id, key = self.new_key()
        self.gateway.cli("keys", "revoke", key_id)
        self.assertTrue(wait_until(lambda: self.token_request(
            {"grant_type": "client_credentials"}, headers=basic(key_id, key)).status == 401, 2))
        self.assertOAuthError(self.token_request({"grant_type": "client_credentials"},
                                                 headers=basic(key_id, key)),
                              401, "invalid_client")

    def test_bad_requests_get_rfc6749_errors(self):
        key_id, key = self.new_key()
        creds = basic(key_id, key)
        self.assertOAuthError(self.token_request({"grant_type": "password"}, headers=creds),
                              400, "unsupported_grant_type")
        self.assertOAuthError(self.token_request({}, headers=creds), 400, "invalid_request")
        both = {"grant_type": "client_credentials", "client_id": key_id, "client_secret": key}
        self.assertOAuthError(self.token_request(both, headers=creds), 400, "invalid_request")
        repeated = b"grant_type=client_credentials&grant_type=client_credentials"
        self.assertOAuthError(self.token_request({}, headers=creds, raw_body=repeated),
                              400, "invalid_request")
        self.assertOAuthError(self.token_request({}, headers=creds, raw_body=b"grant_type=%zz"),
                              400, "invalid_request")
        big = b"grant_type=client_credentials&x=" + b"a" * 5000
        self.assertOAuthError(self.token_request({}, headers=creds, raw_body=big),
                              400, "invalid_request")
        json_body = self.gateway.request(
            "POST", "/oauth2/token", body=b'{"grant_type":"client_credentials"}',
            headers={**creds, "Content-Type": "application/json"})
        self.assertOAuthError(json_body, 400, "invalid_request")
        self.assertEqual(self.gateway.request("GET", "/oauth2/token", headers=creds).status, 405)
        self.assertOAuthError(self.token_request({"grant_type": "client_credentials",
                                                  "scope": "writesonic:content"}, headers=creds),
                              400, "invalid_scope")
        self.assertNothingUpstream()

    # ---- tokens as Bearer credentials -----------------------------------------------------

    def test_token_used_as_bearer_reaches_the_vendor_and_is_not_forwarded(self):
        key_id, key = self.new_key()
        token = self.issue(key_id, key)["access_token"]
        response = self.gateway.request("POST", GENERATE_PATH, body=GENERATE_BODY,
                                        headers={**bearer(token),
                                                 "Content-Type": "application/json"})
        self.assertEqual(response.status, 200, response)
        self.assertEqual(len(self.upstream.requests), 1)
        received = self.upstream.requests[0]
        self.assertEqual(received.path, "/v2/video/generate")
        everything = json.dumps(received.headers) + received.body.decode(errors="replace")
        self.assertNotIn(token, everything)
        self.assertNotIn(token.split(".")[2], everything)
        self.assertNotIn(key, everything)
        self.assertIn(("X-Api-Key".lower(), "hg-vendor-secret-7f3a9c2e41d84b6b"),
                      [(k.lower(), v) for k, v in received.headers])
        # The vendor header works too, as for keys.
        response = self.gateway.request("GET", STATUS_PATH, headers={"X-Api-Key": token})
        self.assertEqual(response.status, 200, response)

    def test_scope_parameter_narrows_the_token_and_never_widens_it(self):
        key_id, key = self.new_key(scopes=["heygen:*"])
        body = self.issue(key_id, key, scope="heygen:video.status")
        self.assertEqual(body["scope"], "heygen:video.status")
        token = body["access_token"]
        self.assertEqual(self.gateway.request("GET", STATUS_PATH, headers=bearer(token)).status,
                         200)
        response = self.gateway.request("POST", GENERATE_PATH, body=GENERATE_BODY,
                                        headers={**bearer(token),
                                                 "Content-Type": "application/json"})
        self.assertContractError(response, 403, "forbidden")
        self.assertEqual(len(self.upstream.requests), 1)
        self.assertOAuthError(self.token_request({"grant_type": "client_credentials",
                                                  "scope": "heygen:video.status *"},
                                                 headers=basic(key_id, key)),
                              400, "invalid_scope")

    def test_revoked_keys_token_is_refused_within_1s(self):
        key_id, key = self.new_key()
        token = self.issue(key_id, key)["access_token"]
        self.assertEqual(self.gateway.request("GET", STATUS_PATH, headers=bearer(token)).status,
                         200)
        self.gateway.cli("keys", "revoke", key_id)
        revoked_at = time.monotonic()
        self.assertTrue(wait_until(lambda: self.gateway.request(
            "GET", STATUS_PATH, headers=bearer(token)).status == 401, 1.0))
        elapsed = time.monotonic() - revoked_at
        self.assertLess(elapsed, 1.0)
        self.upstream.reset()
        response = self.gateway.request("GET", STATUS_PATH, headers=bearer(token))
        self.assertContractError(response, 401, "unauthenticated")
        self.assertNothingUpstream()

    def test_tampered_bulwark_token_is_refused(self):
        key_id, key = self.new_key(scopes=["heygen:video.status"])
        token = self.issue(key_id, key)["access_token"]
        header, claims, signature = token.split(".")
        widened = json.loads(unb64url(claims))
        widened["scope"] = "*"
        for forged in [f"{header}.{b64url_json(widened)}.{signature}",
                       f"{header}.{claims}.",
                       f"{b64url_json({'alg': 'none', 'typ': 'JWT'})}.{claims}."]:
            response = self.gateway.request("POST", GENERATE_PATH, body=GENERATE_BODY,
                                            headers={**bearer(forged),
                                                     "Content-Type": "application/json"})
            self.assertContractError(response, 401, "unauthenticated")
        self.assertNothingUpstream()

    # ---- JWKS and signing-key rotation ----------------------------------------------------

    def jwks(self):
        response = self.gateway.request("GET", "/.well-known/jwks.json")
        self.assertEqual(response.status, 200, response)
        self.assertIn("max-age", response.header("Cache-Control"))
        return response.json()["keys"]

    def test_jwks_publishes_the_key_that_verifies_issued_tokens(self):
        key_id, key = self.new_key()
        token = self.issue(key_id, key)["access_token"]
        header, _ = decode_jwt(token)
        keys = {k["kid"]: k for k in self.jwks()}
        self.assertIn(header["kid"], keys)
        jwk = keys[header["kid"]]
        self.assertEqual({k: jwk[k] for k in ("kty", "crv", "alg", "use")},
                         {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig"})
        self.assertEqual(set(jwk), {"kty", "crv", "x", "kid", "alg", "use"})  # no private "d"
        public = ed25519.Ed25519PublicKey.from_public_bytes(unb64url(jwk["x"]))
        signing_input, signature = token.rsplit(".", 1)
        public.verify(unb64url(signature), signing_input.encode())  # raises if invalid

    def test_signing_key_rotation_keeps_the_old_kid_published(self):
        key_id, key = self.new_key()
        old_token = self.issue(key_id, key)["access_token"]
        old_kid = decode_jwt(old_token)[0]["kid"]
        rotated = json.loads(self.gateway.cli("auth", "rotate-signing-key").stdout)
        new_kid = rotated["kid"]
        self.assertNotEqual(new_kid, old_kid)
        self.assertEqual(rotated["previous_kid"], old_kid)
        self.assertTrue(wait_until(
            lambda: {k["kid"] for k in self.jwks()} >= {old_kid, new_kid}, 1.5))
        self.assertEqual(decode_jwt(self.issue(key_id, key)["access_token"])[0]["kid"], new_kid)
        # The old key's token still works until it expires.
        self.assertEqual(self.gateway.request("GET", STATUS_PATH,
                                              headers=bearer(old_token)).status, 200)
        listed = json.loads(self.gateway.cli("auth", "signing-keys").stdout)
        old = next(k for k in listed if k["kid"] == old_kid)
        self.assertFalse(old["active"])
        self.assertGreaterEqual(old["not_after"] - old["retired_at"], 601)
        self.assertIn("auth.rotate_signing_key", self.gateway.cli("audit", "tail").stdout)

    # ---- external identity providers ------------------------------------------------------

    def test_external_issuer_token_acts_as_a_synthetic_key(self):
        token = self.idp_token()
        response = self.gateway.request("POST", GENERATE_PATH, body=GENERATE_BODY,
                                        headers={**bearer(token),
                                                 "Content-Type": "application/json"})
        self.assertEqual(response.status, 200, response)
        self.assertEqual(len(self.upstream.requests), 1)
        self.assertNotIn(token, json.dumps(self.upstream.requests[0].headers))
        # roles -> scopes: video-editor gives generate and status, nothing else of heygen;
        # "billing" maps to writesonic:*, which allowed_scopes cuts away.
        response = self.gateway.request("GET", "/heygen/v2/avatars", headers=bearer(token))
        self.assertContractError(response, 403, "forbidden")
        billing = self.idp_token(roles=["billing"])
        response = self.gateway.request(
            "POST", "/writesonic/v2/business/content/chatsonic", body=b'{"input_text":"x"}',
            headers={**bearer(billing), "Content-Type": "application/json"})
        self.assertContractError(response, 403, "forbidden")
        self.assertTrue(wait_until(lambda: "jwt:corp:alice" in self.gateway.stdout(), 2))

    def test_forged_external_tokens_are_refused_and_reach_no_vendor(self):
        good_header = {"alg": "ES256", "typ": "JWT", "kid": "corp-1"}
        claims = self.idp_claims()
        valid = self.idp_token()
        h64, c64, s64 = valid.split(".")
        attacker = ec.generate_private_key(ec.SECP256R1())
        attacker_numbers = attacker.public_key().public_numbers()

        def hs256(secret: bytes, header) -> str:
            signing_input = f"{b64url_json(header)}.{b64url_json(claims)}"
            mac = hmac.HMAC(secret, hashes.SHA256())
            mac.update(signing_input.encode())
            return signing_input + "." + b64url(mac.finalize())

        def unsigned(header) -> str:
            return f"{b64url_json(header)}.{b64url_json(claims)}."

        def signed(header=None, **overrides) -> str:
            return self.idp_token(header or good_header, **overrides)

        flipped = s64[:10] + ("A" if s64[10] != "A" else "B") + s64[11:]
        duplicate_header = b64url(b'{"alg":"ES256","kid":"corp-1","alg":"none"}')
        dup_input = f"{duplicate_header}.{c64}"
        forged = {
            "alg none": unsigned({"alg": "none"}),
            "alg None": unsigned({"alg": "None", "typ": "JWT"}),
            "alg NONE": unsigned({"alg": "NONE"}),
            "alg nOnE with a signature": unsigned({"alg": "nOnE"}) + s64,
            "HS256 keyed with the public key PEM": hs256(self.idp_pem,
                                                         {"alg": "HS256", "kid": "corp-1"}),
            "HS256 keyed with the raw point": hs256(
                self.idp_key.public_key().public_bytes(serialization.Encoding.X962,
                                                       serialization.PublicFormat.UncompressedPoint),
                {"alg": "HS256", "kid": "corp-1"}),
            "embedded jwk of the attacker": es256_token(attacker, {
                "alg": "ES256", "jwk": {"kty": "EC", "crv": "P-256",
                                        "x": b64url(attacker_numbers.x.to_bytes(32, "big")),
                                        "y": b64url(attacker_numbers.y.to_bytes(32, "big"))}},
                claims),
            "jku header": signed({**good_header, "jku": "https://evil.test/jwks.json"}),
            "x5u header": signed({**good_header, "x5u": "https://evil.test/cert.pem"}),
            "unknown crit": signed({**good_header, "crit": ["exp"], "exp": 1}),
            "stripped signature": f"{h64}.{c64}.",
            "no signature segment": f"{h64}.{c64}",
            "altered signature": f"{h64}.{c64}.{flipped}",
            "altered claims": f"{h64}.{b64url_json({**claims, 'roles': ['billing']})}.{s64}",
            "signed by another key": es256_token(attacker, good_header, claims),
            "padded base64url": f"{h64}.{c64}.{s64}==",
            "standard base64 characters": f"{h64}.{c64}.{s64[:-2]}+/",
            "bad characters": f"{h64}.{c64}!.{s64}",
            "oversize token": signed(pad="a" * 9000),
            "unknown kid": signed({**good_header, "kid": "corp-2"}),
            "wrong typ": signed({**good_header, "typ": "JWE"}),
            "duplicate header member": f"{dup_input}."
                                       f"{b64url(es256_sign(self.idp_key, dup_input.encode()))}",
            "non-numeric exp": signed(exp=str(int(time.time()) + 300)),
            "missing exp": es256_token(self.idp_key, good_header,
                                       {k: v for k, v in claims.items() if k != "exp"}),
            "expired": signed(exp=int(time.time()) - 60),
            "not yet valid": signed(nbf=int(time.time()) + 600),
            "issued in the future": signed(iat=int(time.time()) + 600),
            "wrong audience": signed(aud="someone-else"),
            "unknown issuer": signed(iss="https://evil.test"),
            "bulwark's own issuer name": signed(iss="bulwark", aud="bulwark"),
            "alg outside the allow-list": signed({**good_header, "alg": "RS256"}),
        }
        self.assertGreater(len(forged["oversize token"]), 8192)
        # The untouched token is accepted, so every refusal below is due to the forgery.
        self.assertEqual(self.gateway.request("GET", STATUS_PATH, headers=bearer(valid)).status,
                         200)
        self.upstream.reset()
        for name, token in forged.items():
            with self.subTest(name):
                response = self.gateway.request("GET", STATUS_PATH, headers=bearer(token))
                self.assertContractError(response, 401, "unauthenticated")
        self.assertNothingUpstream()



class TokenEndpointBruteForceTest(OAuthAssertions, GatewayTestCase):
    """Failed client authentications at POST /oauth2/token are limited per client address,
    and every token request writes one access-log line that never holds a secret or a
    token. The gateway trusts 127.0.0.1 as a proxy, so each test speaks from its own
    X-Forwarded-For address and starts with a fresh failure budget (3 per minute)."""

    EXTRA_TABLES = {"auth": {"token_failure_rate": "3/m"}}
    SERVER = {"trusted_proxies": ["127.0.0.1/32"]}
    KEY_SCOPES = ["heygen:*"]

    def token(self, address, secret=None):
        return self.gateway.request(
            "POST", "/oauth2/token",
            body=urllib.parse.urlencode({"grant_type": "client_credentials"}).encode(),
            headers={**FORM, **basic(self.key_id, self.key if secret is None else secret),
                     "X-Forwarded-For": address})

    def wrong(self):
        return self.key[:-1] + ("x" if self.key[-1] != "x" else "y")

    def access_lines(self, request_id):
        lines = []
        for line in self.gateway.stdout().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("request_id") == request_id:
                lines.append(record)
        return lines

    def assertSlowDown(self, response):
        self.assertEqual(response.status, 429, response)
        self.assertEqual(response.json(), {"error": "slow_down"})
        self.assertEqual(response.header("Cache-Control"), "no-store")
        retry_after = int(response.header("Retry-After"))
        self.assertGreaterEqual(retry_after, 1)
        self.assertLessEqual(retry_after, 20)  # 3/m: one more failure every 20 s
        return retry_after

    def test_failed_authentications_beyond_the_rate_get_429_even_with_the_right_secret(self):
        attacker = "203.0.113.5"
        for _ in range(3):
            self.assertOAuthError(self.token(attacker, self.wrong()), 401, "invalid_client")
        # Over the budget: refused before the secret is looked at, right or wrong.
        self.assertSlowDown(self.token(attacker, self.wrong()))
        self.assertSlowDown(self.token(attacker))
        # Another address is not affected, and the key itself still works.
        self.assertEqual(self.token("198.51.100.7").status, 200)
        # An IPv6 client is counted by its /64: hopping inside it does not help.
        for host in ("1", "2", "3"):
            self.assertOAuthError(self.token(f"2001:db8:5:6::{host}", self.wrong()),
                                  401, "invalid_client")
        self.assertSlowDown(self.token("2001:db8:5:6::ab:cd", self.wrong()))
        self.assertEqual(self.token("2001:db8:5:7::1").status, 200)
        self.assertEqual(self.upstream.requests, [])

    def test_successful_token_requests_are_not_counted(self):
        client = "192.0.2.44"
        for _ in range(6):
            self.assertEqual(self.token(client).status, 200)
        for _ in range(3):
            self.assertOAuthError(self.token(client, self.wrong()), 401, "invalid_client")
        self.assertSlowDown(self.token(client))

    def test_every_token_request_writes_one_access_log_line_without_secrets(self):
        client = "192.0.2.99"
        issued = self.token(client)
        self.assertEqual(issued.status, 200, issued)
        access_token = issued.json()["access_token"]
        refused = self.token(client, self.wrong())
        self.assertEqual(refused.status, 401)
        for _ in range(2):
            self.token(client, self.wrong())
        limited = self.token(client)
        self.assertSlowDown(limited)
        expected = {
            issued.header("X-Request-Id"): (200, "", self.key_id),
            refused.header("X-Request-Id"): (401, "invalid_client", self.key_id),
            limited.header("X-Request-Id"): (429, "slow_down", ""),
        }
        self.assertTrue(wait_until(
            lambda: all(self.access_lines(rid) for rid in expected), 3), self.gateway.stdout())
        for request_id, (status, code, key_id) in expected.items():
            lines = self.access_lines(request_id)
            self.assertEqual(len(lines), 1, lines)
            line = lines[0]
            self.assertEqual((line["provider"], line["operation"], line["method"]),
                             ("oauth2", "token", "POST"))
            self.assertEqual((line["status"], line["code"], line["key_id"]),
                             (status, code, key_id))
            self.assertEqual(line["client_ip"], client)
            self.assertEqual(line["reason"], f"oauth2.{code}" if code else "")
        log = self.gateway.stdout() + self.gateway.stderr()
        self.assertNotIn(self.key, log)
        self.assertNotIn(self.wrong(), log)
        self.assertNotIn(access_token, log)
        self.assertNotIn(access_token.split(".")[2], log)

    def test_a_secret_sent_as_the_client_id_is_neither_logged_nor_audited(self):
        client = "192.0.2.123"
        request_ids = []
        for swapped in (self.key, self.key[len("bwk_"):]):
            response = self.gateway.request(
                "POST", "/oauth2/token",
                body=urllib.parse.urlencode({"grant_type": "client_credentials",
                                             "client_id": swapped,
                                             "client_secret": self.key_id}).encode(),
                headers={**FORM, "X-Forwarded-For": client})
            self.assertOAuthError(response, 401, "invalid_client")
            request_ids.append(response.header("X-Request-Id"))
        self.assertTrue(wait_until(lambda: all(self.access_lines(r) for r in request_ids), 3),
                        self.gateway.stdout())
        for request_id in request_ids:
            self.assertEqual(self.access_lines(request_id)[0]["key_id"], "")
        audit = lambda: self.gateway.cli("audit", "tail", "-n", "50").stdout
        self.assertTrue(wait_until(lambda: all(r in audit() for r in request_ids), 3, 0.2),
                        audit())
        for text in (audit(), self.gateway.stdout() + self.gateway.stderr()):
            self.assertNotIn(self.key[len("bwk_"):], text)


class ReservedProviderNameTest(unittest.TestCase):
    def test_a_provider_named_after_a_bulwark_path_is_refused(self):
        for name in ("oauth2", "healthz", "Metrics"):
            # No vendor secrets: `secrets set` would refuse the config too.
            gateway = Gateway({name: {"base_url": "https://api.heygen.com",
                                      "profile": "heygen"}}, secrets={}).prepare()
            self.addCleanup(gateway.cleanup)
            result = gateway.cli("check", check=False)
            self.assertEqual(result.returncode, 2, (name, result.stdout, result.stderr))
            self.assertIn(f"provider name '{name}' is reserved", result.stderr)


class TokenLifetimeCheckTest(unittest.TestCase):
    def test_check_reports_a_token_ttl_over_an_hour(self):
        for ttl, expected in (("2h", True), ("30m", False)):
            gateway = Gateway({"heygen": {"base_url": "https://api.heygen.com"}},
                              extra_tables={"auth": {"token_ttl": ttl}}).prepare()
            self.addCleanup(gateway.cleanup)
            result = gateway.cli("check", check=False)
            checks = [f["check"] for f in json.loads(result.stdout)["findings"]]
            self.assertEqual("auth.token_ttl" in checks, expected, (ttl, result.stdout))


if __name__ == "__main__":
    unittest.main()
