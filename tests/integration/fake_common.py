"""What the DNS provider fakes (fake_*.py) share: an HTTPS server on a free
loopback port (the port written to a file once listening), a handler base
that reads the body, logs every request as a JSON line and replies JSON,
and the PowerDNS API calls that put a fake's records into a real
authoritative server, so Pebble's validation and acmekit's propagation check
see what the fake API wrote.

TLS: the certificate and key from the environment's FAKE_TLS_CERT and
FAKE_TLS_KEY (lib.sh's make_tls_ca; acmekit trusts it through --ca-bundle),
plain HTTP when they are unset.

Concurrency (test_dns_scale.sh): every logged request carries "in_flight",
the requests being served when it arrived (itself included); FAKE_DELAY
(seconds, in the environment) holds each request that long before it is
handled, so requests a client sends at once overlap here. Writes to pdns
go one at a time (its gsqlite3 backend refuses concurrent writes: "database
is locked"), as a provider's own storage would take them.
"""
import json
import os
import ssl
import threading
import time
import urllib.request

_FLIGHT = {"now": 0}
_FLIGHT_LOCK = threading.Lock()
_PDNS_LOCK = threading.Lock()
_DELAY = float(os.environ.get("FAKE_DELAY") or 0)
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def pdns_set_txt(pdns_url, pdns_key, zone, fqdn, values, ttl=60):
    """Makes the TXT set at FQDN in ZONE (both without the final dot) exactly
    VALUES (unquoted strings); none deletes it."""
    rr = {"name": fqdn.rstrip(".") + ".", "type": "TXT"}
    if values:
        rr.update(changetype="REPLACE", ttl=ttl,
                  records=[{"content": '"%s"' % v, "disabled": False} for v in values])
    else:
        rr.update(changetype="DELETE")
    req = urllib.request.Request("%s/api/v1/servers/localhost/zones/%s." % (pdns_url, zone.rstrip(".")),
                                 method="PATCH", data=json.dumps({"rrsets": [rr]}).encode(),
                                 headers={"X-API-Key": pdns_key, "Content-Type": "application/json"})
    with _PDNS_LOCK:
        urllib.request.urlopen(req, timeout=10).read()


class Handler(BaseHTTPRequestHandler):
    """Subclasses define handle_any(self, method) and read self.path,
    self.headers and read_body(); LOG (a path) is set by serve()."""
    protocol_version = "HTTP/1.1"
    LOG = None

    def log_message(self, fmt, *args):
        pass

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode() if length else ""

    def log_request_line(self, entry):
        entry = dict(entry, in_flight=getattr(self, "in_flight", 1))
        with _FLIGHT_LOCK, open(self.LOG, "a") as log:
            log.write(json.dumps(entry) + "\n")

    def _counted(self, method):
        with _FLIGHT_LOCK:
            _FLIGHT["now"] += 1
            self.in_flight = _FLIGHT["now"]
        try:
            if _DELAY:
                time.sleep(_DELAY)
            self.handle_any(method)
        finally:
            with _FLIGHT_LOCK:
                _FLIGHT["now"] -= 1

    def reply_raw(self, status, data, content_type="application/json", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def reply(self, status, body=None, headers=None):
        """JSON BODY (None: an empty body, as for 204)."""
        self.reply_raw(status, b"" if body is None else json.dumps(body).encode(), headers=headers)

    def do_GET(self):
        self._counted("GET")

    def do_POST(self):
        self._counted("POST")

    def do_PUT(self):
        self._counted("PUT")

    def do_PATCH(self):
        self._counted("PATCH")

    def do_DELETE(self):
        self._counted("DELETE")


def serve(handler, port_file, log):
    """Serves HANDLER on 127.0.0.1 (HTTPS when FAKE_TLS_CERT is set) and
    writes the port to PORT_FILE (atomically) once listening."""
    handler.LOG = log
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    cert, key = os.environ.get("FAKE_TLS_CERT"), os.environ.get("FAKE_TLS_KEY")
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()
