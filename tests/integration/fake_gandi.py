#!/usr/bin/env python3
"""A local stand-in for Gandi's LiveDNS API (api.gandi.net/docs/livedns), the
calls acmekit makes, as documented:

  GET    /v5/livedns/domains?page=P&per_page=N        [{"fqdn": ..., "automatic_snapshot": ...}]
                                                      (header Total-Count: the number of domains)
  GET    /v5/livedns/domains/FQDN/records/NAME/TXT    {"rrset_name", "rrset_type", "rrset_ttl",
                                                       "rrset_values": ["\"quoted\"", ...]}; 404 if none
  PUT    /v5/livedns/domains/FQDN/records/NAME/TXT    {"rrset_values": [...], "rrset_ttl": N} -> 201
  DELETE /v5/livedns/domains/FQDN/records/NAME/TXT    -> 204

NAME is relative to the domain, "@" the apex. Auth: "Authorization: Bearer
TOKEN" (a personal access token) or "Authorization: Apikey TOKEN" (the
legacy key); otherwise 401. Errors: {"code", "message", "object", "cause"}.
The rrsets live in a real PowerDNS (its API), so DNS sees what this writes.
Every request is appended to LOG as a JSON line {method, path, query, auth, body}.

usage: fake_gandi.py PORT_FILE LOG TOKEN PDNS_URL PDNS_KEY PAGE_SIZE ZONE...
"""
import json
import re
import sys
import threading
import urllib.parse

import fake_common

PORT_FILE, LOG, TOKEN, PDNS_URL, PDNS_KEY, PAGE_SIZE = sys.argv[1:7]
ZONES = sorted(sys.argv[7:])
RRSETS = {}  # (zone, name) -> {"values": [...quoted], "ttl": N}
LOCK = threading.Lock()
QUOTED = re.compile(r'^"[^"\\]*"$')


def sync(zone, name):
    rr = RRSETS.get((zone, name))
    values = [v[1:-1] for v in rr["values"]] if rr else []
    fake_common.pdns_set_txt(PDNS_URL, PDNS_KEY, zone, zone if name == "@" else "%s.%s" % (name, zone), values)


class Handler(fake_common.Handler):
    def error(self, status, message, obj="", cause=""):
        self.reply(status, {"code": status, "message": message, "object": obj, "cause": cause})

    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        raw = self.read_body()
        auth = self.headers.get("Authorization", "")
        self.log_request_line({"method": method, "path": url.path, "query": url.query, "auth": auth,
                               "body": json.loads(raw) if raw else None})
        if auth not in ("Bearer " + TOKEN, "Apikey " + TOKEN):
            return self.error(401, "The server could not verify that you authenticated successfully",
                              "HTTPUnauthorized", "Unauthorized")
        parts = [urllib.parse.unquote(p) for p in url.path.strip("/").split("/")]
        if parts[:2] != ["v5", "livedns"]:
            return self.error(404, "not found", "HTTPNotFound", "Not Found")
        parts = parts[2:]
        with LOCK:
            if method == "GET" and parts == ["domains"]:
                per_page = min(int(query.get("per_page", ["100"])[0]), int(PAGE_SIZE))
                page = int(query.get("page", ["1"])[0])
                chunk = ZONES[(page - 1) * per_page:page * per_page]
                return self.reply(200, [{"fqdn": z, "automatic_snapshot": False} for z in chunk],
                                  headers={"Total-Count": str(len(ZONES))})
            if len(parts) == 5 and parts[0] == "domains" and parts[2] == "records" and parts[4] == "TXT":
                zone, name = parts[1], parts[3]
                if zone not in ZONES:
                    return self.error(404, "The domain %s does not exist" % zone, "domain", "Not Found")
                key = (zone, name)
                if method == "GET":
                    rr = RRSETS.get(key)
                    if rr is None:
                        return self.error(404, "Can't find the DNS record", "dns-record", "Not Found")
                    return self.reply(200, {"rrset_name": name, "rrset_type": "TXT", "rrset_ttl": rr["ttl"],
                                            "rrset_values": rr["values"]})
                if method == "PUT":
                    body = json.loads(raw or "{}")
                    values, ttl = body.get("rrset_values"), body.get("rrset_ttl", 10800)
                    if not values or not all(isinstance(v, str) and QUOTED.match(v) for v in values):
                        return self.error(400, "rrset_values: a non-empty list of quoted strings", "dns-record",
                                          "Bad Request")
                    if not isinstance(ttl, int) or ttl < 300:
                        return self.error(400, "rrset_ttl: must be at least 300", "dns-record", "Bad Request")
                    RRSETS[key] = {"values": list(values), "ttl": ttl}
                    sync(zone, name)
                    return self.reply(201, {"message": "DNS Record Created"})
                if method == "DELETE":
                    if RRSETS.pop(key, None) is None:
                        return self.error(404, "Can't find the DNS record", "dns-record", "Not Found")
                    sync(zone, name)
                    return self.reply_raw(204, b"")
        self.error(404, "not found", "HTTPNotFound", "Not Found")


fake_common.serve(Handler, PORT_FILE, LOG)
