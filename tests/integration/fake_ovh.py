#!/usr/bin/env python3
"""A local stand-in for the OVH API v1 (api.ovh.com/console), the calls
acmekit makes, as documented:

  GET    /1.0/auth/time                                   the API's Unix time (not signed)
  GET    /1.0/domain/zone                                 ["example.com", ...]
  POST   /1.0/domain/zone/Z/record                        {fieldType, subDomain, target, ttl} -> the record
  GET    /1.0/domain/zone/Z/record?fieldType=&subDomain=  [id, ...]
  GET    /1.0/domain/zone/Z/record/ID                     {id, zone, fieldType, subDomain, target, ttl}
  DELETE /1.0/domain/zone/Z/record/ID                     null
  POST   /1.0/domain/zone/Z/refresh                       null: only now are the zone's changes published

Every call but /auth/time must be signed as OVH documents: X-Ovh-Application
(AK), X-Ovh-Consumer (CK), X-Ovh-Timestamp (this API's clock, which runs
SKEW seconds ahead of the machine's, within 30 s) and X-Ovh-Signature =
"$1$" + sha1hex(AS+CK+METHOD+URL+BODY+TIMESTAMP joined by "+"), recomputed
here. Errors as OVH words them: {"message", "errorCode", "httpCode"}.
Records are published into a real PowerDNS (its API) on refresh only, so
a missing refresh leaves DNS without the value. TXT targets come back
quoted, as OVH shows them. SEED ("ZONE/SUBDOMAIN/VALUE" or "-") is a record
the account already has, published at start. Every request is appended to
LOG as a JSON line {method, path, query, ak, ck, signed, body}.

usage: fake_ovh.py PORT_FILE LOG AK AS CK SKEW PDNS_URL PDNS_KEY SEED ZONE...
"""
import hashlib
import json
import sys
import threading
import time
import urllib.parse

import fake_common

PORT_FILE, LOG, AK, AS, CK, SKEW, PDNS_URL, PDNS_KEY, SEED = sys.argv[1:10]
ZONES = sorted(sys.argv[10:])
RECORDS = {}    # id -> {zone, fieldType, subDomain, target, ttl}
PUBLISHED = {}  # (zone, subDomain) -> [values] as PowerDNS has them
STATE = {"next_id": 1000}
LOCK = threading.Lock()


def api_time():
    return int(time.time()) + int(SKEW)


def publish(zone):
    """What refresh does: the zone's TXT records as they are now go live."""
    names = {(r["zone"], r["subDomain"]) for r in RECORDS.values() if r["zone"] == zone}
    names |= {k for k in PUBLISHED if k[0] == zone}
    for key in sorted(names):
        values = sorted(r["target"] for r in RECORDS.values() if (r["zone"], r["subDomain"]) == key)
        if PUBLISHED.get(key, []) == values:
            continue
        sub = key[1]
        fake_common.pdns_set_txt(PDNS_URL, PDNS_KEY, zone, "%s.%s" % (sub, zone) if sub else zone, values)
        PUBLISHED[key] = values


def add_record(zone, sub, target, ttl):
    rid = STATE["next_id"]
    STATE["next_id"] += 1
    RECORDS[rid] = {"zone": zone, "fieldType": "TXT", "subDomain": sub, "target": target, "ttl": ttl}
    return rid


def shown(rid):
    r = RECORDS[rid]
    return dict(r, id=rid, target='"%s"' % r["target"])


class Handler(fake_common.Handler):
    def error(self, status, message, code):
        self.reply(status, {"message": message, "errorCode": code,
                            "httpCode": "%d %s" % (status, self.responses.get(status, ("",))[0])})

    def check_signature(self, method, raw):
        if self.headers.get("X-Ovh-Application", "") != AK:
            return 403, "Invalid application key", "INVALID_KEY"
        if self.headers.get("X-Ovh-Consumer", "") != CK:
            return 403, "This credential does not exist", "INVALID_CREDENTIAL"
        ts = self.headers.get("X-Ovh-Timestamp", "")
        if not ts.isdigit() or abs(int(ts) - api_time()) > 30:
            return 400, "Query out of time", "QUERY_TIME_OUT"
        url = "https://%s%s" % (self.headers.get("Host", ""), self.path)
        want = "$1$" + hashlib.sha1("+".join([AS, CK, method, url, raw, ts]).encode()).hexdigest()
        if self.headers.get("X-Ovh-Signature", "") != want:
            return 400, "Invalid signature", "INVALID_SIGNATURE"
        return None

    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        raw = self.read_body()
        parts = [urllib.parse.unquote(p) for p in url.path.strip("/").split("/")]
        refused = None if parts == ["1.0", "auth", "time"] else self.check_signature(method, raw)
        self.log_request_line({"method": method, "path": url.path, "query": url.query,
                               "ak": self.headers.get("X-Ovh-Application", ""),
                               "ck": self.headers.get("X-Ovh-Consumer", ""),
                               "signed": refused is None, "body": json.loads(raw) if raw else None})
        if parts == ["1.0", "auth", "time"] and method == "GET":
            return self.reply(200, api_time())
        if refused:
            return self.error(*refused)
        if parts[:3] != ["1.0", "domain", "zone"]:
            return self.error(404, "Got an invalid (or empty) URL", "")
        parts = parts[3:]
        with LOCK:
            if method == "GET" and parts == []:
                return self.reply(200, ZONES)
            if not parts or parts[0] not in ZONES:
                return self.error(404, "This service does not exist", "")
            zone, rest = parts[0], parts[1:]
            if method == "POST" and rest == ["record"]:
                body = json.loads(raw or "{}")
                if body.get("fieldType") != "TXT" or not isinstance(body.get("subDomain"), str) \
                        or not isinstance(body.get("target"), str) or not body["target"] \
                        or not isinstance(body.get("ttl"), int):
                    return self.error(400, "Invalid record", "")
                rid = add_record(zone, body["subDomain"], body["target"], body["ttl"])
                return self.reply(200, shown(rid))
            if method == "GET" and rest == ["record"]:
                ids = [i for i, r in sorted(RECORDS.items()) if r["zone"] == zone
                       and ("fieldType" not in query or r["fieldType"] == query["fieldType"][0])
                       and ("subDomain" not in query or r["subDomain"] == query["subDomain"][0])]
                return self.reply(200, ids)
            if len(rest) == 2 and rest[0] == "record" and rest[1].isdigit():
                rid = int(rest[1])
                if rid not in RECORDS or RECORDS[rid]["zone"] != zone:
                    return self.error(404, "The requested object (id = %d) does not exist" % rid, "")
                if method == "GET":
                    return self.reply(200, shown(rid))
                if method == "DELETE":
                    del RECORDS[rid]
                    return self.reply(200, None)
            if method == "POST" and rest == ["refresh"]:
                publish(zone)
                return self.reply(200, None)
        self.error(404, "Got an invalid (or empty) URL", "")


if SEED != "-":
    zone, sub, value = SEED.split("/")
    add_record(zone, sub, value, 60)
    publish(zone)
fake_common.serve(Handler, PORT_FILE, LOG)
