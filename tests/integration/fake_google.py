#!/usr/bin/env python3
"""A local stand-in for Google's OAuth token endpoint and the Cloud DNS API v1
(cloud.google.com/dns/docs/reference/v1), the calls acmekit makes, as
documented:

  POST /token   grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT
                -> {"access_token", "expires_in", "token_type": "Bearer"}; the JWT's RS256
                signature is verified with the service account's public key (openssl),
                its claims checked (iss, scope, aud = this /token URL, exp = iat + 3600);
                otherwise 400 {"error": "invalid_grant", "error_description": ...}
  GET  /dns/v1/projects/P/managedZones[?pageToken=T]   {"managedZones": [{name, dnsName, visibility}],
                                                         "nextPageToken": T}
  GET  /dns/v1/projects/P/managedZones/Z/rrsets?name=N.&type=TXT   {"rrsets": [{name, type, ttl, rrdatas}]}
  POST /dns/v1/projects/P/managedZones/Z/changes  {additions, deletions} -> {"kind": "dns#change",
                id, status: "done", ...}; a deletion must match the rrset exactly (else 412
                conditionNotMet), an addition must not exist yet (else 409 alreadyExists)

Errors: {"error": {"code", "message", "errors": [{"reason", ...}], "status"}}.
The records live in a real PowerDNS (its API), so DNS sees what this writes.
Every request is appended to LOG as a JSON line {method, path, query, auth, body}.
FAKE_PRESET_TXT="FQDN=VALUE ..." in the environment: TXT rrsets there from
the start (TTL 300), someone else's records.

usage: fake_google.py PORT_FILE LOG SA_PUBLIC_KEY_PEM CLIENT_EMAIL PROJECT PDNS_URL PDNS_KEY PAGE_SIZE ZONE...
"""
import base64
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import urllib.parse

import fake_common

PORT_FILE, LOG, PUBKEY, EMAIL, PROJECT, PDNS_URL, PDNS_KEY, PAGE_SIZE = sys.argv[1:9]
ZONES = {"zone-%02d" % i: z.rstrip(".") + "." for i, z in enumerate(sorted(sys.argv[9:]))}
RRSETS = {}  # (zone name, fqdn with dot) -> {"ttl", "rrdatas"}
TOKENS = set()
STATE = {"change": 0}
LOCK = threading.Lock()
SCOPE = "https://www.googleapis.com/auth/ndev.clouddns.readwrite"


