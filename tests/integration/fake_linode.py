#!/usr/bin/env python3
"""A local stand-in for Linode's API v4 DNS calls acmekit makes, as
documented (techdocs.akamai.com/linode-api):

  GET    /v4/domains?page=P&page_size=N          {"data": [{id, domain, type, ...}], "page", "pages", "results"}
  POST   /v4/domains/ID/records                  {type, name (relative), target, ttl_sec} -> the record
  GET    /v4/domains/ID/records?page=P&page_size=N   {"data": [...], "page", "pages", "results"}
  DELETE /v4/domains/ID/records/RID              {}

Auth: "Authorization: Bearer TOKEN", else 401 {"errors": [{"reason": "Invalid Token"}]};
not found: 404 {"errors": [{"reason": "Not found"}]}. The records live in a
real PowerDNS (its API), so DNS sees what this writes. Every request is
appended to LOG as a JSON line {method, path, query, authorization, body}.
PAGE_SIZE caps page_size (pagination exercised with few domains).

usage: fake_linode.py PORT_FILE LOG TOKEN PDNS_URL PDNS_KEY PAGE_SIZE DOMAIN...
"""
import json
import sys
import threading
import urllib.parse

import fake_common

PORT_FILE, LOG, TOKEN, PDNS_URL, PDNS_KEY, PAGE_SIZE = sys.argv[1:7]
DOMAINS = {100 + i: d for i, d in enumerate(sorted(sys.argv[7:]))}
RECORDS = {}  # id -> {domain_id, type, name, target, ttl_sec}
STATE = {"next_id": 5000}
LOCK = threading.Lock()


def sync(domain_id, name):
    domain = DOMAINS[domain_id]
    values = [r["target"] for r in RECORDS.values() if r["domain_id"] == domain_id and r["name"] == name]
    fake_common.pdns_set_txt(PDNS_URL, PDNS_KEY, domain, domain if name in ("", "@") else "%s.%s" % (name, domain),
                             values, ttl=300)


def paged(items, query):
    size = min(int(query.get("page_size", ["100"])[0]), int(PAGE_SIZE))
    page = int(query.get("page", ["1"])[0])
    return {"data": items[(page - 1) * size:page * size], "page": page,
            "pages": max(1, (len(items) + size - 1) // size), "results": len(items)}


class Handler(fake_common.Handler):
    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        raw = self.read_body()
        self.log_request_line({"method": method, "path": url.path, "query": url.query,
                              "authorization": self.headers.get("Authorization", ""),
                              "body": json.loads(raw) if raw else None})
        if self.headers.get("Authorization", "") != "Bearer " + TOKEN:
            return self.reply(401, {"errors": [{"reason": "Invalid Token"}]})
        parts = url.path.strip("/").split("/")
        not_found = {"errors": [{"reason": "Not found"}]}
        with LOCK:
            if method == "GET" and parts == ["v4", "domains"]:
                return self.reply(200, paged([{"id": i, "domain": d, "type": "master", "status": "active"}
                                              for i, d in sorted(DOMAINS.items())], query))
            if len(parts) >= 4 and parts[:2] == ["v4", "domains"] and parts[3] == "records":
                domain_id = int(parts[2]) if parts[2].isdigit() else -1
                if domain_id not in DOMAINS:
                    return self.reply(404, not_found)
                if method == "POST" and len(parts) == 4:
                    body = json.loads(raw)
                    if body.get("type") != "TXT" or not body.get("target"):
                        return self.reply(400, {"errors": [{"reason": "target is required", "field": "target"}]})
                    rid = STATE["next_id"]
                    STATE["next_id"] += 1
                    RECORDS[rid] = {"domain_id": domain_id, "type": "TXT", "name": body.get("name", ""),
                                    "target": body["target"], "ttl_sec": body.get("ttl_sec", 0)}
                    sync(domain_id, RECORDS[rid]["name"])
                    return self.reply(200, dict(RECORDS[rid], id=rid))
                if method == "GET" and len(parts) == 4:
                    return self.reply(200, paged([dict(r, id=i) for i, r in sorted(RECORDS.items())
                                                  if r["domain_id"] == domain_id], query))
                if method == "DELETE" and len(parts) == 5:
                    rec = RECORDS.pop(int(parts[4]), None) if parts[4].isdigit() else None
                    if rec is None or rec["domain_id"] != domain_id:
                        return self.reply(404, not_found)
                    sync(domain_id, rec["name"])
                    return self.reply(200, {})
        self.reply(404, not_found)


fake_common.serve(Handler, PORT_FILE, LOG)
