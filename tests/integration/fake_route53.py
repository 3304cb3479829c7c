#!/usr/bin/env python3
"""A local stand-in for the Amazon Route 53 API (API version 2013-04-01,
REST-XML; the Route 53 API Reference), the calls acmekit makes, as
documented:

  GET  /2013-04-01/hostedzone?maxitems=N[&marker=ID]    ListHostedZones: HostedZones, IsTruncated,
                                                         NextMarker (the next page's first zone id)
  GET  /2013-04-01/hostedzone/ID/rrset?name=N&type=T&maxitems=K
                                                         ListResourceRecordSets: the sets from (N, T) on,
                                                         in Route 53's order (labels compared right to left)
  POST /2013-04-01/hostedzone/ID/rrset                   ChangeResourceRecordSets: one ChangeBatch, applied
                                                         atomically; CREATE / UPSERT / DELETE (DELETE must
                                                         name the exact current values and TTL, else 400
                                                         InvalidChangeBatch); ChangeInfo PENDING
  GET  /2013-04-01/change/ID                             GetChange: INSYNC

Every request must carry a valid AWS SigV4 Authorization (service route53,
region us-east-1): the signature is recomputed here from the secret, so a
wrong secret gets AWS's 403 SignatureDoesNotMatch and an unknown key 403
InvalidClientTokenId, in AWS's <ErrorResponse> XML. THROTTLE=1 in the
environment: the first ListResourceRecordSets gets 400 Throttling and the
first ChangeResourceRecordSets 429 with Retry-After: 1.

The TXT sets live in a real PowerDNS (its API), so DNS sees what this
writes. SEED="NAME=VALUE ..." puts TXT values there first (another
client's). Every request is appended to LOG as a JSON line {method, path,
query, status, access_key, changes} (changes: [action, name, ttl, values]
of a POST's batch).

usage: fake_route53.py PORT_FILE LOG ACCESS_KEY SECRET PDNS_URL PDNS_KEY PAGE_SIZE ZONE...
"""
import datetime
import hashlib
import hmac
import os
import sys
import threading
import urllib.parse
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

import fake_common

PORT_FILE, LOG, ACCESS_KEY, SECRET, PDNS_URL, PDNS_KEY, PAGE_SIZE = sys.argv[1:8]
NS = "https://route53.amazonaws.com/doc/2013-04-01/"
ZONES = {"Z%02dFAKE" % i: z.rstrip(".") + "." for i, z in enumerate(sorted(sys.argv[8:]))}
SETS = {}  # (zone_id, name with final dot, type) -> {"ttl": int, "values": [quoted strings]}
STATE = {"changes": 0, "throttle_list": os.environ.get("THROTTLE") == "1",
         "throttle_post": os.environ.get("THROTTLE") == "1"}
LOCK = threading.Lock()

for zid, zname in ZONES.items():
    SETS[(zid, zname, "SOA")] = {"ttl": 900, "values": ["ns.%s hostmaster.%s 1 7200 900 1209600 86400" % (zname, zname)]}
    SETS[(zid, zname, "NS")] = {"ttl": 172800, "values": ["ns.%s" % zname]}


def zone_of(name):
    best = None
    for zid, zname in ZONES.items():
        if (name == zname or name.endswith("." + zname)) and (best is None or len(zname) > len(ZONES[best])):
            best = zid
    return best


def sync(zone_id, name):
    """PowerDNS's TXT set at NAME becomes this fake's."""
    s = SETS.get((zone_id, name, "TXT"))
    values = [v[1:-1] for v in s["values"]] if s else []
    fake_common.pdns_set_txt(PDNS_URL, PDNS_KEY, ZONES[zone_id], name, values, ttl=s["ttl"] if s else 60)


for item in os.environ.get("SEED", "").split():
    n, v = item.split("=", 1)
    n = n.rstrip(".") + "."
    z = zone_of(n)
    SETS.setdefault((z, n, "TXT"), {"ttl": 300, "values": []})["values"].append('"%s"' % v)
    sync(z, n)


def order_key(name, rtype):
    return (list(reversed(name.rstrip(".").split("."))), rtype)


def error_xml(code, message, kind="Sender"):
    return ('<?xml version="1.0"?>\n<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code>'
            '<Message>%s</Message></Error><RequestId>fake-request</RequestId></ErrorResponse>'
            % (NS, kind, code, escape(message)))