def b64d(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_problem(jwt, audience):
    """None when JWT is an RS256 assertion signed by the SA key with the right claims."""
    parts = jwt.split(".")
    if len(parts) != 3:
        return "Invalid JWT: not three parts."
    try:
        header, claims, signature = json.loads(b64d(parts[0])), json.loads(b64d(parts[1])), b64d(parts[2])
    except ValueError:
        return "Invalid JWT: not base64url JSON."
    if header.get("alg") != "RS256":
        return "Invalid JWT: alg must be RS256."
    with tempfile.NamedTemporaryFile() as sig:
        sig.write(signature)
        sig.flush()
        check = subprocess.run(["openssl", "dgst", "-sha256", "-verify", PUBKEY, "-signature", sig.name],
                               input=(parts[0] + "." + parts[1]).encode(), capture_output=True)
    if check.returncode != 0:
        return "Invalid JWT Signature."
    if claims.get("iss") != EMAIL:
        return "Invalid JWT: iss is not the service account."
    if claims.get("aud") != audience:
        return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. aud"
    if claims.get("scope") != SCOPE:
        return "Invalid JWT: scope."
    if not isinstance(claims.get("iat"), int) or claims.get("exp") != claims["iat"] + 3600:
        return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe."
    return None


def sync(zone, fqdn):
    rr = RRSETS.get((zone, fqdn))
    values = [d.strip('"') for d in rr["rrdatas"]] if rr else []
    fake_common.pdns_set_txt(PDNS_URL, PDNS_KEY, ZONES[zone], fqdn, values)


class Handler(fake_common.Handler):
    def error(self, status, message, reason, state):
        self.reply(status, {"error": {"code": status, "message": message,
                                      "errors": [{"message": message, "domain": "global", "reason": reason}],
                                      "status": state}})

    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        raw = self.read_body()
        is_form = url.path == "/token"
        self.log_request_line({"method": method, "path": url.path, "query": url.query,
                               "auth": self.headers.get("Authorization", ""),
                               "body": raw if is_form else (json.loads(raw) if raw else None)})
        if method == "POST" and url.path == "/token":
            form = urllib.parse.parse_qs(raw)
            if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
                return self.reply(400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"})
            problem = jwt_problem(form.get("assertion", [""])[0], "https://%s/token" % self.headers.get("Host"))
            if problem:
                return self.reply(400, {"error": "invalid_grant", "error_description": problem})
            token = "ya29.fake-" + secrets.token_urlsafe(16)
            with LOCK:
                TOKENS.add(token)
            return self.reply(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in TOKENS:
            return self.error(401, "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                              "login cookie or other valid authentication credential.", "authError", "UNAUTHENTICATED")
        parts = url.path.strip("/").split("/")
        if parts[:3] != ["dns", "v1", "projects"] or len(parts) < 5:
            return self.error(404, "Not Found", "notFound", "NOT_FOUND")
        if parts[3] != PROJECT:
            return self.error(403, "Forbidden", "forbidden", "PERMISSION_DENIED")
        parts = parts[4:]
        with LOCK:
            if method == "GET" and parts == ["managedZones"]:
                items = sorted(ZONES.items())
                start = int(query.get("pageToken", ["0"])[0])
                chunk = items[start:start + int(PAGE_SIZE)]
                body = {"kind": "dns#managedZonesListResponse",
                        "managedZones": [{"kind": "dns#managedZone", "name": n, "dnsName": d, "visibility": "public"}
                                         for n, d in chunk]}
                if start + int(PAGE_SIZE) < len(items):
                    body["nextPageToken"] = str(start + int(PAGE_SIZE))
                return self.reply(200, body)
            if len(parts) < 3 or parts[0] != "managedZones" or parts[1] not in ZONES:
                return self.error(404, "The 'parameters.managedZone' resource named '%s' does not exist."
                                  % (parts[1] if len(parts) > 1 else ""), "notFound", "NOT_FOUND")
            zone = parts[1]
            if method == "GET" and parts[2:] == ["rrsets"]:
                name, rtype = query.get("name", [""])[0], query.get("type", [""])[0]
                found = [{"kind": "dns#resourceRecordSet", "name": fqdn, "type": "TXT", "ttl": rr["ttl"],
                          "rrdatas": rr["rrdatas"]} for (z, fqdn), rr in sorted(RRSETS.items())
                         if z == zone and fqdn == name and rtype in ("TXT", "")]
                return self.reply(200, {"kind": "dns#resourceRecordSetsListResponse", "rrsets": found})
            if method == "POST" and parts[2:] == ["changes"]:
                change = json.loads(raw)
                touched = set()
                staged = dict(RRSETS)
                for rr in change.get("deletions", []):
                    key = (zone, rr["name"])
                    have = staged.get(key)
                    if rr.get("type") != "TXT" or have is None or have != {"ttl": rr.get("ttl"), "rrdatas": rr.get("rrdatas")}:
                        return self.error(412, "Precondition not met for 'entity.change.deletions[%s]'" % rr["name"],
                                          "conditionNotMet", "FAILED_PRECONDITION")
                    del staged[key]
                    touched.add(rr["name"])
                for rr in change.get("additions", []):
                    key = (zone, rr["name"])
                    if rr.get("type") != "TXT" or not rr["name"].endswith(ZONES[zone]) or not rr.get("rrdatas"):
                        return self.error(400, "Invalid value for 'entity.change.additions[%s]'" % rr["name"],
                                          "invalid", "INVALID_ARGUMENT")
                    if any(not (d.startswith('"') and d.endswith('"')) for d in rr["rrdatas"]):
                        return self.error(400, "Invalid value for 'entity.change.additions[%s].rrdata'" % rr["name"],
                                          "invalid", "INVALID_ARGUMENT")
                    if key in staged:
                        return self.error(409, "The resource 'entity.change.additions[%s]' named '%s (TXT)' already "
                                          "exists" % (rr["name"], rr["name"]), "alreadyExists", "ALREADY_EXISTS")
                    staged[key] = {"ttl": rr.get("ttl"), "rrdatas": rr["rrdatas"]}
                    touched.add(rr["name"])
                RRSETS.clear()
                RRSETS.update(staged)
                for fqdn in touched:
                    sync(zone, fqdn)
                STATE["change"] += 1
                return self.reply(200, dict(change, kind="dns#change", id=str(STATE["change"]), status="done"))
        self.error(404, "Not Found", "notFound", "NOT_FOUND")


for preset in os.environ.get("FAKE_PRESET_TXT", "").split():
    fqdn, value = preset.split("=", 1)
    fqdn = fqdn.rstrip(".") + "."
    zone = max((z for z, d in ZONES.items() if fqdn == d or fqdn.endswith("." + d)), key=lambda z: len(ZONES[z]))
    RRSETS.setdefault((zone, fqdn), {"ttl": 300, "rrdatas": []})["rrdatas"].append('"%s"' % value)
    sync(zone, fqdn)

fake_common.serve(Handler, PORT_FILE, LOG)
