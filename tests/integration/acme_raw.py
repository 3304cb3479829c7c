#!/usr/bin/env python3
"""One hand-made newAccount request (RFC 8555 §7.3) to an ACME server.

For the end-to-end tests that must show what the *server* answers to a request
a well-behaved client (acmekit, certbot, lego) will not send, e.g. a
newAccount without externalAccountBinding to a CA whose directory says
externalAccountRequired. Prints one JSON object on stdout:
  {"status": 201, "type": "urn:...:externalAccountRequired" | null,
   "detail": "...", "location": "...", "retry_after": "1" | null,
   "content_type": "application/problem+json" | ...}
and exits 0 whenever the server answered at all.

  acme_raw.py --directory URL --ca-bundle FILE [--eab-kid KID --eab-hmac-key B64URL]

Needs python3-cryptography (Debian). The account key is a fresh P-256 key.
"""
import argparse
import base64
import hashlib
import hmac
import json
import ssl
import sys
import urllib.error
import urllib.request

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64u(data: bytes) -> str:  # RFC 7515 §2
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def request(ctx, method, url, body=None):
    req = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/jose+json")
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=20) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--directory", required=True)
    p.add_argument("--ca-bundle", required=True)
    p.add_argument("--eab-kid")
    p.add_argument("--eab-hmac-key")
    a = p.parse_args()
    ctx = ssl.create_default_context(cafile=a.ca_bundle)

    _, _, body = request(ctx, "GET", a.directory)
    directory = json.loads(body)
    _, headers, _ = request(ctx, "HEAD", directory["newNonce"])
    nonce = {k.lower(): v for k, v in headers.items()}["replay-nonce"]

    key = ec.generate_private_key(ec.SECP256R1())
    nums = key.public_key().public_numbers()
    jwk = {"crv": "P-256", "kty": "EC",
           "x": b64u(nums.x.to_bytes(32, "big")), "y": b64u(nums.y.to_bytes(32, "big"))}

    payload = {"termsOfServiceAgreed": True}
    if a.eab_kid:  # RFC 8555 §7.3.4: HS256 over the account JWK
        eab_protected = b64u(json.dumps({"alg": "HS256", "kid": a.eab_kid,
                                         "url": directory["newAccount"]}).encode())
        eab_payload = b64u(json.dumps(jwk).encode())
        mac = hmac.new(b64u_decode(a.eab_hmac_key), f"{eab_protected}.{eab_payload}".encode(),
                       hashlib.sha256).digest()
        payload["externalAccountBinding"] = {"protected": eab_protected, "payload": eab_payload,
                                             "signature": b64u(mac)}

    # RFC 8555 §6.2: ES256 with the JWK in the protected header.
    protected = b64u(json.dumps({"alg": "ES256", "jwk": jwk, "nonce": nonce,
                                 "url": directory["newAccount"]}).encode())
    encoded_payload = b64u(json.dumps(payload).encode())
    der = key.sign(f"{protected}.{encoded_payload}".encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    jws = {"protected": protected, "payload": encoded_payload,
           "signature": b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))}

    status, headers, body = request(ctx, "POST", directory["newAccount"], json.dumps(jws).encode())
    headers = {k.lower(): v for k, v in headers.items()}
    try:
        doc = json.loads(body)
    except ValueError:
        doc = {}
    json.dump({"status": status, "type": doc.get("type"), "detail": doc.get("detail"),
               "location": headers.get("location"), "retry_after": headers.get("retry-after"),
               "content_type": headers.get("content-type")}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