def sigv4_expected(method, path, query, headers, body, signed, date, scope):
    """AWS SigV4 recomputed: canonical request, string to sign, derived key."""
    q = lambda s: urllib.parse.quote(s, safe="-_.~")
    uri = "/".join(q(seg) for seg in path.split("/")) or "/"
    params = sorted((q(k), q(v)) for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True))
    cquery = "&".join("%s=%s" % kv for kv in params)
    cheaders = "".join("%s:%s\n" % (h, " ".join(headers.get(h, "").split())) for h in signed)
    creq = "\n".join([method, uri, cquery, cheaders, ";".join(signed), hashlib.sha256(body).hexdigest()])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    key = ("AWS4" + SECRET).encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def check_auth(method, url, headers, body):
    """None when the signature is AWS's; else (status, code, message)."""
    auth = headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return (403, "MissingAuthenticationToken", "Missing Authentication Token")
    fields = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    cred = fields.get("Credential", "").split("/")
    date = headers.get("X-Amz-Date", "")
    if len(cred) != 5 or cred[0] != ACCESS_KEY:
        return (403, "InvalidClientTokenId", "The security token included in the request is invalid.")
    if cred[2:] != ["us-east-1", "route53", "aws4_request"] or cred[1] != date[:8]:
        return (403, "SignatureDoesNotMatch", "Credential should be scoped to a valid region and service.")
    signed = fields.get("SignedHeaders", "").split(";")
    if "host" not in signed or "x-amz-date" not in signed:
        return (403, "SignatureDoesNotMatch", "'Host' and 'X-Amz-Date' must be signed.")
    want = sigv4_expected(method, url.path, url.query, {h: headers.get(h, "") for h in signed}, body, signed,
                          date, "/".join(cred[1:]))
    if not hmac.compare_digest(want, fields.get("Signature", "")):
        return (403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature "
                "you provided. Check your AWS Secret Access Key and signing method. Consult the service "
                "documentation for details.")
    return None


def rrset_xml(name, rtype, s):
    rrs = "".join("<ResourceRecord><Value>%s</Value></ResourceRecord>" % escape(v) for v in s["values"])
    return ("<ResourceRecordSet><Name>%s</Name><Type>%s</Type><TTL>%d</TTL><ResourceRecords>%s</ResourceRecords>"
            "</ResourceRecordSet>" % (escape(name), rtype, s["ttl"], rrs))


def list_zones(query):
    per_page = min(int(query.get("maxitems", ["100"])[0]), int(PAGE_SIZE))
    ids = sorted(ZONES)
    marker = query.get("marker", [None])[0]
    start = ids.index(marker) if marker in ids else 0
    chunk, rest = ids[start:start + per_page], ids[start + per_page:]
    zones = "".join("<HostedZone><Id>/hostedzone/%s</Id><Name>%s</Name><CallerReference>ref-%s</CallerReference>"
                    "<Config><PrivateZone>false</PrivateZone></Config><ResourceRecordSetCount>%d"
                    "</ResourceRecordSetCount></HostedZone>"
                    % (i, ZONES[i], i, sum(1 for k in SETS if k[0] == i)) for i in chunk)
    more = ("<IsTruncated>true</IsTruncated><NextMarker>%s</NextMarker>" % rest[0]) if rest else \
        "<IsTruncated>false</IsTruncated>"
    return 200, ('<?xml version="1.0" encoding="UTF-8"?>\n<ListHostedZonesResponse xmlns="%s"><HostedZones>%s'
                 '</HostedZones>%s<MaxItems>%d</MaxItems></ListHostedZonesResponse>' % (NS, zones, more, per_page))


def list_rrsets(zone_id, query):
    name = query.get("name", [ZONES[zone_id]])[0]
    name = name.rstrip(".").lower() + "."
    rtype = query.get("type", [""])[0]
    limit = int(query.get("maxitems", ["100"])[0])
    keys = sorted((k for k in SETS if k[0] == zone_id), key=lambda k: order_key(k[1], k[2]))
    keys = [k for k in keys if order_key(k[1], k[2]) >= order_key(name, rtype)]
    sets = "".join(rrset_xml(k[1], k[2], SETS[k]) for k in keys[:limit])
    more = "<IsTruncated>false</IsTruncated>"
    if len(keys) > limit:
        more = ("<IsTruncated>true</IsTruncated><NextRecordName>%s</NextRecordName><NextRecordType>%s"
                "</NextRecordType>" % (keys[limit][1], keys[limit][2]))
    return 200, ('<?xml version="1.0" encoding="UTF-8"?>\n<ListResourceRecordSetsResponse xmlns="%s">'
                 '<ResourceRecordSets>%s</ResourceRecordSets>%s<MaxItems>%d</MaxItems>'
                 '</ListResourceRecordSetsResponse>' % (NS, sets, more, limit))


