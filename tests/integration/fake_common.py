"""What the DNS provider fakes (fake_*.py) share: an HTTPS server on a free
loopback port (the port written to a file once listening), a handler base
that reads the body, logs every request as a JSON line and replies JSON,
and the PowerDNS API calls that put a fake's records into a real
authoritative server, so Pebble's validation and acmekit's propagation check
see what the fake API wrote.

TLS: the certificate and key from the environment's FAKE_TLS_CERT and
FAKE_TLS_KEY (lib.sh's make_tls_ca; acmekit trusts it through --ca-bundle),
plain HTTP when they are unset.
"""
import json
import os
import ssl
import urllib.request
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
        with open(self.LOG, "a") as log:
            log.write(json.dumps(entry) + "\n")

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
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_DELETE(self):
        self.handle_any("DELETE")


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
