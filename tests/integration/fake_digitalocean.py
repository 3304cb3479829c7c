#!/usr/bin/env python3
"""A local stand-in for DigitalOcean's v2 DNS API, the calls acmekit makes, as
DigitalOcean documents them (docs.digitalocean.com/reference/api):

  GET    /v2/domains?per_page=N[&page=P]     {"domains": [{name, ttl, zone_file}], "links": {"pages": {"next"}},
                                             "meta": {"total"}}
  POST   /v2/domains/D/records               {type, name (relative, "@" apex), data, ttl} -> 201 {"domain_record"}
  GET    /v2/domains/D/records?type=&name=   (name: the record's full name) {"domain_records": [...]}
  DELETE /v2/domains/D/records/ID            204

Errors: {"id": "unauthorized", "message": "Unable to authenticate you."} (401),
{"id": "not_found", "message": "The resource you were accessing could not be found."} (404).
The records live in a real PowerDNS (its API), so DNS sees what this writes.
Every request is appended to LOG as a JSON line {method, path, query, authorization, body}.
PAGE_SIZE caps per_page (so pagination is exercised with few domains).

usage: fake_digitalocean.py PORT_FILE LOG TOKEN PDNS_URL PDNS_KEY PAGE_SIZE DOMAIN...
"""
import json
import sys
import threading
import urllib.parse

import fake_common

PORT_FILE, LOG, TOKEN, PDNS_URL, PDNS_KEY, PAGE_SIZE = sys.argv[1:7]
DOMAINS = sorted(sys.argv[7:])
RECORDS = {}  # id -> {domain, name (relative), data, ttl}
STATE = {"next_id": 1000}
LOCK = threading.Lock()


def fqdn(domain, name):
    return domain if name == "@" else "%s.%s" % (name, domain)


def sync(domain, name):
    values = [r["data"] for r in RECORDS.values() if r["domain"] == domain and r["name"] == name]
    fake_common.pdns_set_txt(PDNS_URL, PDNS_KEY, domain, fqdn(domain, name), values, ttl=30)


def record_json(rid, r):
    return {"id": rid, "type": "TXT", "name": r["name"], "data": r["data"], "priority": None, "port": None,
            "ttl": r["ttl"], "weight": None, "flags": None, "tag": None}


class Handler(fake_common.Handler):
    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        raw = self.read_body()
        self.log_request_line({"method": method, "path": url.path, "query": url.query,
                              "authorization": self.headers.get("Authorization", ""),
                              "body": json.loads(raw) if raw else None})
        if self.headers.get("Authorization", "") != "Bearer " + TOKEN:
            return self.reply(401, {"id": "unauthorized", "message": "Unable to authenticate you."})
        parts = url.path.strip("/").split("/")
        not_found = {"id": "not_found", "message": "The resource you were accessing could not be found."}
        with LOCK:
            if method == "GET" and parts == ["v2", "domains"]:
                per_page = min(int(query.get("per_page", ["20"])[0]), int(PAGE_SIZE))
                page = int(query.get("page", ["1"])[0])
                chunk = DOMAINS[(page - 1) * per_page:page * per_page]
                pages = {}
                if page * per_page < len(DOMAINS):
                    pages["next"] = "https://%s/v2/domains?page=%d&per_page=%d" % (self.headers["Host"], page + 1,
                                                                                   per_page)
                return self.reply(200, {"domains": [{"name": d, "ttl": 1800, "zone_file": ""} for d in chunk],
                                        "links": {"pages": pages}, "meta": {"total": len(DOMAINS)}})
            if len(parts) >= 4 and parts[:2] == ["v2", "domains"] and parts[3] == "records":
                domain = parts[2]
                if domain not in DOMAINS:
                    return self.reply(404, not_found)
                if method == "POST" and len(parts) == 4:
                    body = json.loads(raw)
                    if body.get("type") != "TXT" or not body.get("data"):
                        return self.reply(422, {"id": "unprocessable_entity", "message": "Data needs to end with a dot (.)"})
                    rid = STATE["next_id"]
                    STATE["next_id"] += 1
                    RECORDS[rid] = {"domain": domain, "name": body["name"], "data": body["data"],
                                    "ttl": body.get("ttl", 1800)}
                    sync(domain, body["name"])
                    return self.reply(201, {"domain_record": record_json(rid, RECORDS[rid])})
                if method == "GET" and len(parts) == 4:
                    found = [record_json(i, r) for i, r in sorted(RECORDS.items()) if r["domain"] == domain
                             and ("name" not in query or fqdn(domain, r["name"]) == query["name"][0])]
                    return self.reply(200, {"domain_records": found, "links": {}, "meta": {"total": len(found)}})
                if method == "DELETE" and len(parts) == 5:
                    rec = RECORDS.pop(int(parts[4]), None)
                    if rec is None or rec["domain"] != domain:
                        return self.reply(404, not_found)
                    sync(domain, rec["name"])
                    return self.reply(204)
        self.reply(404, not_found)


fake_common.serve(Handler, PORT_FILE, LOG)
