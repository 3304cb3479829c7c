#!/usr/bin/env python3
"""A local stand-in for Microsoft Entra ID's token endpoint and Azure DNS
through Resource Manager (API version 2018-05-01), the calls acmekit makes,
as documented (learn.microsoft.com/rest/api/dns,
learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow):

  POST /TENANT/oauth2/v2.0/token   grant_type=client_credentials&client_id&client_secret&scope
       -> {"token_type": "Bearer", "expires_in", "access_token"}; errors as AAD's
       {"error": "invalid_client", "error_description": "AADSTS7000215: ...\\r\\nTrace ID: ...", "error_codes"}
  GET    /subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/dnsZones?api-version=2018-05-01
         -> {"value": [{id, name, type, properties}], "nextLink": URL with $skipToken}
  GET    .../dnsZones/ZONE/TXT/REL?api-version=2018-05-01   the record set, or 404 NotFound
  PUT    .../dnsZones/ZONE/TXT/REL?api-version=2018-05-01   {"properties": {"TTL", "TXTRecords": [{"value": [..]}]}}
  DELETE .../dnsZones/ZONE/TXT/REL?api-version=2018-05-01   200 (204 when absent)

ARM errors: {"error": {"code", "message"}}; another subscription or resource
group than the service principal's is 403 AuthorizationFailed. The records live
in a real PowerDNS (its API), so DNS sees what this writes. Every request is
appended to LOG as a JSON line {method, path, query, auth, body} (the client
secret in a token request logged as "<right>" or "<wrong>").
FAKE_PRESET_TXT="FQDN=VALUE ..." in the environment: TXT record sets there
from the start (TTL 300), someone else's records.

usage: fake_azure.py PORT_FILE LOG TENANT CLIENT_ID SECRET SUBSCRIPTION RESOURCE_GROUP PDNS_URL PDNS_KEY PAGE_SIZE ZONE...
"""
import json
import os
import secrets
import sys
import threading
import urllib.parse

import fake_common

PORT_FILE, LOG, TENANT, CLIENT_ID, SECRET, SUB, RG, PDNS_URL, PDNS_KEY, PAGE_SIZE = sys.argv[1:11]
ZONES = sorted(z.rstrip(".") for z in sys.argv[11:])
RECORDS = {}  # (zone, rel) -> {"TTL", "TXTRecords"}
TOKENS = set()
LOCK = threading.Lock()
API_VERSION = "2018-05-01"
GROUP = "/subscriptions/%s/resourceGroups/%s" % (SUB, RG)


def sync(zone, rel):
    rs = RECORDS.get((zone, rel))
    values = ["".join(r["value"]) for r in rs["TXTRecords"]] if rs else []
    fake_common.pdns_set_txt(PDNS_URL, PDNS_KEY, zone, zone if rel == "@" else "%s.%s" % (rel, zone), values)


def record_body(zone, rel, rs):
    return {"id": "%s/providers/Microsoft.Network/dnszones/%s/TXT/%s" % (GROUP, zone, rel), "name": rel,
            "type": "Microsoft.Network/dnszones/TXT", "etag": secrets.token_hex(8),
            "properties": {"fqdn": (zone if rel == "@" else "%s.%s" % (rel, zone)) + ".",
                           "TTL": rs["TTL"], "TXTRecords": rs["TXTRecords"], "provisioningState": "Succeeded"}}


