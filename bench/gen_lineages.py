#!/usr/bin/env python3
"""Generate N acmekit lineages in CONFIG_DIR for the no-op renew benchmark.

Every lineage gets its own archive/NAME/{cert,chain,fullchain,privkey}1.pem
(copies of one certificate made with openssl, valid 90 days, so nothing is
due), live/.NAME.v1/ links to them, live/NAME -> .NAME.v1, and
renewal/NAME.conf -- the layout acmekit's LineageStore writes.
With --certbot: certbot's layout instead -- live/NAME a real directory of
the four links, renewal/NAME.conf without domains (certbot reads them from
the certificate), live/README -- what `certbot certonly` leaves.
usage: gen_lineages.py CONFIG_DIR N [--certbot]
"""
import os
import subprocess
import sys
import tempfile


def main():
    cfg, n = sys.argv[1], int(sys.argv[2])
    certbot = "--certbot" in sys.argv[3:]
    tmp = tempfile.mkdtemp()
    key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "90", "-subj", "/CN=bench.test",
                    "-addext", "subjectAltName=DNS:bench.test"], check=True, capture_output=True)
    pem = {"cert": open(cert).read(), "key": open(key).read()}
    for d in ("live", "archive", "renewal"):
        os.makedirs(os.path.join(cfg, d), exist_ok=True)
    for i in range(n):
        name = f"site{i:07d}.bench.test"
        arch = os.path.join(cfg, "archive", name)
        os.makedirs(arch)
        vdir = os.path.join(cfg, "live", name if certbot else f".{name}.v1")
        os.makedirs(vdir)
        for kind, src in (("cert", "cert"), ("chain", "cert"), ("fullchain", "cert"), ("privkey", "key")):
            path = os.path.join(arch, f"{kind}1.pem")
            with open(path, "w") as f:
                f.write(pem[src])
            if kind == "privkey":
                os.chmod(path, 0o600)
            os.symlink(f"../../archive/{name}/{kind}1.pem", os.path.join(vdir, f"{kind}.pem"))
        if not certbot:
            os.symlink(f".{name}.v1", os.path.join(cfg, "live", name))
        with open(os.path.join(cfg, "renewal", name + ".conf"), "w") as f:
            live = os.path.join(os.path.abspath(cfg), "live", name)
            # certbot reads these top-level keys too, so the same tree serves both.
            f.write(f"version = 2.1.0\narchive_dir = {os.path.abspath(arch)}\n"
                    f"cert = {live}/cert.pem\nprivkey = {live}/privkey.pem\n"
                    f"chain = {live}/chain.pem\nfullchain = {live}/fullchain.pem\n\n"
                    f"[renewalparams]\nserver = https://127.0.0.1:1/dir\n"
                    f"authenticator = standalone\naccount = 0\n"
                    + ("" if certbot else f"domains = {name}\n") + "key_type = ecdsa\n")
    if certbot:
        with open(os.path.join(cfg, "live", "README"), "w") as f:
            f.write("This directory contains your keys and certificates.\n")


if __name__ == "__main__":
    main()
