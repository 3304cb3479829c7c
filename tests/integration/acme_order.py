#!/usr/bin/env python3
"""One hand-made certificate order (RFC 8555 §7.3-§7.4.2) with an optional
newOrder "profile" (draft-ietf-acme-profiles §4), for the end-to-end tests of
what the *server* does with a field the clients we test with do not send yet.

A fresh P-256 account, newOrder, http-01 (RFC 8555 §8.3) answered from a
small HTTP server on 127.0.0.1:HTTP_PORT (the CA's --http01-port), finalize
with a fresh P-256 key's CSR, the certificate downloaded. Prints one JSON
object on stdout:
  {"status": 201, "type": "urn:..." | null, "detail": "..." | null,
   "subproblems": [...] | null, "profile": "..." | null, "directory": {...}}
("status", "type", ... are newOrder's answer; "profile" the order's) and, when
the order was accepted and --out is given, writes the leaf + chain PEM there.
Exits 0 whenever the server answered newOrder; 1 if a later step failed.

  acme_order.py --directory URL --ca-bundle FILE --http-port PORT
                [--profile NAME] [--out FILE] dns:NAME|ip:ADDR...

Needs python3-cryptography (Debian).
"""
import argparse
import base64
import http.server
import json
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request
import hashlib
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID


def b64u(data: bytes) -> str:  # RFC 7515 §2
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Client:
    def __init__(self, directory_url, ca_bundle):
        self.ctx = ssl.create_default_context(cafile=ca_bundle)
        _, _, body = self.request("GET", directory_url)
        self.directory = json.loads(body)
        self.key = ec.generate_private_key(ec.SECP256R1())
        nums = self.key.public_key().public_numbers()
        self.jwk = {"crv": "P-256", "kty": "EC",
                    "x": b64u(nums.x.to_bytes(32, "big")), "y": b64u(nums.y.to_bytes(32, "big"))}
        self.kid = None
        self.nonce = None

    def request(self, method, url, body=None):
        req = urllib.request.Request(url, data=body, method=method)
        if body is not None:
            req.add_header("Content-Type", "application/jose+json")
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=20) as r:
                status, headers, data = r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            status, headers, data = e.code, dict(e.headers), e.read()
        headers = {k.lower(): v for k, v in headers.items()}
        if "replay-nonce" in headers:
            self.nonce = headers["replay-nonce"]
        return status, headers, data

    def post(self, url, payload):
        """RFC 8555 §6.2: ES256, jwk before the account exists, kid after.
        payload None is POST-as-GET (§6.3)."""
        if self.nonce is None:
            self.request("HEAD", self.directory["newNonce"])
        header = {"alg": "ES256", "nonce": self.nonce, "url": url}
        if self.kid:
            header["kid"] = self.kid
        else:
            header["jwk"] = self.jwk
        self.nonce = None
        protected = b64u(json.dumps(header).encode())
        encoded = "" if payload is None else b64u(json.dumps(payload).encode())
        der = self.key.sign(f"{protected}.{encoded}".encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        jws = {"protected": protected, "payload": encoded,
               "signature": b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))}
        return self.request("POST", url, json.dumps(jws).encode())

    def thumbprint(self):  # RFC 7638
        canonical = json.dumps(self.jwk, sort_keys=True, separators=(",", ":")).encode()
        return b64u(hashlib.sha256(canonical).digest())

    def poll(self, url, want):
        for _ in range(200):
            status, _, body = self.post(url, None)
            doc = json.loads(body)
            if doc.get("status") == want:
                return doc
            if status != 200 or doc.get("status") == "invalid":
                raise RuntimeError(f"{url} is {doc}")
            time.sleep(0.1)
        raise RuntimeError(f"{url} did not become {want}")


def serve_http01(port, tokens):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            prefix = "/.well-known/acme-challenge/"
            token = self.path[len(prefix):] if self.path.startswith(prefix) else None
            if token not in tokens:
                self.send_response(404)
                self.end_headers()
                return
            body = tokens[token].encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def csr_for(identifiers):
    key = ec.generate_private_key(ec.SECP256R1())
    names = []
    for kind, value in identifiers:
        names.append(x509.DNSName(value) if kind == "dns" else x509.IPAddress(ipaddress.ip_address(value)))
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([]))
    builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    csr = builder.sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.DER)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--directory", required=True)
    p.add_argument("--ca-bundle", required=True)
    p.add_argument("--http-port", type=int, required=True)
    p.add_argument("--profile")
    p.add_argument("--out")
    p.add_argument("identifiers", nargs="+", help="dns:NAME or ip:ADDRESS")
    a = p.parse_args()
    identifiers = [tuple(i.split(":", 1)) for i in a.identifiers]

    c = Client(a.directory, a.ca_bundle)
    status, headers, body = c.post(c.directory["newAccount"], {"termsOfServiceAgreed": True})
    if status not in (200, 201):
        print(f"newAccount: {status} {body!r}", file=sys.stderr)
        return 1
    c.kid = headers["location"]

    payload = {"identifiers": [{"type": t, "value": v} for t, v in identifiers]}
    if a.profile is not None:
        payload["profile"] = a.profile
    status, headers, body = c.post(c.directory["newOrder"], payload)
    doc = json.loads(body) if body else {}
    print(json.dumps({"status": status, "type": doc.get("type"), "detail": doc.get("detail"),
                      "subproblems": doc.get("subproblems"), "profile": doc.get("profile"),
                      "directory": c.directory}))
    sys.stdout.flush()
    if status != 201 or not a.out:
        return 0
    order_url, order = headers["location"], doc

    tokens = {}
    server = serve_http01(a.http_port, tokens)
    try:
        for authz_url in order["authorizations"]:
            _, _, body = c.post(authz_url, None)
            authz = json.loads(body)
            if authz["status"] == "valid":
                continue
            ch = next(ch for ch in authz["challenges"] if ch["type"] == "http-01")
            tokens[ch["token"]] = f'{ch["token"]}.{c.thumbprint()}'  # RFC 8555 §8.1
            c.post(ch["url"], {})
            c.poll(authz_url, "valid")
        c.poll(order_url, "ready")
    finally:
        server.shutdown()
    status, _, body = c.post(order["finalize"], {"csr": b64u(csr_for(identifiers))})
    if status != 200:
        print(f"finalize: {status} {body!r}", file=sys.stderr)
        return 1
    order = c.poll(order_url, "valid")
    status, _, body = c.post(order["certificate"], None)
    if status != 200:
        print(f"download: {status} {body!r}", file=sys.stderr)
        return 1
    with open(a.out, "wb") as f:
        f.write(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