class Handler(fake_common.Handler):
    def aad_error(self, status, error, code, text):
        self.reply(status, {"error": error,
                            "error_description": "AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\n"
                                                 "Timestamp: 2026-01-01 00:00:00Z" % (code, text, secrets.token_hex(8),
                                                                                      secrets.token_hex(8)),
                            "error_codes": [code], "timestamp": "2026-01-01 00:00:00Z"})

    def arm_error(self, status, code, message):
        self.reply(status, {"error": {"code": code, "message": message}})

    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        raw = self.read_body()
        token_request = url.path.endswith("/oauth2/v2.0/token")
        if token_request:
            form = urllib.parse.parse_qs(raw)
            logged = dict((k, v[0]) for k, v in form.items())
            if "client_secret" in logged:
                logged["client_secret"] = "<right>" if logged["client_secret"] == SECRET else "<wrong>"
            body = logged
        else:
            body = json.loads(raw) if raw else None
        self.log_request_line({"method": method, "path": url.path, "query": url.query,
                               "auth": self.headers.get("Authorization", ""), "body": body})
        if token_request and method == "POST":
            if url.path != "/%s/oauth2/v2.0/token" % TENANT:
                return self.aad_error(400, "invalid_request", 90002, "Tenant '%s' not found." % url.path.split("/")[1])
            if form.get("grant_type") != ["client_credentials"]:
                return self.aad_error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
            if form.get("client_id") != [CLIENT_ID]:
                return self.aad_error(400, "unauthorized_client", 700016,
                                      "Application with identifier '%s' was not found in the directory." %
                                      form.get("client_id", [""])[0])
            if form.get("client_secret") != [SECRET]:
                return self.aad_error(401, "invalid_client", 7000215,
                                      "Invalid client secret provided. Ensure the secret being sent in the request is "
                                      "the client secret value, not the client secret ID, for a secret added to app "
                                      "'%s'." % CLIENT_ID)
            if form.get("scope") != ["https://management.azure.com/.default"]:
                return self.aad_error(400, "invalid_scope", 1002012, "The provided value for scope is not valid.")
            token = "eyJ0.fake-" + secrets.token_urlsafe(16)
            with LOCK:
                TOKENS.add(token)
            return self.reply(200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                                    "access_token": token})
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in TOKENS:
            return self.arm_error(401, "InvalidAuthenticationToken", "The access token is invalid.")
        if query.get("api-version") != [API_VERSION]:
            return self.arm_error(400, "InvalidApiVersionParameter", "The api-version is invalid.")
        prefix = GROUP + "/providers/Microsoft.Network/dnsZones"
        if not url.path.startswith(prefix):
            return self.arm_error(403, "AuthorizationFailed",
                                  "The client '%s' with object id '%s' does not have authorization to perform action "
                                  "'Microsoft.Network/dnsZones/read' over scope '%s' or the scope is invalid."
                                  % (CLIENT_ID, CLIENT_ID, url.path))
        rest = [urllib.parse.unquote(p) for p in url.path[len(prefix):].strip("/").split("/") if p]
        with LOCK:
            if method == "GET" and not rest:
                start = int(query.get("$skipToken", ["0"])[0])
                chunk = ZONES[start:start + int(PAGE_SIZE)]
                body = {"value": [{"id": "%s/providers/Microsoft.Network/dnszones/%s" % (GROUP, z), "name": z,
                                   "type": "Microsoft.Network/dnszones", "location": "global",
                                   "properties": {"zoneType": "Public"}} for z in chunk]}
                if start + int(PAGE_SIZE) < len(ZONES):
                    body["nextLink"] = "https://%s%s?api-version=%s&$skipToken=%d" % (
                        self.headers.get("Host"), prefix, API_VERSION, start + int(PAGE_SIZE))
                return self.reply(200, body)
            if len(rest) != 3 or rest[1] != "TXT":
                return self.arm_error(404, "NotFound", "Not found: %s" % url.path)
            zone, rel = rest[0], rest[2]
            if zone not in ZONES:
                return self.arm_error(404, "ParentResourceNotFound",
                                      "Can not perform requested operation on nested resource. Parent resource '%s' "
                                      "not found." % zone)
            key = (zone, rel)
            if method == "GET":
                if key not in RECORDS:
                    return self.arm_error(404, "NotFound", "The resource record '%s' does not exist in resource "
                                          "group '%s' of subscription '%s'." % (rel, RG, SUB))
                return self.reply(200, record_body(zone, rel, RECORDS[key]))
            if method == "PUT":
                props = json.loads(raw).get("properties", {})
                txt = props.get("TXTRecords")
                if not isinstance(props.get("TTL"), int) or not txt or any(
                        not isinstance(r.get("value"), list) or not r["value"] for r in txt):
                    return self.arm_error(400, "BadRequest", "The record set is invalid.")
                created = key not in RECORDS
                RECORDS[key] = {"TTL": props["TTL"], "TXTRecords": txt}
                sync(zone, rel)
                return self.reply(201 if created else 200, record_body(zone, rel, RECORDS[key]))
            if method == "DELETE":
                if RECORDS.pop(key, None) is None:
                    return self.reply_raw(204, b"")
                sync(zone, rel)
                return self.reply_raw(200, b"")
        self.arm_error(405, "MethodNotAllowed", "The method is not allowed.")


for preset in os.environ.get("FAKE_PRESET_TXT", "").split():
    fqdn, value = preset.split("=", 1)
    fqdn = fqdn.rstrip(".")
    zone = max((z for z in ZONES if fqdn == z or fqdn.endswith("." + z)), key=len)
    rel = "@" if fqdn == zone else fqdn[:-len(zone) - 1]
    RECORDS.setdefault((zone, rel), {"TTL": 300, "TXTRecords": []})["TXTRecords"].append({"value": [value]})
    sync(zone, rel)

fake_common.serve(Handler, PORT_FILE, LOG)
