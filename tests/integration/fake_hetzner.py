#!/usr/bin/env python3
"""A local stand-in for the Hetzner DNS API (dns.hetzner.com/api-docs), the
calls acmekit makes, as documented:

  GET    /api/v1/zones?page=P&per_page=N     {"zones": [{id, name, ...}], "meta": {"pagination":
                                              {page, per_page, last_page, total_entries}}}
  POST   /api/v1/records/bulk                {"records": [{zone_id, type, name (relative, "@" apex), value, ttl}]}
                                             -> {"records": [...], "valid_records": [], "invalid_records": [...]}
  GET    /api/v1/records?zone_id=ID          {"records": [...]}
  DELETE /api/v1/records/ID                  200 {}

Auth: the Auth-API-Token header; otherwise 401 {"message": "Invalid authentication credentials"}.
Other errors: {"error": {"message": "...", "code": N}}. The records live in a
real PowerDNS (its API), so DNS sees what this writes. Every request is
appended to LOG as a JSON line {method, path, query, token, body}.

usage: fake_hetzner.py PORT_FILE LOG TOKEN PDNS_URL PDNS_KEY PAGE_SIZE ZONE...
"""
import json
import sys
import threading
import urllib.parse

import fake_common

PORT_FILE, LOG, TOKEN, PDNS_URL, PDNS_KEY, PAGE_SIZE = sys.argv[1:7]
ZONES = {"zone%02d" % i: z for i, z in enumerate(sorted(sys.argv[7:]))}
RECORDS = {}  # id -> {zone_id, type, name, value, ttl}
STATE = {"next_id": 1}
LOCK = threading.Lock()


def sync(zone_id, name):
    zone = ZONES[zone_id]
    values = [r["value"] for r in RECORDS.values() if r["zone_id"] == zone_id and r["name"] == name]
    fake_common.pdns_set_txt(PDNS_URL, PDNS_KEY, zone, zone if name == "@" else "%s.%s" % (name, zone), values)


class Handler(fake_common.Handler):
    def error(self, status, message):
        self.reply(status, {"error": {"message": message, "code": status}})

    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        raw = self.read_body()
        self.log_request_line({"method": method, "path": url.path, "query": url.query,
                               "token": self.headers.get("Auth-API-Token", ""),
                               "body": json.loads(raw) if raw else None})
        if self.headers.get("Auth-API-Token", "") != TOKEN:
            return self.reply(401, {"message": "Invalid authentication credentials"})
        parts = url.path.strip("/").split("/")
        if parts[:2] != ["api", "v1"]:
            return self.error(404, "not found")
        parts = parts[2:]
        with LOCK:
            if method == "GET" and parts == ["zones"]:
                per_page = min(int(query.get("per_page", ["100"])[0]), int(PAGE_SIZE))
                page = int(query.get("page", ["1"])[0])
                items = sorted(ZONES.items())
                chunk = items[(page - 1) * per_page:page * per_page]
                last = max(1, (len(items) + per_page - 1) // per_page)
                return self.reply(200, {"zones": [{"id": i, "name": n, "ttl": 86400} for i, n in chunk],
                                        "meta": {"pagination": {"page": page, "per_page": per_page,
                                                                "last_page": last, "total_entries": len(items)}}})
            if method == "POST" and parts == ["records", "bulk"]:
                made, invalid = [], []
                for rec in json.loads(raw).get("records", []):
                    if rec.get("zone_id") not in ZONES or rec.get("type") != "TXT" or not rec.get("value"):
                        invalid.append(rec)
                        continue
                    rid = "rec%04d" % STATE["next_id"]
                    STATE["next_id"] += 1
                    RECORDS[rid] = {k: rec.get(k) for k in ("zone_id", "type", "name", "value", "ttl")}
                    made.append(dict(RECORDS[rid], id=rid))
                for zone_id, name in {(r["zone_id"], r["name"]) for r in made}:
                    sync(zone_id, name)
                return self.reply(200, {"records": made, "valid_records": [], "invalid_records": invalid})
            if method == "POST" and parts == ["records"]:
                rec = json.loads(raw)
                if rec.get("zone_id") not in ZONES:
                    return self.error(422, "zone not found")
                rid = "rec%04d" % STATE["next_id"]
                STATE["next_id"] += 1
                RECORDS[rid] = {k: rec.get(k) for k in ("zone_id", "type", "name", "value", "ttl")}
                sync(rec["zone_id"], rec["name"])
                return self.reply(200, {"record": dict(RECORDS[rid], id=rid)})
            if method == "GET" and parts == ["records"]:
                zone_id = query.get("zone_id", [""])[0]
                if zone_id not in ZONES:
                    return self.error(404, "zone not found")
                return self.reply(200, {"records": [dict(r, id=i) for i, r in sorted(RECORDS.items())
                                                    if r["zone_id"] == zone_id]})
            if method == "DELETE" and len(parts) == 2 and parts[0] == "records":
                rec = RECORDS.pop(parts[1], None)
                if rec is None:
                    return self.error(404, "record not found")
                sync(rec["zone_id"], rec["name"])
                return self.reply(200, {})
        self.error(404, "not found")


fake_common.serve(Handler, PORT_FILE, LOG)
