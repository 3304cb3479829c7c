#!/usr/bin/env python3
"""A local stand-in for acme-dns's HTTP API (github.com/joohoi/acme-dns, api.go),
the two calls a client makes:

  POST /register   [{"allowfrom": [...]}]  -> 201 {username, password, fulldomain, subdomain, allowfrom}
  POST /update     X-Api-User, X-Api-Key, {"subdomain", "txt"} -> 200 {"txt": ...}

Errors as acme-dns answers them: 401 {"error": "forbidden"} (unknown user,
wrong key, or the subdomain is not the user's), 400 {"error": "bad_txt"}
(not 43 base64url characters), 400 {"error": "bad_subdomain"}. Each
subdomain keeps its two newest TXT values (acme-dns's rolling pair), served
by a real PowerDNS: the fake writes them into the zone DOMAIN through pdns's
API, so Pebble and acmekit's propagation check resolve them.

Every request is appended to LOG as a JSON line {method, path, user, key, body}.
usage: fake_acmedns.py PORT_FILE LOG DOMAIN PDNS_URL PDNS_KEY
"""
import json
import re
import sys
import threading
import uuid

import fake_common

PORT_FILE, LOG, DOMAIN, PDNS_URL, PDNS_KEY = sys.argv[1:6]
ACCOUNTS = {}  # username -> {password, subdomain}
TXT = {}       # subdomain -> [older, newer]
LOCK = threading.Lock()


def publish(subdomain):
    fake_common.pdns_set_txt(PDNS_URL, PDNS_KEY, DOMAIN, "%s.%s" % (subdomain, DOMAIN), TXT[subdomain], ttl=1)


class Handler(fake_common.Handler):
    def do_POST(self):
        raw = self.read_body()
        user, key = self.headers.get("X-Api-User", ""), self.headers.get("X-Api-Key", "")
        self.log_request_line({"method": "POST", "path": self.path, "user": user, "key": key,
                              "body": json.loads(raw) if raw else None})
        with LOCK:
            if self.path == "/register":
                username, subdomain = str(uuid.uuid4()), str(uuid.uuid4())
                password = uuid.uuid4().hex + uuid.uuid4().hex[:8]
                ACCOUNTS[username] = {"password": password, "subdomain": subdomain}
                return self.reply(201, {"username": username, "password": password, "subdomain": subdomain,
                                        "fulldomain": "%s.%s" % (subdomain, DOMAIN), "allowfrom": []})
            if self.path == "/update":
                account = ACCOUNTS.get(user)
                if account is None or account["password"] != key:
                    return self.reply(401, {"error": "forbidden"})
                try:
                    body = json.loads(raw)
                except ValueError:
                    return self.reply(400, {"error": "malformed_json_payload"})
                if body.get("subdomain") != account["subdomain"]:
                    return self.reply(401, {"error": "forbidden"})
                txt = body.get("txt", "")
                if not re.fullmatch(r"[A-Za-z0-9_-]{43}", txt):
                    return self.reply(400, {"error": "bad_txt"})
                TXT[account["subdomain"]] = (TXT.get(account["subdomain"], []) + [txt])[-2:]
                publish(account["subdomain"])
                return self.reply(200, {"txt": txt})
        self.reply(404, {"error": "not found"})

fake_common.serve(Handler, PORT_FILE, LOG)