def change_rrsets(zone_id, changes):
    """Validates the whole batch, then applies it (atomic, as Route 53)."""
    new = {}
    for action, name, rtype, ttl, values in changes:
        key = (zone_id, name, rtype)
        cur = new[key] if key in new else SETS.get(key)
        if zone_of(name) != zone_id:
            return 400, error_xml("InvalidChangeBatch", "RRSet with DNS name %s is not permitted in zone %s"
                                  % (name, ZONES[zone_id]))
        if action == "CREATE" and cur:
            return 400, error_xml("InvalidChangeBatch", "Tried to create resource record set [name='%s', type='%s'] "
                                  "but it already exists" % (name, rtype))
        if action == "DELETE":
            if not cur or cur["ttl"] != ttl or sorted(cur["values"]) != sorted(values):
                return 400, error_xml("InvalidChangeBatch", "Tried to delete resource record set [name='%s', "
                                      "type='%s'] but the values provided do not match the current values"
                                      % (name, rtype))
            new[key] = None
        elif action in ("CREATE", "UPSERT"):
            if not values:
                return 400, error_xml("InvalidInput", "Invalid XML ; ResourceRecords must not be empty")
            new[key] = {"ttl": ttl, "values": values}
        else:
            return 400, error_xml("InvalidInput", "Invalid action %s" % action)
    for key, s in new.items():
        if s is None:
            SETS.pop(key, None)
        else:
            SETS[key] = s
        if key[2] == "TXT":
            sync(zone_id, key[1])
    STATE["changes"] += 1
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return 200, ('<?xml version="1.0" encoding="UTF-8"?>\n<ChangeResourceRecordSetsResponse xmlns="%s"><ChangeInfo>'
                 '<Id>/change/C%04d</Id><Status>PENDING</Status><SubmittedAt>%s</SubmittedAt>'
                 '<Comment>acmekit dns-01</Comment></ChangeInfo></ChangeResourceRecordSetsResponse>'
                 % (NS, STATE["changes"], now))


def parse_batch(raw):
    root = ET.fromstring(raw)
    out = []
    for ch in root.iter("{%s}Change" % NS):
        rs = ch.find("{%s}ResourceRecordSet" % NS)
        get = lambda e, tag: (e.findtext("{%s}%s" % (NS, tag)) or "")
        out.append((get(ch, "Action"), get(rs, "Name").rstrip(".").lower() + ".", get(rs, "Type"),
                    int(get(rs, "TTL") or 0),
                    [v.text for v in rs.iter("{%s}Value" % NS)]))
    return out


class Handler(fake_common.Handler):
    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        raw = self.read_body().encode()
        headers = {}
        changes = None
        with LOCK:
            bad = check_auth(method, url, self.headers, raw)
            parts = url.path.strip("/").split("/")
            if bad:
                status, body = bad[0], error_xml(bad[1], bad[2])
            elif parts[:1] != ["2013-04-01"]:
                status, body = 404, error_xml("UnknownOperationException", "no such operation")
            elif method == "GET" and parts[1:] == ["hostedzone"]:
                status, body = list_zones(query)
            elif len(parts) == 4 and parts[1] == "hostedzone" and parts[3] == "rrset" and parts[2] not in ZONES:
                status, body = 404, error_xml("NoSuchHostedZone", "No hosted zone found with ID: %s" % parts[2])
            elif method == "GET" and len(parts) == 4 and parts[1] == "hostedzone" and parts[3] == "rrset":
                if STATE["throttle_list"]:
                    STATE["throttle_list"] = False
                    status, body = 400, error_xml("Throttling", "Rate exceeded")
                else:
                    status, body = list_rrsets(parts[2], query)
            elif method == "POST" and len(parts) == 4 and parts[1] == "hostedzone" and parts[3] == "rrset":
                try:
                    changes = parse_batch(raw)
                except ET.ParseError as e:
                    changes = []
                    status, body = 400, error_xml("InvalidInput", "Invalid XML: %s" % e)
                else:
                    if STATE["throttle_post"]:
                        STATE["throttle_post"] = False
                        status, body = 429, error_xml("Throttling", "Rate exceeded")
                        headers = {"Retry-After": "1"}
                    else:
                        status, body = change_rrsets(parts[2], changes)
            elif method == "GET" and len(parts) == 3 and parts[1] == "change":
                status, body = 200, ('<?xml version="1.0" encoding="UTF-8"?>\n<GetChangeResponse xmlns="%s">'
                                     '<ChangeInfo><Id>/change/%s</Id><Status>INSYNC</Status>'
                                     '<SubmittedAt>2026-01-01T00:00:00.000Z</SubmittedAt></ChangeInfo>'
                                     '</GetChangeResponse>' % (NS, escape(parts[2])))
            else:
                status, body = 404, error_xml("UnknownOperationException", "no such operation")
        auth = self.headers.get("Authorization", "")
        self.log_request_line({"method": method, "path": url.path, "query": url.query, "status": status,
                               "access_key": auth.split("Credential=")[-1].split("/")[0] if auth else "",
                               "changes": [[a, n, t, v] for a, n, _, t, v in changes] if changes else None})
        self.reply_raw(status, body.encode(), content_type="text/xml", headers=headers)


fake_common.serve(Handler, PORT_FILE, LOG)
