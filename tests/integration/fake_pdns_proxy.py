#!/usr/bin/env python3
"""A recording HTTPS proxy in front of a real PowerDNS's HTTP API (the
scale test's view of what acmekit sends): every request is forwarded as it
is to UPSTREAM (pdns's webserver, plain HTTP) and its answer returned as it
is, after DELAY seconds (so requests sent at once overlap here and the
concurrency is observable). Every request is appended to LOG as one JSON
line {method, path, query, in_flight, rrsets} (in_flight: the requests being
served when it arrived, itself included; rrsets: a PATCH's [name, changetype]
pairs). GET /__stats (not logged, not
forwarded): {"max_in_flight": N, "requests": N}.

usage: fake_pdns_proxy.py PORT_FILE LOG UPSTREAM DELAY
"""
import json
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import fake_common

PORT_FILE, LOG, UPSTREAM, DELAY = sys.argv[1], sys.argv[2], sys.argv[3].rstrip("/"), float(sys.argv[4])
STATE = {"in_flight": 0, "max_in_flight": 0, "requests": 0}
LOCK = threading.Lock()


class Handler(fake_common.Handler):
    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        body = self.read_body()
        if url.path == "/__stats":
            with LOCK:
                return self.reply(200, {"max_in_flight": STATE["max_in_flight"], "requests": STATE["requests"]})
        with LOCK:
            STATE["in_flight"] += 1
            STATE["requests"] += 1
            in_flight = STATE["in_flight"]
            STATE["max_in_flight"] = max(STATE["max_in_flight"], in_flight)
            rrsets = None
            if method == "PATCH" and body:
                rrsets = [[rr.get("name"), rr.get("changetype")] for rr in json.loads(body).get("rrsets", [])]
            self.log_request_line({"method": method, "path": url.path, "query": url.query, "in_flight": in_flight,
                                   "rrsets": rrsets})
        try:
            time.sleep(DELAY)
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() in ("x-api-key", "content-type", "accept")}
            req = urllib.request.Request(UPSTREAM + self.path, method=method,
                                         data=body.encode() if body else None, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    status, data, ctype = resp.status, resp.read(), resp.headers.get("Content-Type", "")
            except urllib.error.HTTPError as e:
                status, data, ctype = e.code, e.read(), e.headers.get("Content-Type", "")
        finally:
            with LOCK:
                STATE["in_flight"] -= 1
        self.reply_raw(status, data, content_type=ctype or "application/json")


if __name__ == "__main__":
    fake_common.serve(Handler, PORT_FILE, LOG)
