#!/usr/bin/env python3
"""A local stand-in for Cloudflare's v4 API, the calls acmekit makes, as
Cloudflare documents them (developers.cloudflare.com/api):

  GET    /client/v4/zones?name=NAME&per_page=N[&page=P]   zones by name, paginated
  GET    /client/v4/zones/ID/dns_records?type=&name=&content=
  POST   /client/v4/zones/ID/dns_records                  {type, name, content, ttl}
  DELETE /client/v4/zones/ID/dns_records/RECORD_ID

Answers are Cloudflare's envelope {"success", "errors": [{"code", "message"}],
"messages", "result", "result_info"}. Auth: "Authorization: Bearer TOKEN"
(anything else: 400 6003 "Invalid request headers" with error_chain 6111; a
wrong token: 403 9109 "Invalid access token"). An identical record: 400 81058.
The zones' DNS data lives in a real PowerDNS (its API): what this fake writes,
the zone's authoritative server serves, so Pebble's validation and acmekit's
propagation check see it.

Every request is appended to LOG as one JSON line {method, path, query,
authorization, body}. POST /__control {"rate_limit": N} makes the next N
API requests answer 429 with Retry-After: 1.

usage: fake_cloudflare.py PORT_FILE LOG TOKEN PDNS_URL PDNS_KEY ZONE...
"""
import hashlib
import json
import sys
import threading
import urllib.parse

import fake_common

PORT_FILE, LOG, TOKEN, PDNS_URL, PDNS_KEY = sys.argv[1:6]
ZONES = {hashlib.md5(z.encode()).hexdigest(): z for z in sys.argv[6:]}
RECORDS = {}  # record id -> {zone_id, name, content, ttl}
STATE = {"rate_limit": 0, "next_id": 1}
LOCK = threading.Lock()


def sync_name(zone_id, name):
    """Writes the TXT set at NAME in pdns: every record we hold there."""
    contents = [r["content"] for r in RECORDS.values() if r["zone_id"] == zone_id and r["name"] == name]
    fake_common.pdns_set_txt(PDNS_URL, PDNS_KEY, ZONES[zone_id], name, contents, ttl=120)


def envelope(result, success=True, errors=None, info=None):
    out = {"success": success, "errors": errors or [], "messages": [], "result": result}
    if info is not None:
        out["result_info"] = info
    return out


def record_json(rid, r):
    return {"id": rid, "zone_id": r["zone_id"], "zone_name": ZONES[r["zone_id"]], "name": r["name"],
            "type": "TXT", "content": r["content"], "ttl": r["ttl"], "proxied": False}


class Handler(fake_common.Handler):
    def fail(self, status, code, message, chain=None):
        err = {"code": code, "message": message}
        if chain:
            err["error_chain"] = chain
        self.reply(status, envelope(None, False, [err]))

    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        body = self.read_body()
        if url.path == "/__control":
            with LOCK:
                STATE.update(json.loads(body))
            return self.reply(200, {"ok": True})
        self.log_request_line({"method": method, "path": url.path, "query": url.query,
                              "authorization": self.headers.get("Authorization", ""),
                              "content_type": self.headers.get("Content-Type", ""),
                              "body": json.loads(body) if body else None})
        with LOCK:
            if STATE["rate_limit"] > 0:
                STATE["rate_limit"] -= 1
                self.send_response(429)
                data = json.dumps(envelope(None, False, [{"code": 10000, "message": "Rate limited"}])).encode()
                self.send_header("Retry-After", "1")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                return self.wfile.write(data)
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return self.fail(400, 6003, "Invalid request headers",
                             [{"code": 6111, "message": "Invalid format for Authorization header"}])
        if auth != "Bearer " + TOKEN:
            return self.fail(403, 9109, "Invalid access token")
        parts = url.path.strip("/").split("/")
        if parts[:2] != ["client", "v4"]:
            return self.fail(404, 7000, "No route for that URI")
        parts = parts[2:]
        with LOCK:
            if method == "GET" and parts == ["zones"]:
                zones = sorted(ZONES.items(), key=lambda z: z[1])
                if "name" in query:
                    zones = [z for z in zones if z[1] == query["name"][0]]
                per_page = int(query.get("per_page", ["20"])[0])
                page = int(query.get("page", ["1"])[0])
                chunk = zones[(page - 1) * per_page:page * per_page]
                return self.reply(200, envelope([{"id": i, "name": n, "status": "active"} for i, n in chunk],
                                                info={"page": page, "per_page": per_page, "count": len(chunk),
                                                      "total_count": len(zones),
                                                      "total_pages": (len(zones) + per_page - 1) // per_page}))
            if len(parts) >= 3 and parts[0] == "zones" and parts[2] == "dns_records":
                zone_id = parts[1]
                if zone_id not in ZONES:
                    return self.fail(404, 7003, "Could not route to /zones/%s/dns_records, perhaps your object "
                                     "identifier is invalid?" % zone_id)
                if method == "GET" and len(parts) == 3:
                    found = [record_json(i, r) for i, r in sorted(RECORDS.items()) if r["zone_id"] == zone_id
                             and ("name" not in query or r["name"] == query["name"][0])
                             and ("content" not in query or r["content"] == query["content"][0])
                             and ("type" not in query or query["type"][0] == "TXT")]
                    return self.reply(200, envelope(found, info={"page": 1, "per_page": 100, "count": len(found),
                                                                 "total_count": len(found)}))
                if method == "POST" and len(parts) == 3:
                    rec = json.loads(body)
                    name = rec["name"].rstrip(".").lower()
                    if rec.get("type") != "TXT":
                        return self.fail(400, 9004, "This record type is not supported by this fake")
                    if not (name == ZONES[zone_id] or name.endswith("." + ZONES[zone_id])):
                        return self.fail(400, 9005, "Content for TXT record is invalid: name not in zone")
                    if any(r["zone_id"] == zone_id and r["name"] == name and r["content"] == rec["content"]
                           for r in RECORDS.values()):
                        return self.fail(400, 81058, "An identical record already exists.")
                    rid = "%032x" % STATE["next_id"]
                    STATE["next_id"] += 1
                    RECORDS[rid] = {"zone_id": zone_id, "name": name, "content": rec["content"],
                                    "ttl": rec.get("ttl", 1)}
                    sync_name(zone_id, name)
                    return self.reply(200, envelope(record_json(rid, RECORDS[rid])))
                if method == "DELETE" and len(parts) == 4:
                    rec = RECORDS.get(parts[3])
                    if rec is None or rec["zone_id"] != zone_id:
                        return self.fail(404, 81044, "Record does not exist.")
                    del RECORDS[parts[3]]
                    sync_name(zone_id, rec["name"])
                    return self.reply(200, envelope({"id": parts[3]}))
        return self.fail(404, 7000, "No route for that URI")


fake_common.serve(Handler, PORT_FILE, LOG)
